/**
 * Drift assessment of an access from one cloud snapshot (pure): what the re-verification reports and what a
 * heal would repair. Every broker is checked by **port id**: its advertised IP must be the IP of the endpoint
 * of its own port, never merely "one of our IPs".
 */
import type { AccessSnapshot, DiscoveredEndpoint } from '../activities/discovery.js';
import type { Drift, ExpectedPort, Health } from './ops-input.js';

export interface PortCheck {
  portId: string;
  listenerIp: string;
  port: number;
  advertisedIp: string;
  /** The endpoint of this port as found (live, tagged), if any. */
  endpoint?: DiscoveredEndpoint;
  /** The endpoint IP this broker must advertise (the live endpoint's IP, else the expected one). */
  wantIp?: string;
  ok: boolean;
}

export interface Assessment {
  drifts: Drift[];
  ports: PortCheck[];
  /** Hosts to bootstrap through (endpoint IPs in broker order) and the bootstrap string; null = no instance. */
  dataPath: { hosts: string[]; bootstrapServers: string } | null;
}

const LIVE = (status: string): boolean => status !== 'deleting';

/** The live tagged endpoint of a port: the expected id when given, else the best candidate. */
export function endpointOfPort(snapshot: AccessSnapshot, portId: string, expectedId?: string): DiscoveredEndpoint | undefined {
  const live = snapshot.endpoints.filter((e) => e.portId === portId && LIVE(e.status));
  if (expectedId !== undefined) return live.find((e) => e.endpointId === expectedId);
  return live.find((e) => e.status === 'accepted' && e.ip) ?? live.find((e) => e.ip) ?? live[0];
}

export function assess(snapshot: AccessSnapshot, expected?: { ports: readonly ExpectedPort[] }): Assessment {
  const drifts: Drift[] = [];
  const inst = snapshot.instance;
  if (!inst) {
    drifts.push({ kind: 'data-path', detail: `DMS instance ${snapshot.instanceId} was not found (404): nothing can reach it` });
    return { drifts, ports: [], dataPath: null };
  }
  const endpointIpOfPort = new Map<string, string>();
  for (const e of snapshot.endpoints) if (e.portId && e.ip && LIVE(e.status)) endpointIpOfPort.set(e.portId, e.ip);

  const ports: PortCheck[] = [];
  for (const entry of inst.entries) {
    const exp = expected?.ports.find((p) => p.portId === entry.portId);
    const base = { portId: entry.portId, listenerIp: entry.listenerIp };
    const before = drifts.length;
    if (expected && !exp) {
      drifts.push({ kind: 'endpoint-missing', ...base, detail: `broker ${entry.listenerIp} (port ${entry.portId}) has no endpoint in the expected access` });
    }
    const ep = endpointOfPort(snapshot, entry.portId, exp?.endpointId);
    if (!ep) {
      if (!expected || exp) {
        const other = exp ? endpointOfPort(snapshot, entry.portId) : undefined;
        drifts.push({
          kind: 'endpoint-missing',
          ...base,
          ...(exp ? { expected: exp.endpointId } : {}),
          detail: exp
            ? `endpoint ${exp.endpointId} of port ${entry.portId} is gone${other ? ` (another tagged endpoint ${other.endpointId} exists)` : ''}`
            : `no endpoint tagged crossvpc-port=${entry.portId} for broker ${entry.listenerIp}`,
        });
      }
    } else {
      if (ep.status !== 'accepted') {
        drifts.push({ kind: 'endpoint-state', ...base, expected: 'accepted', actual: ep.status, detail: `endpoint ${ep.endpointId} of port ${entry.portId} is ${ep.status}, not accepted` });
      }
      if (exp && ep.ip !== exp.endpointIp) {
        drifts.push({
          kind: 'endpoint-ip',
          ...base,
          expected: exp.endpointIp,
          actual: ep.ip ?? '(none)',
          detail: `endpoint ${ep.endpointId} of port ${entry.portId} has IP ${ep.ip ?? '(none)'} instead of the recorded ${exp.endpointIp}`,
        });
      }
    }
    const wantIp = ep?.ip ?? exp?.endpointIp;
    const liveIps = new Set(endpointIpOfPort.values());
    if (entry.advertisedIp !== entry.listenerIp && !liveIps.has(entry.advertisedIp) && (ep !== undefined || exp !== undefined || accessExists(snapshot))) {
      // Neither its listener IP nor the IP of a live endpoint of this access: nobody can reach the broker there.
      drifts.push({
        kind: 'advertised-ip-dangling',
        ...base,
        expected: wantIp ?? entry.listenerIp,
        actual: entry.advertisedIp,
        detail: `broker ${entry.listenerIp} (port ${entry.portId}) advertises ${entry.advertisedIp}, which is neither its listener IP nor a live endpoint of this access: clients are sent to a dead address`,
      });
    } else if (wantIp !== undefined && entry.advertisedIp !== wantIp) {
      drifts.push({ kind: 'advertised-ip', ...base, expected: wantIp, actual: entry.advertisedIp, detail: advertisedDetail(entry, wantIp, endpointIpOfPort) });
    }
    ports.push({
      ...base,
      port: entry.port,
      advertisedIp: entry.advertisedIp,
      ...(ep ? { endpoint: ep } : {}),
      ...(wantIp !== undefined ? { wantIp } : {}),
      ok: drifts.length === before,
    });
  }

  if (inst.securityGroupId && !snapshot.instanceSgRule) {
    drifts.push({
      kind: 'sg-rule-missing',
      expected: 'ingress TCP 9011 from 198.19.128.0/17',
      detail: `security group ${inst.securityGroupId} has no ingress rule TCP 9011 from 198.19.128.0/17 (VPC endpoint traffic is dropped)`,
    });
  }
  const acl = snapshot.instanceAcl;
  if (acl && acl.enabled && !acl.allowsVpcep) {
    drifts.push({
      kind: 'acl-rule-missing',
      expected: 'allow TCP 9011 from 198.19.128.0/17',
      detail: `network ACL ${acl.firewallId} of subnet ${inst.subnetId} has no rule allowing TCP 9011 from 198.19.128.0/17`,
    });
  }

  const hosts = ports.map((p) => p.wantIp ?? p.advertisedIp);
  return { drifts, ports, dataPath: { hosts, bootstrapServers: ports.map((p, i) => `${hosts[i] ?? p.advertisedIp}:${p.port}`).join(',') } };
}

/** Anything of this access is in the cloud (tagged services or endpoints). */
function accessExists(s: AccessSnapshot): boolean {
  return s.services.length > 0 || s.endpoints.length > 0;
}

function advertisedDetail(entry: { listenerIp: string; advertisedIp: string; portId: string }, wantIp: string, ipOfPort: Map<string, string>): string {
  const head = `broker ${entry.listenerIp} (port ${entry.portId}) advertises ${entry.advertisedIp} instead of ${wantIp}`;
  if (entry.advertisedIp === entry.listenerIp) return `${head}: its own listener IP (the access is not in force for it)`;
  const other = [...ipOfPort.entries()].find(([, ip]) => ip === entry.advertisedIp)?.[0];
  if (other) return `${head}: the endpoint IP of another port (${other})`;
  return `${head}: an IP this access did not set (changed behind its back)`;
}

export function healthOf(drifts: readonly Drift[]): Health {
  if (drifts.some((d) => d.kind === 'data-path')) return 'broken';
  return drifts.length > 0 ? 'drifted' : 'healthy';
}

/** What a heal must do, from the findings. */
export interface HealPlan {
  /** Ports whose endpoint must be (re)created through the port child; `purge` = delete the bad one first. */
  ports: { portId: string; listenerIp: string; purge: boolean }[];
  securityGroupRule: boolean;
  networkAcl: boolean;
  /** Re-apply the advertised-IP mapping (by port id). */
  advertised: boolean;
  /** Listener IPs advertising a dead address: back to their listener IP when no endpoint can serve them. */
  dangling: string[];
}

export function healPlan(a: Assessment): HealPlan {
  const ports = new Map<string, { portId: string; listenerIp: string; purge: boolean }>();
  for (const d of a.drifts) {
    if (!d.portId || !d.listenerIp) continue;
    if (d.kind === 'endpoint-missing') ports.set(d.portId, { portId: d.portId, listenerIp: d.listenerIp, purge: false });
    if (d.kind === 'endpoint-state') {
      const bad = d.actual === 'rejected' || d.actual === 'failed';
      ports.set(d.portId, { portId: d.portId, listenerIp: d.listenerIp, purge: bad });
    }
  }
  return {
    ports: [...ports.values()],
    securityGroupRule: a.drifts.some((d) => d.kind === 'sg-rule-missing'),
    networkAcl: a.drifts.some((d) => d.kind === 'acl-rule-missing'),
    advertised: ports.size > 0 || a.drifts.some((d) => d.kind === 'advertised-ip' || d.kind === 'endpoint-ip' || d.kind === 'advertised-ip-dangling'),
    dangling: a.drifts.filter((d) => d.kind === 'advertised-ip-dangling' && d.listenerIp).map((d) => d.listenerIp ?? ''),
  };
}

export function needsHeal(p: HealPlan): boolean {
  return p.ports.length > 0 || p.securityGroupRule || p.networkAcl || p.advertised;
}

/** Markdown for the UI's Current Details: one row per broker port and one per rule check. */
export function renderHealth(instanceId: string, health: Health, a: Assessment, checkedAt: string, extra: readonly string[] = []): string {
  const lines = [`**${instanceId}**: **${health.toUpperCase()}** (checked ${checkedAt})`, '', '| port | listener | advertised | endpoint | endpoint IP | status |', '|---|---|---|---|---|---|'];
  for (const p of a.ports) {
    const portDrifts = a.drifts.filter((d) => d.portId === p.portId).map((d) => d.kind);
    lines.push(
      `| \`${p.portId}\` | ${p.listenerIp} | ${p.advertisedIp} | ${p.endpoint ? `${p.endpoint.endpointId} (${p.endpoint.status})` : '—'} | ${p.wantIp ?? '—'} | ${portDrifts.length ? portDrifts.join(', ') : 'ok'} |`,
    );
  }
  const global = a.drifts.filter((d) => !d.portId);
  if (global.length) lines.push('', ...global.map((d) => `- **${d.kind}**: ${d.detail}`));
  if (extra.length) lines.push('', ...extra.map((x) => `- ${x}`));
  return lines.join('\n');
}
