/**
 * Loads a scenario ('default', a JSON/YAML file path, or an object), substitutes `{prefix}`, validates it with
 * zod and checks cross references. Errors name the path of the offending value.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { cidrContainsCidr, cidrContainsIp, cidrsIntersect, isCidr, isIpv4 } from '../util/ip.js';
import { defaultScenario } from './default-scenario.js';
import { scenarioSchema, type Scenario } from './schema.js';

export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid scenario ${source}:\n  ${issues.join('\n  ')}`);
    this.name = 'ScenarioError';
  }
}

export type ScenarioSource = 'default' | string | Record<string, unknown>;

export const DEFAULT_ADDRESS_PREFIX = '127.10';
const LOOPBACK = '127.0.0.0/8';
const VPCEP_SEGMENT = '198.19.128.0/17';

export function validateAddressPrefix(prefix: string): string {
  const m = /^127\.(\d{1,3})$/.exec(prefix);
  if (!m || Number(m[1]) > 255) throw new Error(`addressPrefix must look like 127.A (0 <= A <= 255), got "${prefix}"`);
  return prefix;
}

function substitute(value: unknown, prefix: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{prefix}', prefix);
  if (Array.isArray(value)) return value.map((v) => substitute(v, prefix));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, prefix)]));
  }
  return value;
}

function readSource(source: ScenarioSource): { label: string; raw: unknown } {
  if (typeof source !== 'string') return { label: '(object)', raw: source };
  if (source === 'default') return { label: 'default', raw: defaultScenario };
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new ScenarioError(source, [`cannot read file: ${(err as Error).message}`]);
  }
  try {
    return { label: source, raw: source.endsWith('.json') ? JSON.parse(text) : parseYaml(text) };
  } catch (err) {
    throw new ScenarioError(source, [`cannot parse ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** Default listener IP of broker `b` of the `i`-th instance (scenario order): `{prefix}.(10+i).(11+b)`. */
export function defaultListenerIp(prefix: string, instanceIndex: number, broker: number): string {
  return `${prefix}.${10 + instanceIndex}.${11 + broker}`;
}

function crossCheck(s: Scenario, prefix: string): string[] {
  const issues: string[] = [];
  const seen = { accounts: new Set<string>(), ips: new Map<string, string>() };
  let instanceIndex = 0;
  s.accounts.forEach((acc, ai) => {
    const at = `accounts[${ai}]`;
    if (seen.accounts.has(acc.name)) issues.push(`${at}.name: duplicate account name "${acc.name}"`);
    seen.accounts.add(acc.name);
    const projects = acc.projects ?? [{ name: s.region }];
    const projectNames = new Set(projects.map((p) => p.name));
    projects.forEach((p, pi) => {
      if (p.name !== s.region && !p.name.startsWith(`${s.region}_`)) {
        issues.push(`${at}.projects[${pi}].name: must be "${s.region}" or "${s.region}_<name>", got "${p.name}"`);
      }
    });
    const checkProject = (where: string, project: string | undefined) => {
      if (project !== undefined && !projectNames.has(project)) issues.push(`${where}.project: unknown project "${project}"`);
    };
    const subnets = new Map<string, { vpc: string; cidr: string }>();
    acc.vpcs.forEach((vpc, vi) => {
      const vat = `${at}.vpcs[${vi}]`;
      checkProject(vat, vpc.project);
      if (!isCidr(vpc.cidr) || !cidrContainsCidr(LOOPBACK, vpc.cidr)) issues.push(`${vat}.cidr: must be a CIDR inside 127.0.0.0/8, got "${vpc.cidr}"`);
      if (cidrsIntersect(vpc.cidr, VPCEP_SEGMENT)) issues.push(`${vat}.cidr: must not overlap ${VPCEP_SEGMENT}`);
      vpc.subnets.forEach((sn, si) => {
        const sat = `${vat}.subnets[${si}]`;
        if (!isCidr(sn.cidr) || !cidrContainsCidr(vpc.cidr, sn.cidr)) issues.push(`${sat}.cidr: must be a CIDR inside the VPC's ${vpc.cidr}, got "${sn.cidr}"`);
        if (sn.gatewayIp !== undefined && !cidrContainsIp(sn.cidr, sn.gatewayIp)) issues.push(`${sat}.gatewayIp: not inside ${sn.cidr}`);
        if (subnets.has(sn.name)) issues.push(`${sat}.name: duplicate subnet name "${sn.name}" in account ${acc.name}`);
        subnets.set(sn.name, { vpc: vpc.name, cidr: sn.cidr });
      });
    });
    const vpcNames = new Set(acc.vpcs.map((v) => v.name));
    const sgNames = new Set(acc.securityGroups.map((g) => g.name));
    acc.securityGroups.forEach((sg, gi) => {
      checkProject(`${at}.securityGroups[${gi}]`, sg.project);
      sg.rules.forEach((r, ri) => {
        const rat = `${at}.securityGroups[${gi}].rules[${ri}]`;
        if (r.remoteIpPrefix !== null && !isCidr(r.remoteIpPrefix)) issues.push(`${rat}.remoteIpPrefix: not a CIDR`);
        if (r.remoteGroup !== null && r.remoteGroup !== 'self' && !sgNames.has(r.remoteGroup)) issues.push(`${rat}.remoteGroup: unknown security group "${r.remoteGroup}"`);
      });
    });
    acc.networkAcls.forEach((acl, ni) => {
      checkProject(`${at}.networkAcls[${ni}]`, acl.project);
      acl.subnets.forEach((sn, si) => {
        if (!subnets.has(sn)) issues.push(`${at}.networkAcls[${ni}].subnets[${si}]: unknown subnet "${sn}"`);
      });
    });
    acc.kafkaInstances.forEach((inst, ii) => {
      const iat = `${at}.kafkaInstances[${ii}]`;
      checkProject(iat, inst.project);
      if (!vpcNames.has(inst.vpc)) issues.push(`${iat}.vpc: unknown VPC "${inst.vpc}"`);
      const sn = subnets.get(inst.subnet);
      if (!sn) issues.push(`${iat}.subnet: unknown subnet "${inst.subnet}"`);
      else if (sn.vpc !== inst.vpc) issues.push(`${iat}.subnet: subnet "${inst.subnet}" is not in VPC "${inst.vpc}"`);
      if (!sgNames.has(inst.securityGroup)) issues.push(`${iat}.securityGroup: unknown security group "${inst.securityGroup}"`);
      if (inst.listenerIps && inst.listenerIps.length !== inst.brokers) issues.push(`${iat}.listenerIps: needs exactly ${inst.brokers} entries (one per broker)`);
      if (inst.portIds && inst.portIds.length !== inst.brokers) issues.push(`${iat}.portIds: needs exactly ${inst.brokers} entries (one per broker)`);
      const ips = inst.listenerIps ?? Array.from({ length: inst.brokers }, (_, b) => defaultListenerIp(prefix, instanceIndex, b));
      ips.forEach((ip, bi) => {
        if (!isIpv4(ip)) issues.push(`${iat}.listenerIps[${bi}]: not an IPv4 address`);
        else if (sn && !cidrContainsIp(sn.cidr, ip)) issues.push(`${iat}.listenerIps[${bi}]: ${ip} is not inside subnet ${inst.subnet} (${sn.cidr})`);
        const other = seen.ips.get(ip);
        if (other) issues.push(`${iat}.listenerIps[${bi}]: ${ip} already used by ${other}`);
        seen.ips.set(ip, `${iat}`);
      });
      instanceIndex += 1;
    });
    acc.ports.forEach((p, pi) => {
      const pat = `${at}.ports[${pi}]`;
      const sn = subnets.get(p.subnet);
      if (!sn) issues.push(`${pat}.subnet: unknown subnet "${p.subnet}"`);
      else if (!cidrContainsIp(sn.cidr, p.ip)) issues.push(`${pat}.ip: not inside subnet ${p.subnet}`);
      if (sn && sn.vpc !== p.vpc) issues.push(`${pat}.subnet: subnet "${p.subnet}" is not in VPC "${p.vpc}"`);
    });
  });
  return issues;
}

export interface LoadOptions {
  addressPrefix?: string;
}

/** Loads and validates a scenario; throws {@link ScenarioError} with one line per problem. */
export function loadScenario(source: ScenarioSource = 'default', options: LoadOptions = {}): Scenario {
  const prefix = validateAddressPrefix(options.addressPrefix ?? DEFAULT_ADDRESS_PREFIX);
  const { label, raw } = readSource(source);
  const parsed = scenarioSchema.safeParse(substitute(raw, prefix));
  if (!parsed.success) throw new ScenarioError(label, zodIssues(parsed.error));
  const issues = crossCheck(parsed.data, prefix);
  if (issues.length > 0) throw new ScenarioError(label, issues);
  return parsed.data;
}
