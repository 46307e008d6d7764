/**
 * Configuration from the environment, validated with zod. Every problem is collected and reported in
 * ONE {@link ConfigError} whose message names each variable and what it expects (never a secret value).
 *
 * Default credential set (`name: 'default'`):
 *   OTC_REGION (required), OTC_PROJECT_ID, OTC_DOMAIN_ID,
 *   OTC_AK + OTC_SK [+ OTC_SECURITY_TOKEN]                                   (AK/SK; needs OTC_PROJECT_ID)
 *   or OTC_USERNAME + OTC_PASSWORD + OTC_DOMAIN_NAME [+ OTC_PROJECT_NAME]
 *      [+ OTC_AGENCY_DOMAIN_NAME + OTC_AGENCY_NAME for assume_role]          (IAM token)
 *   OTC_ENDPOINT_IAM|VPCEP|DMS|VPC (base URL overrides), OTC_TIMEOUT_MS (default 30000)
 * Named sets (e.g. the cross-account client side): OTC_CREDENTIALS_<NAME>_<FIELD> with the same fields
 * (AK, SK, SECURITY_TOKEN, PROJECT_ID, DOMAIN_ID, USERNAME, PASSWORD, DOMAIN_NAME, PROJECT_NAME,
 * AGENCY_DOMAIN_NAME, AGENCY_NAME, REGION); keyed by the lower-cased name. A set without REGION inherits
 * the default region; every set uses the default set's endpoint overrides and timeout.
 * Temporal: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (kafka-crossvpc).
 */
import { z } from 'zod';
import type { OtcCredentials } from '../otc/auth.js';
import { OTC_SERVICES, resolveServiceUrls, type ServiceUrlOverrides } from '../otc/endpoints.js';
import type { OtcConfig } from '../otc/otc-config.js';

export type { OtcConfig } from '../otc/otc-config.js';

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
}

export interface AppConfig {
  /** The default credential set (`name: 'default'`). */
  otc: OtcConfig;
  /** Named extra sets, keyed by lower-cased name (`OTC_CREDENTIALS_CLIENT_*` → `client`). */
  credentialSets: Record<string, OtcConfig>;
  temporal: TemporalConfig;
}

export interface ConfigIssue {
  variable: string;
  expected: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  - ${i.variable}: ${i.expected}`).join('\n')}`);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_TEMPORAL: TemporalConfig = { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kafka-crossvpc' };

// ---- value schemas (each with the human "expects" text used in messages) ----

interface Rule<T> {
  schema: z.ZodType<T>;
  expects: string;
  /** Whether the received value may be echoed in a message. */
  secret?: boolean;
}

const idLike = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const RULES = {
  region: { schema: z.string().regex(/^[a-z]{2}-[a-z0-9]+$/), expects: 'a region name like eu-de, eu-nl or eu-ch2' },
  projectId: { schema: idLike, expects: 'a project id (32 hex characters on OTC; letters, digits, - and _ accepted)' },
  domainId: { schema: idLike, expects: 'an account (domain) id (32 hex characters on OTC; letters, digits, - and _ accepted)' },
  ak: { schema: z.string().regex(/^[A-Za-z0-9]{8,128}$/), expects: 'an access key id (letters and digits)', secret: true },
  nonEmptySecret: { schema: z.string().min(1), expects: 'a non-empty value', secret: true },
  nonEmpty: { schema: z.string().trim().min(1), expects: 'a non-empty value' },
  url: {
    schema: z.string().refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash;
      } catch {
        return false;
      }
    }),
    expects: 'an http(s) base URL without query, e.g. https://vpc.eu-de.otc.t-systems.com',
  },
  timeout: {
    schema: z
      .string()
      .regex(/^\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(100).max(600_000)),
    expects: 'an integer number of milliseconds between 100 and 600000',
  },
  hostPort: { schema: z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/), expects: 'host:port, e.g. 127.0.0.1:7233' },
  namespace: { schema: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/), expects: 'a Temporal namespace name (letters, digits, . _ -)' },
  taskQueue: { schema: z.string().trim().min(1).max(255), expects: 'a non-empty task queue name' },
} satisfies Record<string, Rule<unknown>>;

class Reader {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly env: Env) {}

  has(name: string): boolean {
    const v = this.env[name];
    return v !== undefined && v !== '';
  }

  /** The parsed value, or undefined when unset (empty counts as unset) or invalid (an issue is recorded). */
  get<T>(name: string, rule: Rule<T>): T | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return undefined;
    const r = rule.schema.safeParse(raw);
    if (r.success) return r.data;
    const shown = rule.secret ? '' : ` (got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)})`;
    this.issues.push({ variable: name, expected: `expected ${rule.expects}${shown}` });
    return undefined;
  }

  require<T>(name: string, rule: Rule<T>): T | undefined {
    if (!this.has(name)) {
      this.issues.push({ variable: name, expected: `is required: expected ${rule.expects}` });
      return undefined;
    }
    return this.get(name, rule);
  }

  problem(variable: string, expected: string): void {
    this.issues.push({ variable, expected });
  }
}

const SET_FIELDS = [
  'AK',
  'SK',
  'SECURITY_TOKEN',
  'PROJECT_ID',
  'DOMAIN_ID',
  'USERNAME',
  'PASSWORD',
  'DOMAIN_NAME',
  'PROJECT_NAME',
  'AGENCY_DOMAIN_NAME',
  'AGENCY_NAME',
  'REGION',
] as const;
const NAMED_SET_RE = new RegExp(`^OTC_CREDENTIALS_([A-Z0-9]+(?:_[A-Z0-9]+)*?)_(${SET_FIELDS.join('|')})$`);

/** Reads one credential set whose variables start with `prefix` (`OTC_` or `OTC_CREDENTIALS_<NAME>_`). */
function readCredentials(r: Reader, prefix: string): { credentials?: OtcCredentials; projectId?: string; domainId?: string } {
  const v = (field: string): string => `${prefix}${field}`;
  const projectId = r.get(v('PROJECT_ID'), RULES.projectId);
  const domainId = r.get(v('DOMAIN_ID'), RULES.domainId);
  const hasAkSk = r.has(v('AK')) || r.has(v('SK'));
  const hasPassword = r.has(v('USERNAME')) || r.has(v('PASSWORD')) || r.has(v('DOMAIN_NAME'));
  const out: { credentials?: OtcCredentials; projectId?: string; domainId?: string } = {};
  if (projectId) out.projectId = projectId;
  if (domainId) out.domainId = domainId;

  if (hasAkSk && hasPassword) {
    r.problem(`${v('AK')}/${v('USERNAME')}`, `expected either ${v('AK')}+${v('SK')} or ${v('USERNAME')}+${v('PASSWORD')}+${v('DOMAIN_NAME')}, not both`);
    return out;
  }
  if (!hasAkSk && !hasPassword) {
    r.problem(`${v('AK')}/${v('SK')}`, `credentials are required: set ${v('AK')}+${v('SK')} (AK/SK) or ${v('USERNAME')}+${v('PASSWORD')}+${v('DOMAIN_NAME')} (IAM password)`);
    return out;
  }
  if (hasAkSk) {
    const ak = r.require(v('AK'), RULES.ak);
    const sk = r.require(v('SK'), RULES.nonEmptySecret);
    const securityToken = r.get(v('SECURITY_TOKEN'), RULES.nonEmptySecret);
    if (!r.has(v('PROJECT_ID'))) r.problem(v('PROJECT_ID'), `is required with AK/SK: expected ${RULES.projectId.expects}`);
    for (const f of ['PROJECT_NAME', 'AGENCY_DOMAIN_NAME', 'AGENCY_NAME']) {
      if (r.has(v(f))) r.problem(v(f), `only applies to the IAM password flow (${v('USERNAME')}), not to AK/SK`);
    }
    if (ak && sk) out.credentials = { kind: 'aksk', ak, sk, ...(securityToken ? { securityToken } : {}) };
    return out;
  }
  const username = r.require(v('USERNAME'), RULES.nonEmpty);
  const password = r.require(v('PASSWORD'), RULES.nonEmptySecret);
  const domainName = r.require(v('DOMAIN_NAME'), RULES.nonEmpty);
  const projectName = r.get(v('PROJECT_NAME'), RULES.nonEmpty);
  if (r.has(v('SECURITY_TOKEN'))) r.problem(v('SECURITY_TOKEN'), `only applies to temporary AK/SK (${v('AK')}), not to the password flow`);
  const agencyDomain = r.get(v('AGENCY_DOMAIN_NAME'), RULES.nonEmpty);
  const agencyName = r.get(v('AGENCY_NAME'), RULES.nonEmpty);
  if (r.has(v('AGENCY_DOMAIN_NAME')) !== r.has(v('AGENCY_NAME'))) {
    const missing = r.has(v('AGENCY_NAME')) ? v('AGENCY_DOMAIN_NAME') : v('AGENCY_NAME');
    r.problem(missing, `is required for assume_role: set both ${v('AGENCY_DOMAIN_NAME')} (delegating account name) and ${v('AGENCY_NAME')} (agency name)`);
  }
  if (username && password && domainName) {
    out.credentials = {
      kind: 'password',
      username,
      password,
      domainName,
      ...(projectName ? { projectName } : {}),
      ...(agencyDomain && agencyName ? { agency: { domainName: agencyDomain, agencyName } } : {}),
    };
  }
  return out;
}

function readEndpoints(r: Reader): ServiceUrlOverrides {
  const out: ServiceUrlOverrides = {};
  for (const service of OTC_SERVICES) {
    const url = r.get(`OTC_ENDPOINT_${service.toUpperCase()}`, RULES.url);
    if (url) out[service] = url;
  }
  return out;
}

function namedSetNames(env: Env, r: Reader): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(env)) {
    if (!key.startsWith('OTC_CREDENTIALS_')) continue;
    const m = NAMED_SET_RE.exec(key);
    const name = m?.[1];
    if (!name) {
      r.problem(key, `unknown variable: expected OTC_CREDENTIALS_<NAME>_<FIELD> with FIELD one of ${SET_FIELDS.join(', ')}`);
      continue;
    }
    if (name === 'DEFAULT') {
      r.problem(key, 'the name DEFAULT is reserved for the OTC_* set; pick another name');
      continue;
    }
    names.add(name);
  }
  return [...names].sort();
}

/** Parses the whole configuration; throws one {@link ConfigError} listing every problem. */
export function loadConfig(env: Env = process.env): AppConfig {
  const r = new Reader(env);
  const region = r.require('OTC_REGION', RULES.region);
  const overrides = readEndpoints(r);
  const timeoutMs = r.get('OTC_TIMEOUT_MS', RULES.timeout) ?? DEFAULT_TIMEOUT_MS;
  const defaults = readCredentials(r, 'OTC_');

  const sets: Record<string, { region: string | undefined; creds: ReturnType<typeof readCredentials> }> = {};
  for (const name of namedSetNames(env, r)) {
    const prefix = `OTC_CREDENTIALS_${name}_`;
    sets[name.toLowerCase()] = { region: r.get(`${prefix}REGION`, RULES.region) ?? region, creds: readCredentials(r, prefix) };
  }

  const temporal: TemporalConfig = {
    address: r.get('TEMPORAL_ADDRESS', RULES.hostPort) ?? DEFAULT_TEMPORAL.address,
    namespace: r.get('TEMPORAL_NAMESPACE', RULES.namespace) ?? DEFAULT_TEMPORAL.namespace,
    taskQueue: r.get('TEMPORAL_TASK_QUEUE', RULES.taskQueue) ?? DEFAULT_TEMPORAL.taskQueue,
  };

  if (r.issues.length > 0 || !region || !defaults.credentials) throw new ConfigError(r.issues);

  const build = (name: string, setRegion: string, c: ReturnType<typeof readCredentials>, credentials: OtcCredentials): OtcConfig => ({
    name,
    region: setRegion,
    ...(c.projectId ? { projectId: c.projectId } : {}),
    ...(c.domainId ? { domainId: c.domainId } : {}),
    credentials,
    endpoints: resolveServiceUrls(setRegion, overrides),
    timeoutMs,
  });

  const credentialSets: Record<string, OtcConfig> = {};
  for (const [name, set] of Object.entries(sets)) {
    // readCredentials recorded an issue whenever credentials are missing, so both are defined here.
    if (set.creds.credentials && set.region) credentialSets[name] = build(name, set.region, set.creds, set.creds.credentials);
  }
  return { otc: build('default', region, defaults, defaults.credentials), credentialSets, temporal };
}

/** The set named `name` (`default` → the default set); throws a ConfigError naming the missing variables. */
export function credentialSet(config: AppConfig, name: string): OtcConfig {
  if (name === 'default') return config.otc;
  const set = config.credentialSets[name.toLowerCase()];
  if (set) return set;
  const upper = name.toUpperCase();
  throw new ConfigError([
    {
      variable: `OTC_CREDENTIALS_${upper}_*`,
      expected: `credential set '${name}' is not configured: set OTC_CREDENTIALS_${upper}_AK/_SK/_PROJECT_ID (or _USERNAME/_PASSWORD/_DOMAIN_NAME)`,
    },
  ]);
}
