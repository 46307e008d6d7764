/**
 * How every test layer reaches a running sandbox: the one builder of product client configurations from its
 * ready line (per account, AK/SK or password) and the one client of its admin API (state, call log, faults,
 * reset). Layer support modules (test/sandbox/support, test/workflow/support.ts, …) build on these.
 */
import type { OtcConfig } from '../../src/otc/otc-config.js';
import type { ReadyAccount, ReadyLine } from '../../src/sandbox/start-sandbox.js';

/** A sandbox account by its scenario name (`A` owns the instances, `B` is the other account). */
export function sandboxAccount(ready: Pick<ReadyLine, 'accounts'>, accountName: string): ReadyAccount {
  const a = ready.accounts.find((x) => x.name === accountName);
  if (!a) throw new Error(`the sandbox has no account ${accountName}`);
  return a;
}

export interface SandboxConfigOptions {
  /** The credential set's name as the product sees it (default: the account name in lower case). */
  name?: string;
  kind?: 'aksk' | 'password';
  timeoutMs?: number;
}

/** The product's configuration for one sandbox account: its project, its credentials, the sandbox's endpoints. */
export function sandboxOtcConfig(ready: Pick<ReadyLine, 'accounts' | 'region' | 'endpoints'>, accountName: string, options: SandboxConfigOptions = {}): OtcConfig {
  const a = sandboxAccount(ready, accountName);
  return {
    name: options.name ?? accountName.toLowerCase(),
    region: ready.region,
    projectId: a.projectId,
    domainId: a.domainId,
    credentials:
      (options.kind ?? 'aksk') === 'aksk'
        ? { kind: 'aksk', ak: a.ak, sk: a.sk }
        : { kind: 'password', username: a.username, password: a.password, domainName: a.domainName, projectName: a.projectName },
    endpoints: { ...ready.endpoints },
    timeoutMs: options.timeoutMs ?? 5_000,
  };
}

type Tags = { key: string; value: string }[];

/** The slice of `GET /admin/state` the tests read (the sandbox's own view of the cloud). */
export interface StateDump {
  accounts: {
    name: string;
    projects: {
      securityGroups: { id: string; rules: { id: string; description?: string | null; remote_ip_prefix?: string | null; port_range_min?: number | null }[] }[];
      networkAcls: { ingressRules?: { id: string; description?: string | null }[]; ingress_rules?: { id: string; description?: string | null }[] }[];
      kafkaInstances: { instance_id: string; cross_vpc_info: Record<string, { advertised_ip: string; port_id: string }> }[];
      endpointServices: { id: string; status: string; tags?: Tags }[];
      endpoints: { id: string; status: string; ip?: string; tags?: Tags }[];
    }[];
  }[];
}

export type CallCounts = Record<string, Record<string, number>>;

export interface SandboxAdmin {
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  state(): Promise<StateDump>;
  /** Calls per operation and status (`vpcep.createEndpoint` → `{ '200': 3 }`). */
  callCounts(): Promise<CallCounts>;
  addFault(fault: unknown): Promise<void>;
  reset(): Promise<void>;
}

/** A client of the sandbox's admin API at `adminUrl` (read at each call: a restarted sandbox may move). */
export function sandboxAdmin(adminUrl: () => string): SandboxAdmin {
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${adminUrl()}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    call,
    async state() {
      const s = await call<StateDump & { state?: StateDump }>('GET', '/admin/state');
      return s.state ?? s;
    },
    async callCounts() {
      return (await call<{ counts: CallCounts }>('GET', '/admin/calls?limit=1')).counts;
    },
    async addFault(fault) {
      await call('POST', '/admin/faults', fault);
    },
    async reset() {
      await call('POST', '/admin/reset');
    },
  };
}

/** How many calls of `operation` the counts hold, whatever their status. */
export function count(counts: CallCounts, operation: string): number {
  return Object.values(counts[operation] ?? {}).reduce((a, b) => a + b, 0);
}
