/**
 * The resolved configuration as `crossvpc config show` prints it: every value with where it came from, and
 * secrets masked (passwords, secret keys and security tokens fully; access key ids to their first 4 characters).
 */
import type { OtcCredentials } from '../otc/auth.js';
import { OTC_SERVICES, type OtcServiceName } from '../otc/endpoints.js';
import type { OtcConfig } from '../otc/otc-config.js';
import type { ResolvedConfig, SetOrigins } from './env-config.js';

export interface Shown {
  value: string | number;
  from: string;
}

export interface SetReport {
  cloud?: string;
  region: Shown;
  projectId?: Shown;
  domainId?: Shown;
  auth: { kind: 'aksk' | 'password'; fields: Record<string, Shown> };
  endpoints: Record<OtcServiceName, Shown>;
  /** Services whose URL is looked up in the IAM catalog. */
  discover: OtcServiceName[];
  timeoutMs: Shown;
}

export interface ConfigReport {
  files: { clouds?: string; secure?: string };
  credentialSets: Record<string, SetReport>;
  temporal: Record<'address' | 'namespace' | 'taskQueue', Shown>;
}

export const MASK = '********';

/** `QTWA****`: enough to tell keys apart, not enough to use one. */
export function maskAccessKey(ak: string): string {
  return `${ak.slice(0, 4)}${MASK}`;
}

function credentialFields(c: OtcCredentials): Record<string, string> {
  if (c.kind === 'aksk') return { ak: maskAccessKey(c.ak), sk: MASK, ...(c.securityToken ? { securityToken: MASK } : {}) };
  return {
    username: c.username,
    password: MASK,
    domainName: c.domainName,
    ...(c.projectName ? { projectName: c.projectName } : {}),
    ...(c.agency ? { 'agency.domainName': c.agency.domainName, 'agency.agencyName': c.agency.agencyName } : {}),
  };
}

function setReport(config: OtcConfig, origins: SetOrigins): SetReport {
  const from = (field: string): string => origins.fields[field] ?? 'default';
  const auth: SetReport['auth'] = { kind: config.credentials.kind, fields: {} };
  for (const [key, value] of Object.entries(credentialFields(config.credentials))) auth.fields[key] = { value, from: from(`credentials.${key}`) };
  const endpoints = {} as Record<OtcServiceName, Shown>;
  for (const s of OTC_SERVICES) endpoints[s] = { value: config.endpoints[s] ?? '', from: from(`endpoints.${s}`) };
  return {
    ...(origins.cloud ? { cloud: origins.cloud } : {}),
    region: { value: config.region, from: from('region') },
    ...(config.projectId ? { projectId: { value: config.projectId, from: from('projectId') } } : {}),
    ...(config.domainId ? { domainId: { value: config.domainId, from: from('domainId') } } : {}),
    auth,
    endpoints,
    discover: [...(config.discover ?? [])],
    timeoutMs: { value: config.timeoutMs, from: from('timeoutMs') },
  };
}

export function configReport(resolved: ResolvedConfig): ConfigReport {
  const { config, origins } = resolved;
  const credentialSets: Record<string, SetReport> = { default: setReport(config.otc, origins.sets.default ?? { fields: {} }) };
  for (const [name, set] of Object.entries(config.credentialSets)) credentialSets[name] = setReport(set, origins.sets[name] ?? { fields: {} });
  return {
    files: origins.files,
    credentialSets,
    temporal: {
      address: { value: config.temporal.address, from: origins.temporal.address },
      namespace: { value: config.temporal.namespace, from: origins.temporal.namespace },
      taskQueue: { value: config.temporal.taskQueue, from: origins.temporal.taskQueue },
    },
  };
}

function line(key: string, shown: Shown): string {
  return `  ${key.padEnd(22)} ${String(shown.value).padEnd(48)} ← ${shown.from}`;
}

/** Human-readable form: one line per value, `key value ← origin`. */
export function renderReport(report: ConfigReport): string {
  const out: string[] = [];
  if (report.files.clouds) out.push(`clouds.yaml: ${report.files.clouds}`);
  if (report.files.secure) out.push(`secure.yaml: ${report.files.secure}`);
  for (const [name, set] of Object.entries(report.credentialSets)) {
    out.push(`credential set ${name}${set.cloud ? ` (cloud ${set.cloud})` : ''}:`);
    out.push(line('region', set.region));
    if (set.projectId) out.push(line('projectId', set.projectId));
    if (set.domainId) out.push(line('domainId', set.domainId));
    out.push(`  ${'auth'.padEnd(22)} ${set.auth.kind}`);
    for (const [key, value] of Object.entries(set.auth.fields)) out.push(line(`auth.${key}`, value));
    for (const s of OTC_SERVICES) out.push(line(`endpoints.${s}`, set.endpoints[s]));
    out.push(line('timeoutMs', set.timeoutMs));
  }
  out.push('temporal:');
  for (const [key, shown] of Object.entries(report.temporal)) out.push(line(key, shown));
  return `${out.join('\n')}\n`;
}
