/**
 * The unit layer's fake of the OTC clients the activities use (activities/clients.ts `OtcClientSet`): an
 * in-memory cloud of one account, with a call log and per-operation failures, so an activity can be run in
 * Temporal's MockActivityEnvironment without a server or a sandbox.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import type { OtcClientSet } from '../../../activities/clients.js';
import { OtcApiError, OtcTransportError } from '../../../src/otc/errors.js';
import type { CallOptions } from '../../../src/otc/transport.js';

type Tag = { key: string; value?: string | null };
export interface FakeService { id: string; service_name: string; status: string; port_id?: string; tags: Tag[]; created_at?: string; approval_enabled?: boolean }
export interface FakeEndpoint { id: string; status: string; endpoint_service_id: string; endpoint_service_name: string; vpc_id: string; subnet_id: string; ip?: string; tags: Tag[]; created_at?: string }
export interface FakeRule { id: string; security_group_id: string; direction: 'ingress'; ethertype: string; protocol: string; port_range_min: number; port_range_max: number; remote_ip_prefix: string; description: string }
export interface FakeInstance { instance_id: string; status: string; security_group_id: string; vpc_id: string; subnet_id: string; entries: { listenerIp: string; advertisedIp: string; port: number; portId: string }[] }

export interface Call {
  op: string;
  args: unknown[];
  timeoutMs?: number;
}

/** `throws[op]` is called before an operation runs; what it throws is what the client throws. */
export type Thrower = () => Error | undefined;

export class FakeCloud {
  services: FakeService[] = [];
  endpoints: FakeEndpoint[] = [];
  rules: FakeRule[] = [];
  instances: FakeInstance[] = [];
  permissions = new Map<string, string[]>();
  calls: Call[] = [];
  throws: Record<string, Thrower> = {};
  n = 0;

  id(prefix: string): string {
    this.n += 1;
    return `${prefix}-${String(this.n).padStart(4, '0')}`;
  }

  count(op: string): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  clients(): OtcClientSet {
    return fakeClients(this);
  }

  /** @internal the instance view the DMS client returns. */
  render(i: FakeInstance) {
    return {
      instance_id: i.instance_id,
      status: i.status,
      security_group_id: i.security_group_id,
      vpc_id: i.vpc_id,
      subnet_id: i.subnet_id,
      broker_num: i.entries.length,
      crossVpcEntries: i.entries.map((e) => ({ ...e })),
    };
  }

  /** @internal records a call and throws what `throws[op]` gives. */
  call(op: string, options: CallOptions | undefined, ...args: unknown[]): void {
    this.calls.push({ op, args, ...(options?.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
    const e = this.throws[op]?.();
    if (e) throw e;
  }
}

function fakeClients(self: FakeCloud): OtcClientSet {
  {
    const vpcep = {
      async listAllEndpointServices(q: { endpoint_service_name?: string } = {}, o?: CallOptions) {
        self.call('vpcep.listEndpointServices', o, q);
        return self.services.filter((s) => !q.endpoint_service_name || s.service_name.toLowerCase().includes(q.endpoint_service_name.toLowerCase()));
      },
      async createEndpointService(body: { service_name: string; port_id: string; tags: Tag[]; approval_enabled: boolean }, o?: CallOptions) {
        self.call('vpcep.createEndpointService', o, body);
        const s: FakeService = { id: self.id('svc'), service_name: `eu-de.${body.service_name}.${self.id('x')}`, status: 'creating', port_id: body.port_id, tags: body.tags, approval_enabled: body.approval_enabled };
        self.services.push(s);
        return s;
      },
      async getEndpointService(id: string, o?: CallOptions) {
        self.call('vpcep.getEndpointService', o, id);
        const s = self.services.find((x) => x.id === id);
        if (!s) throw new OtcApiError({ service: 'vpcep', status: 404, code: 'EndPoint.2003', message: 'not found' });
        return s;
      },
      async deleteEndpointService(id: string, o?: CallOptions) {
        self.call('vpcep.deleteEndpointService', o, id);
        const s = self.services.find((x) => x.id === id);
        if (!s) throw new OtcApiError({ service: 'vpcep', status: 404, code: 'EndPoint.2003', message: 'not found' });
        s.status = 'deleting';
      },
      async listPermissions(serviceId: string, q: unknown, o?: CallOptions) {
        self.call('vpcep.listPermissions', o, serviceId, q);
        return { permissions: (self.permissions.get(serviceId) ?? []).map((permission) => ({ permission })) };
      },
      async addPermissions(serviceId: string, perms: readonly string[], o?: CallOptions) {
        self.call('vpcep.addPermissions', o, serviceId, perms);
        self.permissions.set(serviceId, [...(self.permissions.get(serviceId) ?? []), ...perms]);
        return { permissions: perms.map((permission) => ({ permission })) };
      },
      async removePermissions(serviceId: string, perms: readonly string[], o?: CallOptions) {
        self.call('vpcep.removePermissions', o, serviceId, perms);
        self.permissions.set(serviceId, (self.permissions.get(serviceId) ?? []).filter((p) => !perms.includes(p)));
        return { permissions: [] };
      },
      async listAllEndpoints(q: { endpoint_service_name?: string; vpc_id?: string } = {}, o?: CallOptions) {
        self.call('vpcep.listEndpoints', o, q);
        return self.endpoints.filter((e) => (!q.endpoint_service_name || e.endpoint_service_name.toLowerCase().includes(q.endpoint_service_name.toLowerCase())) && (!q.vpc_id || e.vpc_id === q.vpc_id));
      },
      async createEndpoint(body: { endpoint_service_id: string; vpc_id: string; subnet_id: string; tags: Tag[] }, o?: CallOptions) {
        self.call('vpcep.createEndpoint', o, body);
        const svc = self.services.find((s) => s.id === body.endpoint_service_id);
        const e: FakeEndpoint = { id: self.id('ep'), status: 'creating', endpoint_service_id: body.endpoint_service_id, endpoint_service_name: svc?.service_name ?? '', vpc_id: body.vpc_id, subnet_id: body.subnet_id, tags: body.tags, created_at: `2026-12-01T00:00:${String(self.n).padStart(2, '0')}Z` };
        self.endpoints.push(e);
        return e;
      },
      async getEndpoint(id: string, o?: CallOptions) {
        self.call('vpcep.getEndpoint', o, id);
        const e = self.endpoints.find((x) => x.id === id);
        if (!e) throw new OtcApiError({ service: 'vpcep', status: 404, code: 'EndPoint.2005', message: 'not found' });
        return e;
      },
      async deleteEndpoint(id: string, o?: CallOptions) {
        self.call('vpcep.deleteEndpoint', o, id);
        const e = self.endpoints.find((x) => x.id === id);
        if (!e) throw new OtcApiError({ service: 'vpcep', status: 404, code: 'EndPoint.2005', message: 'not found' });
        e.status = 'deleting';
      },
      async connectionAction(serviceId: string, endpointId: string, action: string, o?: CallOptions) {
        self.call('vpcep.connectionAction', o, serviceId, endpointId, action);
        return { connections: [{ id: endpointId, status: 'accepted' }] };
      },
    };
    const dms = {
      async getInstance(id: string, o?: CallOptions) {
        self.call('dms.getInstance', o, id);
        const i = self.instances.find((x) => x.instance_id === id);
        if (!i) throw new OtcApiError({ service: 'dms', status: 404, code: 'DMS.00404022', message: 'The instance does not exist.' });
        return self.render(i);
      },
      async listAllInstances(q: unknown = {}, o?: CallOptions) {
        self.call('dms.listInstances', o, q);
        return self.instances.map((i) => self.render(i));
      },
      async modifyCrossVpc(id: string, contents: Readonly<Record<string, string>>, o?: CallOptions) {
        self.call('dms.modifyCrossVpc', o, id, contents);
        const i = self.instances.find((x) => x.instance_id === id);
        if (!i) throw new OtcApiError({ service: 'dms', status: 404, code: 'DMS.00404022', message: 'The instance does not exist.' });
        for (const e of i.entries) if (contents[e.listenerIp] !== undefined) e.advertisedIp = contents[e.listenerIp] ?? e.advertisedIp;
        return { success: true, results: i.entries.map((e) => ({ advertised_ip: e.advertisedIp, success: true, ip: e.listenerIp })) };
      },
    };
    const vpc = {
      async listAllSecurityGroupRules(q: { security_group_id?: string } = {}, o?: CallOptions) {
        self.call('vpc.listSecurityGroupRules', o, q);
        return self.rules.filter((r) => !q.security_group_id || r.security_group_id === q.security_group_id);
      },
      async createSecurityGroupRule(rule: Omit<FakeRule, 'id'>, o?: CallOptions) {
        self.call('vpc.createSecurityGroupRule', o, rule);
        const r = { ...rule, id: self.id('rule') } as FakeRule;
        self.rules.push(r);
        return r;
      },
      async deleteSecurityGroupRule(id: string, o?: CallOptions) {
        self.call('vpc.deleteSecurityGroupRule', o, id);
        self.rules = self.rules.filter((r) => r.id !== id);
      },
      async findFirewallForSubnet(subnetId: string, o?: CallOptions) {
        self.call('vpc.listFirewalls', o, subnetId);
        return undefined;
      },
      async listAllFirewalls(q: unknown = {}, o?: CallOptions) {
        self.call('vpc.listFirewalls', o, q);
        return [];
      },
      async getFirewall(id: string, o?: CallOptions) {
        self.call('vpc.getFirewall', o, id);
        throw new OtcApiError({ service: 'vpc', status: 404, code: 'VPC.0404', message: 'no firewall' });
      },
      async insertFirewallRules(id: string, body: unknown, o?: CallOptions) {
        self.call('vpc.insertFirewallRules', o, id, body);
        throw new OtcApiError({ service: 'vpc', status: 404, code: 'VPC.0404', message: 'no firewall' });
      },
      async removeFirewallRules(id: string, ids: readonly string[], o?: CallOptions) {
        self.call('vpc.removeFirewallRules', o, id, ids);
        throw new OtcApiError({ service: 'vpc', status: 404, code: 'VPC.0404', message: 'no firewall' });
      },
    };
    return { vpcep, dms, vpc } as unknown as OtcClientSet;
  }
}

export const timeout = (): OtcTransportError => new OtcTransportError({ service: 'vpcep', kind: 'timeout', message: 'POST timed out' });
export const refused = (): OtcTransportError => new OtcTransportError({ service: 'vpcep', kind: 'network', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
export const dmsThrottled = (): OtcApiError => new OtcApiError({ service: 'dms', status: 404, code: 'DMS.10240407', message: 'flow control' });
export const serverError = (service: 'vpcep' | 'vpc' | 'dms' = 'vpcep'): OtcApiError => new OtcApiError({ service, status: 500, code: 'X.0500', message: 'internal error' });

/** An activity environment (no server) with an attempt budget; heartbeats are collected. */
export function activityEnv(info: Partial<Info> = {}): { env: MockActivityEnvironment; heartbeats: unknown[] } {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 3_000, heartbeatTimeoutMs: 3_000, currentAttemptScheduledTimestampMs: Date.now(), ...info });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return { env, heartbeats };
}

/** Runs an activity in the environment, typed by the activity's own signature. */
export function runIn<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}
