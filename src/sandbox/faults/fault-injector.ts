/**
 * Deterministic fault injection. Faults come from the scenario or the admin API; each matches calls by
 * service, operation name (glob `*`), method, path pattern (`*` one segment, `**` any, `{x}` one segment) and
 * caller account, and fires N times (`times`), with a probability (seeded dice), after `skip` matches.
 */
import { faultSpecSchema, type FaultSpec, type FaultSpecInput } from '../scenario/schema.js';
import type { AsyncFate, ErrorEntry } from '../state/world.js';
import { seededRandom } from '../util/random.js';

export interface CallInfo {
  service: string;
  operation: string;
  method: string;
  path: string;
  account: string | undefined;
}

export type TerminalFault =
  | { kind: 'error'; status: number; code: string | undefined; message: string | undefined; body: unknown }
  | { kind: 'throttle'; style: 'vpcep' | 'apigw' | 'dms' };

export interface ConnectionFault {
  mode: 'reset' | 'refuse' | 'stall';
  ms: number;
}

/** What a DMS handler should do differently (crossvpc/modify outcome, instance status window). */
export interface DmsFaults {
  notApplied: boolean;
  /** 0-based broker indices whose change fails (`success:false`). */
  failBrokers: number[];
  statusWindow: { status: string; ms: number; when: 'before' | 'after' } | undefined;
}

export interface FaultDecision {
  latencyMs: number;
  terminal: TerminalFault | undefined;
  dropResponse: boolean;
  /** A connection-level failure: no answer at all (wins over every other fault). */
  connection: ConnectionFault | undefined;
  fate: AsyncFate;
  fateError: ErrorEntry | undefined;
  dms: DmsFaults;
  /** Ids of the faults that fired. */
  fired: string[];
}

export type QuotaResource = 'endpoint_service' | 'endpoint';

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  matched: number;
  fired: number;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
}

export function pathMatches(pattern: string, path: string): boolean {
  const pat = pattern.split('?')[0]?.replace(/\/+$/, '').split('/') ?? [];
  const segs = path.replace(/\/+$/, '').split('/');
  const match = (pi: number, si: number): boolean => {
    if (pi === pat.length) return si === segs.length;
    const p = pat[pi];
    if (p === '**') {
      for (let k = si; k <= segs.length; k++) if (match(pi + 1, k)) return true;
      return false;
    }
    if (si >= segs.length) return false;
    const s = segs[si] ?? '';
    if (p === '*' || (p !== undefined && /^\{[^}]+\}$/.test(p)) || p === s) return match(pi + 1, si + 1);
    return false;
  };
  return match(0, 0);
}

function matches(spec: FaultSpec, call: CallInfo): boolean {
  const m = spec.match;
  if (m.service && m.service !== call.service) return false;
  if (m.operation && !globToRegExp(m.operation).test(call.operation)) return false;
  if (m.method && m.method.toUpperCase() !== call.method.toUpperCase()) return false;
  if (m.path && !pathMatches(m.path, call.path)) return false;
  if (m.account && m.account !== call.account) return false;
  return true;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private random: () => number;
  private counter = 0;

  constructor(
    private seed: number,
    initial: readonly FaultSpecInput[] = [],
  ) {
    this.random = seededRandom(seed);
    for (const f of initial) this.add(f);
  }

  /** Validates and adds a fault; returns its id. Throws a ZodError on a bad spec. */
  add(input: FaultSpecInput | unknown): string {
    const spec = faultSpecSchema.parse(input);
    this.counter += 1;
    const id = spec.id ?? `fault-${this.counter}`;
    this.faults = this.faults.filter((f) => f.id !== id);
    this.faults.push({ id, spec, matched: 0, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /** Back to the given faults and a fresh seeded dice sequence. */
  resetTo(initial: readonly FaultSpecInput[], seed = this.seed): void {
    this.seed = seed;
    this.random = seededRandom(seed);
    this.counter = 0;
    this.faults = [];
    for (const f of initial) this.add(f);
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /**
   * The quota of `resource` for `account` while a `quota-exceeded` fault holds it (`used` = what is in use now),
   * or undefined. Pure look-up: {@link quotaRefused} records that it refused a create.
   */
  quotaOverride(resource: QuotaResource, account: string | undefined, used: number): { quota: number; faultId: string } | undefined {
    for (const f of this.faults) {
      const spec = f.spec;
      if (spec.kind !== 'quota-exceeded' || spec.resource !== resource) continue;
      if (spec.match.account && spec.match.account !== account) continue;
      if (spec.match.service && spec.match.service !== 'vpcep') continue;
      if (spec.times !== undefined && f.fired >= spec.times) continue;
      return { quota: spec.quota ?? used, faultId: f.id };
    }
    return undefined;
  }

  /** A create was refused because of the quota fault `id`. */
  quotaRefused(id: string): void {
    const f = this.faults.find((x) => x.id === id);
    if (!f) return;
    f.matched += 1;
    f.fired += 1;
  }

  decide(call: CallInfo): FaultDecision {
    const decision: FaultDecision = {
      latencyMs: 0,
      terminal: undefined,
      dropResponse: false,
      connection: undefined,
      fate: 'normal',
      fateError: undefined,
      dms: { notApplied: false, failBrokers: [], statusWindow: undefined },
      fired: [],
    };
    for (const f of this.faults) {
      if (f.spec.kind === 'quota-exceeded') continue; // a state, not a per-call fault: see quotaOverride
      if (!matches(f.spec, call)) continue;
      if (f.spec.times !== undefined && f.fired >= f.spec.times) continue;
      f.matched += 1;
      if (f.matched <= f.spec.skip) continue;
      if (f.spec.probability !== undefined && this.random() >= f.spec.probability) continue;
      const spec = f.spec;
      switch (spec.kind) {
        case 'latency':
          decision.latencyMs += spec.ms;
          break;
        case 'drop-response':
          if (decision.terminal) continue;
          decision.dropResponse = true;
          break;
        case 'async-fail':
          decision.fate = 'fail';
          decision.fateError = { error_code: spec.errorCode, error_message: spec.errorMessage };
          break;
        case 'async-stuck':
          decision.fate = 'stuck';
          break;
        case 'error':
          if (decision.terminal) continue;
          decision.terminal = { kind: 'error', status: spec.status, code: spec.code, message: spec.message, body: spec.body };
          break;
        case 'throttle':
          if (decision.terminal) continue;
          decision.terminal = { kind: 'throttle', style: spec.style };
          break;
        case 'crossvpc-not-applied':
          decision.dms.notApplied = true;
          break;
        case 'crossvpc-partial':
          decision.dms.failBrokers = [...new Set([...decision.dms.failBrokers, ...spec.brokers])];
          break;
        case 'instance-not-running':
          if (decision.dms.statusWindow) continue;
          decision.dms.statusWindow = { status: spec.status, ms: spec.ms, when: spec.when };
          break;
        case 'connection':
          if (decision.connection) continue;
          decision.connection = { mode: spec.mode, ms: spec.ms ?? (spec.mode === 'stall' ? 10_000 : 3_000) };
          break;
      }
      f.fired += 1;
      decision.fired.push(f.id);
    }
    return decision;
  }
}
