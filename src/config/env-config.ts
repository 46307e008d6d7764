/**
 * The product's configuration: `OTC_*` variables, OpenStack `OS_*` variables and clouds.yaml/secure.yaml
 * cloud entries, validated with zod. Every problem is collected and reported in ONE {@link ConfigError}
 * whose message names each variable or `file: key` and what it expects (never a secret value). The full
 * reference, with examples, is docs/configuration.md.
 *
 * PRECEDENCE (per value, first found wins):
 *   1. `OTC_*` variables (named sets: `OTC_CREDENTIALS_<NAME>_*`);
 *   2. `OS_*` variables (default set only);
 *   3. the set's cloud entry in secure.yaml, then in clouds.yaml (default set: `OS_CLOUD`; named set:
 *      `OTC_CREDENTIALS_<NAME>_CLOUD`); files are looked up as clouds-yaml.ts describes;
 *   4. defaults: a named set inherits the default set's region; timeout 30000 ms; endpoints from the IAM
 *      catalog (see below), else the region template `https://{service}.{region}.otc.t-systems.com`.
 * Credentials are taken as a whole: when any `OTC_` credential variable of a set is set (AK, SK,
 * SECURITY_TOKEN, USERNAME, PASSWORD, DOMAIN_NAME, PROJECT_NAME, AGENCY_*), the credential fields of levels
 * 2–3 are ignored for that set, so a cloud's password never mixes with an `OTC_AK`.
 *
 * Default credential set (`name: 'default'`):
 *   OTC_REGION, OTC_PROJECT_ID, OTC_DOMAIN_ID,
 *   OTC_AK + OTC_SK [+ OTC_SECURITY_TOKEN]                                   (AK/SK; needs a project id)
 *   or OTC_USERNAME + OTC_PASSWORD + OTC_DOMAIN_NAME [+ OTC_PROJECT_NAME]
 *      [+ OTC_AGENCY_DOMAIN_NAME + OTC_AGENCY_NAME for assume_role]          (IAM token)
 *   OTC_ENDPOINT_IAM|VPCEP|DMS|VPC|DNS (base URL overrides, every set), OTC_TIMEOUT_MS (default 30000),
 *   OTC_ENDPOINT_DISCOVERY = catalog (default) | template.
 *   OS_CLOUD, OS_CLIENT_CONFIG_FILE, OS_CLIENT_SECURE_FILE and the OS_* variables of openstack-source.ts.
 * Named sets (e.g. the cross-account client side): OTC_CREDENTIALS_<NAME>_<FIELD> with the same fields
 * (AK, SK, SECURITY_TOKEN, PROJECT_ID, DOMAIN_ID, USERNAME, PASSWORD, DOMAIN_NAME, PROJECT_NAME,
 * AGENCY_DOMAIN_NAME, AGENCY_NAME, REGION) plus CLOUD (a cloud entry name); keyed by the lower-cased name.
 *
 * ENDPOINTS: an explicit URL (`OTC_ENDPOINT_*`; `OS_AUTH_URL`/`auth.auth_url` for IAM; a cloud's
 * `<type>_endpoint_override`) always wins. The other services are discovered from the IAM catalog
 * (`OtcConfig.discover`) when the set authenticates with a password (the token carries the catalog) or has
 * an explicit IAM/auth URL (AK/SK: signed `GET /v3/auth/catalog`); otherwise, or with
 * OTC_ENDPOINT_DISCOVERY=template, or when the catalog lacks the service, the region template is used.
 *
 * Temporal: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (kafka-crossvpc).
 */
import type { OtcCredentials } from '../otc/auth.js';
import { OTC_SERVICES, resolveServiceUrls, type OtcServiceName, type ServiceUrlOverrides } from '../otc/endpoints.js';
import type { OtcConfig } from '../otc/otc-config.js';
import { loadCloudsFiles, selectCloud, type CloudsFiles, type CloudsLocation } from './clouds-yaml.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { Reader, RULES } from './config-reader.js';
import { OS_VARIABLES, openStackSource, type OpenStackSource } from './openstack-source.js';
import { envValue, type Env, type Lookup } from './value-source.js';

export type { OtcConfig } from '../otc/otc-config.js';
export { ConfigError, type ConfigIssue } from './config-error.js';
export type { Env } from './value-source.js';

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

/** Where clouds.yaml/secure.yaml are looked for (tests use temporary directories). */
export type LoadConfigOptions = CloudsLocation;

/** Where each value of one credential set came from (field → origin), for `crossvpc config show`. */
export interface SetOrigins {
  /** The cloud entry used, if any. */
  cloud?: string;
  /** `region`, `projectId`, `domainId`, `timeoutMs`, `credentials.<field>`, `endpoints.<service>`. */
  fields: Record<string, string>;
}

export interface ConfigOrigins {
  sets: Record<string, SetOrigins>;
  temporal: Record<keyof TemporalConfig, string>;
  files: { clouds?: string; secure?: string };
}

export interface ResolvedConfig {
  config: AppConfig;
  origins: ConfigOrigins;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_TEMPORAL: TemporalConfig = { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kafka-crossvpc' };

/** Origin labels of computed values. */
export const ORIGIN = {
  default: 'default',
  catalog: 'catalog (IAM), else region template',
  template: 'region template',
} as const;

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
  'CLOUD',
] as const;
const CREDENTIAL_FIELDS: readonly string[] = ['AK', 'SK', 'SECURITY_TOKEN', 'USERNAME', 'PASSWORD', 'DOMAIN_NAME', 'PROJECT_NAME', 'AGENCY_DOMAIN_NAME', 'AGENCY_NAME'];
const NAMED_SET_RE = new RegExp(`^OTC_CREDENTIALS_([A-Z0-9]+(?:_[A-Z0-9]+)*?)_(${SET_FIELDS.join('|')})$`);

const CREDENTIAL_KEYS: Readonly<Record<string, string>> = {
  AK: 'ak',
  SK: 'sk',
  SECURITY_TOKEN: 'securityToken',
  USERNAME: 'username',
  PASSWORD: 'password',
  DOMAIN_NAME: 'domainName',
  PROJECT_NAME: 'projectName',
  AGENCY_DOMAIN_NAME: 'agency.domainName',
  AGENCY_NAME: 'agency.agencyName',
};

/**
 * One credential set's lookup: `OTC_*` (or `OTC_CREDENTIALS_<NAME>_*`) variables over the OpenStack source.
 * `ENDPOINT_*` names come from the OpenStack source only (`OTC_ENDPOINT_*` are read once, for every set).
 */
function setLookup(env: Env, prefix: string, source: OpenStackSource | undefined): Lookup {
  const otcCredentials = CREDENTIAL_FIELDS.some((f) => envValue(env, `${prefix}${f}`));
  return (name) => {
    if (!name.startsWith(prefix)) return envValue(env, name);
    const field = name.slice(prefix.length);
    if (!field.startsWith('ENDPOINT_')) {
      const fromEnv = envValue(env, name);
      if (fromEnv) return fromEnv;
    }
    if (!source || (otcCredentials && CREDENTIAL_FIELDS.includes(field))) return undefined;
    return source.get(field);
  };
}

interface SetRead {
  credentials?: OtcCredentials;
  projectId?: string;
  domainId?: string;
}

/** Reads one credential set whose variables start with `prefix` (`OTC_` or `OTC_CREDENTIALS_<NAME>_`). */
function readCredentials(r: Reader, prefix: string): SetRead {
  const v = (field: string): string => `${prefix}${field}`;
  const projectId = r.get(v('PROJECT_ID'), RULES.projectId);
  const domainId = r.get(v('DOMAIN_ID'), RULES.domainId);
  const hasAkSk = r.has(v('AK')) || r.has(v('SK'));
  const hasPassword = r.has(v('USERNAME')) || r.has(v('PASSWORD')) || r.has(v('DOMAIN_NAME'));
  const out: SetRead = {};
  if (projectId) out.projectId = projectId;
  if (domainId) out.domainId = domainId;

  if (hasAkSk && hasPassword) {
    r.problem(`${v('AK')}/${v('USERNAME')}`, `expected either ${v('AK')}+${v('SK')} or ${v('USERNAME')}+${v('PASSWORD')}+${v('DOMAIN_NAME')}, not both`);
    return out;
  }
  if (!hasAkSk && !hasPassword) {
    const cloudHint = r.alt(v('USERNAME')) ? `; or in a cloud entry: ${[r.alt(v('USERNAME')), r.alt(v('AK'))].join(' /')}` : '';
    r.problem(`${v('AK')}/${v('SK')}`, `credentials are required: set ${v('AK')}+${v('SK')} (AK/SK) or ${v('USERNAME')}+${v('PASSWORD')}+${v('DOMAIN_NAME')} (IAM password)${cloudHint}`);
    return out;
  }
  if (hasAkSk) {
    const ak = r.require(v('AK'), RULES.ak);
    const sk = r.require(v('SK'), RULES.nonEmptySecret);
    const securityToken = r.get(v('SECURITY_TOKEN'), RULES.nonEmptySecret);
    if (!r.has(v('PROJECT_ID'))) r.problem(v('PROJECT_ID'), `is required with AK/SK: expected ${RULES.projectId.expects}${r.alt(v('PROJECT_ID'))}`);
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

interface SetSpec {
  name: string;
  prefix: string;
  source?: OpenStackSource;
}

interface BuiltSet {
  spec: SetSpec;
  reader: Reader;
  region?: string;
  creds: SetRead;
  /** Explicit per-set URLs (OpenStack source), validated. */
  explicit: ServiceUrlOverrides;
}

/** The OpenStack sources of the default set (`OS_CLOUD`, `OS_*`) and of named sets (`OTC_CREDENTIALS_<NAME>_CLOUD`). */
function openStackSources(env: Env, named: readonly string[], location: CloudsLocation): { defaultSource?: OpenStackSource; namedSources: Map<string, OpenStackSource>; files?: CloudsFiles } {
  const cloudVars = [...(envValue(env, 'OS_CLOUD') ? ['OS_CLOUD'] : []), ...named.map((n) => `OTC_CREDENTIALS_${n}_CLOUD`).filter((v) => envValue(env, v))];
  const files = cloudVars.length > 0 ? loadCloudsFiles(env, location) : undefined;
  const fileIssues: ConfigIssue[] = [];
  const entry = (variable: string) => {
    const name = envValue(env, variable)?.value.trim();
    if (!files || !name) return undefined;
    try {
      return selectCloud(files, name, variable);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      fileIssues.push(...err.issues);
      return undefined;
    }
  };
  const defaultCloud = entry('OS_CLOUD');
  const namedSources = new Map<string, OpenStackSource>();
  for (const n of named) {
    const cloud = entry(`OTC_CREDENTIALS_${n}_CLOUD`);
    if (cloud) namedSources.set(n, openStackSource({ cloud }));
  }
  // File problems (missing file, bad YAML, unknown cloud) make every other message noise: report them alone.
  if (fileIssues.length > 0) throw new ConfigError(fileIssues);
  const osActive = defaultCloud !== undefined || OS_VARIABLES.some((v) => envValue(env, v));
  return {
    ...(osActive ? { defaultSource: openStackSource({ env, ...(defaultCloud ? { cloud: defaultCloud } : {}) }) } : {}),
    namedSources,
    ...(files ? { files } : {}),
  };
}

/** Parses the whole configuration with the origin of every value; throws one {@link ConfigError} listing every problem. */
export function resolveConfig(env: Env = process.env, options: LoadConfigOptions = {}): ResolvedConfig {
  const issues: ConfigIssue[] = [];
  const envReader = new Reader((name) => envValue(env, name), issues);
  const names = namedSetNames(env, envReader);
  const { defaultSource, namedSources, files } = openStackSources(env, names, options);

  const globalOverrides: ServiceUrlOverrides = {};
  for (const service of OTC_SERVICES) {
    const url = envReader.get(`OTC_ENDPOINT_${service.toUpperCase()}`, RULES.url);
    if (url) globalOverrides[service] = url;
  }
  const timeoutMs = envReader.get('OTC_TIMEOUT_MS', RULES.timeout) ?? DEFAULT_TIMEOUT_MS;
  const discovery = envReader.get('OTC_ENDPOINT_DISCOVERY', RULES.discovery) ?? 'catalog';

  const readSet = (spec: SetSpec, inheritedRegion: string | undefined): BuiltSet => {
    const source = spec.source;
    const reader = new Reader(setLookup(env, spec.prefix, source), issues, (name) =>
      source && name.startsWith(spec.prefix) ? source.places(name.slice(spec.prefix.length)) : '',
    );
    if (spec.prefix !== 'OTC_') reader.get(`${spec.prefix}CLOUD`, RULES.cloudName);
    const region = spec.prefix === 'OTC_' ? reader.require('OTC_REGION', RULES.region) : (reader.get(`${spec.prefix}REGION`, RULES.region) ?? inheritedRegion);
    const explicit: ServiceUrlOverrides = {};
    for (const service of OTC_SERVICES) {
      const url = reader.get(`${spec.prefix}ENDPOINT_${service.toUpperCase()}`, RULES.url);
      if (url) explicit[service] = url;
    }
    const creds = readCredentials(reader, spec.prefix);
    // A password from an OpenStack source needs its auth URL (the OTC_* password flow keeps the IAM template).
    const fromSource = source?.kind === 'password' && !CREDENTIAL_FIELDS.some((f) => envValue(env, `${spec.prefix}${f}`));
    if (fromSource && !globalOverrides.iam && !explicit.iam) {
      const key = source.cloud ? source.cloud.keyOf(['auth', 'auth_url']) : 'OS_AUTH_URL';
      reader.problem(key, `is required for password authentication: expected the IAM auth URL, e.g. https://iam.eu-de.otc.t-systems.com/v3 (or set ${source.cloud ? 'OS_AUTH_URL or ' : ''}OTC_ENDPOINT_IAM)`);
    }
    if (source) issues.push(...source.issues());
    return { spec, reader, ...(region ? { region } : {}), creds, explicit };
  };

  const defaults = readSet({ name: 'default', prefix: 'OTC_', ...(defaultSource ? { source: defaultSource } : {}) }, undefined);
  const named = names.map((n) => {
    const source = namedSources.get(n);
    return readSet({ name: n.toLowerCase(), prefix: `OTC_CREDENTIALS_${n}_`, ...(source ? { source } : {}) }, defaults.region);
  });

  const temporalOrigin = (name: string) => envValue(env, name)?.origin ?? ORIGIN.default;
  const temporal: TemporalConfig = {
    address: envReader.get('TEMPORAL_ADDRESS', RULES.hostPort) ?? DEFAULT_TEMPORAL.address,
    namespace: envReader.get('TEMPORAL_NAMESPACE', RULES.namespace) ?? DEFAULT_TEMPORAL.namespace,
    taskQueue: envReader.get('TEMPORAL_TASK_QUEUE', RULES.taskQueue) ?? DEFAULT_TEMPORAL.taskQueue,
  };

  if (issues.length > 0 || !defaults.region || !defaults.creds.credentials) throw new ConfigError(issues);

  const defaultRegionOrigin = defaults.reader.used.get('OTC_REGION') ?? ORIGIN.default;
  const build = (set: BuiltSet, region: string, credentials: OtcCredentials): { config: OtcConfig; origins: SetOrigins } => {
    const { prefix } = set.spec;
    const used = (name: string): string | undefined => set.reader.used.get(name);
    const overrides: ServiceUrlOverrides = { ...set.explicit, ...globalOverrides };
    const explicitIam = overrides.iam !== undefined;
    const discover: OtcServiceName[] =
      discovery === 'catalog' && (credentials.kind === 'password' || explicitIam) ? OTC_SERVICES.filter((s) => overrides[s] === undefined) : [];
    const fields: Record<string, string> = {
      region: used(`${prefix}REGION`) ?? `${defaultRegionOrigin} (the default set's region)`,
      timeoutMs: envValue(env, 'OTC_TIMEOUT_MS')?.origin ?? ORIGIN.default,
    };
    if (set.creds.projectId) fields.projectId = used(`${prefix}PROJECT_ID`) ?? ORIGIN.default;
    if (set.creds.domainId) fields.domainId = used(`${prefix}DOMAIN_ID`) ?? ORIGIN.default;
    for (const [field, key] of Object.entries(CREDENTIAL_KEYS)) {
      const origin = used(`${prefix}${field}`);
      if (origin) fields[`credentials.${key}`] = origin;
    }
    for (const s of OTC_SERVICES) {
      fields[`endpoints.${s}`] =
        envValue(env, `OTC_ENDPOINT_${s.toUpperCase()}`)?.origin ?? used(`${prefix}ENDPOINT_${s.toUpperCase()}`) ?? (discover.includes(s) ? ORIGIN.catalog : ORIGIN.template);
    }
    const cloud = set.spec.source?.cloud?.name;
    return {
      config: {
        name: set.spec.name,
        region,
        ...(set.creds.projectId ? { projectId: set.creds.projectId } : {}),
        ...(set.creds.domainId ? { domainId: set.creds.domainId } : {}),
        credentials,
        endpoints: resolveServiceUrls(region, overrides),
        ...(discover.length > 0 ? { discover } : {}),
        timeoutMs,
      },
      origins: { ...(cloud ? { cloud } : {}), fields },
    };
  };

  const main = build(defaults, defaults.region, defaults.creds.credentials);
  const credentialSets: Record<string, OtcConfig> = {};
  const setOrigins: Record<string, SetOrigins> = { default: main.origins };
  for (const set of named) {
    // readCredentials recorded an issue whenever credentials are missing, so both are defined here.
    if (!set.creds.credentials || !set.region) continue;
    const built = build(set, set.region, set.creds.credentials);
    credentialSets[set.spec.name] = built.config;
    setOrigins[set.spec.name] = built.origins;
  }
  return {
    config: { otc: main.config, credentialSets, temporal },
    origins: {
      sets: setOrigins,
      temporal: { address: temporalOrigin('TEMPORAL_ADDRESS'), namespace: temporalOrigin('TEMPORAL_NAMESPACE'), taskQueue: temporalOrigin('TEMPORAL_TASK_QUEUE') },
      files: { ...(files?.clouds ? { clouds: files.clouds.path } : {}), ...(files?.secure ? { secure: files.secure.path } : {}) },
    },
  };
}

/** Parses the whole configuration; throws one {@link ConfigError} listing every problem. */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): AppConfig {
  return resolveConfig(env, options).config;
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
      expected: `credential set '${name}' is not configured: set OTC_CREDENTIALS_${upper}_AK/_SK/_PROJECT_ID (or _USERNAME/_PASSWORD/_DOMAIN_NAME), or OTC_CREDENTIALS_${upper}_CLOUD=<cloud name in clouds.yaml>`,
    },
  ]);
}
