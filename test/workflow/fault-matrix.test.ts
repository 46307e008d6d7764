/**
 * The fault matrix: every cloud operation the workflows call × { 5xx once, 5xx persistent, throttle ×3, response
 * lost after commit, latency past the activity timeout, async failed, stuck }. Each provisioning must end
 * verified and correct (here `unverified`: verification off), or clean, or — persistent faults only —
 * `CompensationFailed` listing exactly what is left; a teardown with the fault still on ends clean or
 * `TeardownIncomplete` listing exactly what is left; the teardown after the fault clears ends clean. Never a
 * duplicate, never a report that disagrees with the cloud. Judged by the sandbox's state after each step.
 *
 * Cells run side by side on a pool of no-Kafka sandboxes (one worker pair serves them all: each sandbox is a
 * credential set `cell<N>`). The totals are printed as one JSON line (`figure: fault-matrix`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OtcClientSet } from '../../activities/index.js';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { FaultSpecInput, ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { awaitAccessOutcome, startOrJoinAccess, type ProvisionOutcome } from '../../src/temporal/access-client.js';
import { createCrossVpcWorkers } from '../../worker/worker.js';
import type { Leftover } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { parseProvisionInput } from '../../workflows/input.js';
import { TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId } from '../../workflows/ops-input.js';
import { claimAddressPrefix } from '../support/address-block.js';
import { sandboxAdmin, sandboxOtcConfig } from '../support/sandbox-access.js';
import { connectTestEnv, testWorkflowBundle, uniqueTaskQueue } from '../support/temporal-env.js';
import { saveHistory } from './support.js';

const POOL = 6;
const T = {
  firstPollMs: 100,
  maxPollMs: 300,
  backoffCoefficient: 1.5,
  deadlineMs: 4_000,
  compensationDeadlineMs: 5_000,
  activityMs: 2_000,
  heartbeatMs: 1_000,
  retryInitialMs: 25,
  inDoubtMs: 4_000,
  lockWaitMs: 60_000,
};

type FaultKind = '5xx-once' | '5xx-persistent' | 'throttle-x3' | 'lost-after-commit' | 'latency-past-timeout' | 'async-failed' | 'stuck';
const GENERIC: FaultKind[] = ['5xx-once', '5xx-persistent', 'throttle-x3', 'lost-after-commit', 'latency-past-timeout'];
const ASYNC: FaultKind[] = ['async-failed', 'stuck'];

/** Operations of the provisioning (P) and of undo/teardown (U); async ones can fail or stick. */
const OPERATIONS: { op: string; async?: boolean; undo?: boolean }[] = [
  { op: 'dms.getInstance', undo: true },
  { op: 'dms.modifyCrossVpc', undo: true },
  { op: 'dms.listInstances', undo: true },
  { op: 'vpcep.listEndpointServices', undo: true },
  { op: 'vpcep.createEndpointService', async: true },
  { op: 'vpcep.getEndpointService', undo: true },
  { op: 'vpcep.deleteEndpointService', async: true, undo: true },
  { op: 'vpcep.listEndpoints', undo: true },
  { op: 'vpcep.createEndpoint', async: true },
  { op: 'vpcep.getEndpoint', undo: true },
  { op: 'vpcep.deleteEndpoint', async: true, undo: true },
  { op: 'vpc.listSecurityGroupRules', undo: true },
  { op: 'vpc.createSecurityGroupRule' },
  { op: 'vpc.deleteSecurityGroupRule', undo: true },
  { op: 'vpc.listFirewalls', undo: true },
  { op: 'vpc.insertFirewallRules' },
  { op: 'vpc.removeFirewallRules', undo: true },
  { op: 'vpc.getVpc' },
  { op: 'vpc.getSubnet' },
  { op: 'vpcep.getQuotas' },
];

interface Cell {
  op: string;
  fault: FaultKind;
  /** Also make the provisioning fail (an endpoint that goes `failed`), so its undo meets the fault. */
  withRollback?: boolean;
}

const CELLS: Cell[] = [
  ...OPERATIONS.flatMap((o) => [...GENERIC, ...(o.async ? ASYNC : [])].map((fault) => ({ op: o.op, fault }))),
  ...OPERATIONS.filter((o) => o.undo && !o.op.startsWith('dms.get')).flatMap((o) => (['5xx-persistent', ...(o.async ? (['stuck'] as FaultKind[]) : [])] as FaultKind[]).map((fault) => ({ op: o.op, fault, withRollback: true }))),
];

/** The resource kind whose deletion a `stuck` fault on this operation leaves in `deleting`. */
const STUCK_DELETION_KIND: Partial<Record<string, Leftover['kind']>> = { 'vpcep.deleteEndpoint': 'endpoint', 'vpcep.deleteEndpointService': 'endpoint-service' };

const persistent = (f: FaultKind): boolean => f === '5xx-persistent' || f === 'stuck';

function faultSpec(c: Cell): FaultSpecInput {
  const match = { operation: c.op };
  const service = c.op.split('.')[0];
  switch (c.fault) {
    case '5xx-once':
      return { kind: 'error', match, status: 500, times: 1 };
    case '5xx-persistent':
      return { kind: 'error', match, status: 500 };
    case 'throttle-x3':
      return { kind: 'throttle', match, style: service === 'dms' ? 'dms' : service === 'vpcep' ? 'vpcep' : 'apigw', times: 3 };
    case 'lost-after-commit':
      return { kind: 'drop-response', match, times: 1 };
    case 'latency-past-timeout':
      return { kind: 'latency', match, ms: T.activityMs + 1_500, times: 1 };
    case 'async-failed':
      return { kind: 'async-fail', match, times: 1 };
    case 'stuck':
      return { kind: 'async-stuck', match };
  }
}

/** Default scenario, short lifecycle delays, and a network ACL on the Kafka subnet (ACL rules are exercised). */
function scenario(): ScenarioInput {
  const s = structuredClone(defaultScenario) as ScenarioInput & { accounts: { networkAcls?: unknown[] }[] };
  const a = s.accounts[0];
  if (!a) throw new Error('default scenario changed');
  a.networkAcls = [{ name: 'kafka-acl', subnets: ['kafka-subnet'], ingressRules: [{ name: 'admin-ssh', description: 'not ours', action: 'allow', protocol: 'tcp', sourceIpAddress: '10.0.0.0/8', destinationPort: '22' }] }];
  return { ...s, name: 'matrix', delays: { serviceCreate: 150, serviceUpdate: 100, serviceDelete: 300, endpointCreate: 150, endpointDelete: 300 } };
}

interface Slot {
  sandbox: Sandbox;
  credentials: string;
  instanceId: string;
}

interface CloudState {
  services: { id: string; status: string; port?: string }[];
  endpoints: { id: string; status: string; ip?: string; port?: string }[];
  sgRules: { id: string; description?: string | null }[];
  aclRules: string[];
  /** listener → advertised */
  advertised: Record<string, string>;
  portOfListener: Record<string, string>;
}

type Verdict = 'correct' | 'clean' | 'reported' | 'untruthful';

interface CellResult {
  cell: Cell;
  provision: Verdict;
  teardownWithFault?: Verdict;
  final: Verdict;
  duplicates: boolean;
  detail: string[];
}

describe('fault matrix (every operation × every fault kind)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: { code: string };
  const slots: Slot[] = [];
  const free: Slot[] = [];
  const waiting: ((s: Slot) => void)[] = [];
  const results: CellResult[] = [];
  const clients = new Map<string, OtcClientSet>();
  let taskQueue = '';
  let stopWorkers: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([connectTestEnv(), testWorkflowBundle()]);
    for (let i = 0; i < POOL; i += 1) {
      const sandbox = await startSandbox({ scenario: scenario(), kafka: false, addressPrefix: await claimAddressPrefix(), log: () => undefined, seed: 1 + Math.floor(Math.random() * 2 ** 30) });
      const inst = sandbox.ready.instances[0];
      if (!inst) throw new Error('default scenario expected');
      const credentials = `cell${i}`;
      clients.set(credentials, createOtcClients(sandboxOtcConfig(sandbox.ready, 'A', { name: credentials })));
      const slot = { sandbox, credentials, instanceId: inst.instanceId };
      slots.push(slot);
      free.push(slot);
    }
    taskQueue = uniqueTaskQueue('matrix');
    const workers = await createCrossVpcWorkers({
      connection: env.nativeConnection,
      taskQueue,
      activityDeps: {
        clients: (name) => {
          const c = clients.get(name);
          if (!c) throw new Error(`no credential set ${name}`);
          return c;
        },
        serviceInUseRetryMs: 200,
      },
      workflowBundle: { code: bundle.code },
      shutdownGraceTime: '2s',
    });
    const running = workers.run();
    stopWorkers = async () => {
      workers.shutdown();
      await running;
    };
  }, 180_000);

  afterAll(async () => {
    await stopWorkers();
    await Promise.all(slots.map((s) => s.sandbox.stop()));
    await env?.teardown();
    const by = (f: (r: CellResult) => boolean): number => results.filter(f).length;
    const totals = {
      figure: 'fault-matrix',
      runs: results.length,
      verified: by((r) => r.provision === 'correct'),
      clean: by((r) => r.provision === 'clean'),
      reportedAndRecovered: by((r) => r.provision === 'reported' && r.final === 'clean'),
      teardownsWithFault: by((r) => r.teardownWithFault !== undefined),
      teardownsWithFaultReported: by((r) => r.teardownWithFault === 'reported'),
      leftoversAfterFinalTeardown: by((r) => r.final !== 'clean'),
      duplicates: by((r) => r.duplicates),
      untruthful: by((r) => r.provision === 'untruthful' || r.teardownWithFault === 'untruthful'),
    };
    console.info(JSON.stringify(totals));
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/fault-matrix.json', `${JSON.stringify({ totals, results }, null, 1)}\n`);
  });

  const acquire = (): Promise<Slot> => {
    const s = free.pop();
    if (s) return Promise.resolve(s);
    return new Promise((r) => waiting.push(r));
  };
  const release = (s: Slot): void => {
    const w = waiting.shift();
    if (w) w(s);
    else free.push(s);
  };

  const admin = <T,>(s: Slot, method: string, path: string, body?: unknown): Promise<T> => sandboxAdmin(() => s.sandbox.adminUrl).call<T>(method, path, body);

  async function cloud(s: Slot): Promise<CloudState> {
    type Tag = { key: string; value: string };
    const dump = await sandboxAdmin(() => s.sandbox.adminUrl).state();
    const projects = dump.accounts.flatMap((a) => a.projects);
    const ours = (tags?: Tag[]) => tags?.find((t) => t.key === 'crossvpc-access')?.value === s.instanceId;
    const port = (tags?: Tag[]) => tags?.find((t) => t.key === 'crossvpc-port')?.value;
    const marker = `crossvpc-access=${s.instanceId}`;
    const inst = projects.flatMap((p) => p.kafkaInstances).find((i) => i.instance_id === s.instanceId);
    const info = inst?.cross_vpc_info ?? {};
    return {
      services: projects.flatMap((p) => p.endpointServices).filter((x) => ours(x.tags)).map((x) => ({ id: x.id, status: x.status, ...(port(x.tags) ? { port: port(x.tags) } : {}) })),
      endpoints: projects.flatMap((p) => p.endpoints).filter((x) => ours(x.tags)).map((x) => ({ id: x.id, status: x.status, ...(x.ip ? { ip: x.ip } : {}), ...(port(x.tags) ? { port: port(x.tags) } : {}) })),
      sgRules: projects.flatMap((p) => p.securityGroups.flatMap((g) => g.rules)).filter((r) => r.port_range_min === 9011),
      aclRules: projects.flatMap((p) => p.networkAcls.flatMap((a) => a.ingressRules ?? a.ingress_rules ?? [])).filter((r) => r.description === marker).map((r) => r.id),
      advertised: Object.fromEntries(Object.entries(info).map(([l, v]) => [l, v.advertised_ip])),
      portOfListener: Object.fromEntries(Object.entries(info).map(([l, v]) => [l, v.port_id])),
    };
  }

  /** Waits for deletions in progress to finish (the cloud is eventually consistent), then reads. */
  async function settled(s: Slot): Promise<CloudState> {
    for (let i = 0; i < 40; i += 1) {
      const c = await cloud(s);
      if (!c.services.some((x) => x.status === 'deleting') && !c.endpoints.some((x) => x.status === 'deleting')) return c;
      await new Promise((r) => setTimeout(r, 250));
    }
    return cloud(s);
  }

  const live = <X extends { status: string }>(xs: X[]): X[] => xs.filter((x) => x.status !== 'deleting');

  function isClean(c: CloudState): string[] {
    const why: string[] = [];
    if (c.services.length) why.push(`services left: ${c.services.map((x) => `${x.id}(${x.status})`).join(', ')}`);
    if (c.endpoints.length) why.push(`endpoints left: ${c.endpoints.map((x) => `${x.id}(${x.status})`).join(', ')}`);
    if (c.sgRules.length) why.push(`security-group rules left: ${c.sgRules.map((r) => r.id).join(', ')}`);
    if (c.aclRules.length) why.push(`ACL rules left: ${c.aclRules.join(', ')}`);
    for (const [l, a] of Object.entries(c.advertised)) if (a !== l) why.push(`broker ${l} advertises ${a}`);
    return why;
  }

  function duplicates(c: CloudState): boolean {
    const per = (xs: { port?: string }[]) => xs.some((x, i) => xs.findIndex((y) => y.port === x.port) !== i);
    return per(live(c.services)) || per(live(c.endpoints));
  }

  function isCorrect(c: CloudState, o: ProvisionOutcome): string[] {
    const why: string[] = [];
    const ports = Object.values(c.portOfListener);
    if (live(c.services).length !== ports.length) why.push(`${live(c.services).length} services for ${ports.length} ports`);
    if (live(c.endpoints).length !== ports.length) why.push(`${live(c.endpoints).length} endpoints for ${ports.length} ports`);
    for (const [l, portId] of Object.entries(c.portOfListener)) {
      const ep = live(c.endpoints).find((e) => e.port === portId);
      if (!ep || c.advertised[l] !== ep.ip) why.push(`broker ${l} advertises ${c.advertised[l]}, its port's endpoint is ${ep?.ip ?? 'missing'}`);
      const reported = o.ports.find((p) => p.portId === portId);
      if (reported?.endpointId !== ep?.id) why.push(`outcome names endpoint ${reported?.endpointId} for port ${portId}, the cloud has ${ep?.id}`);
    }
    if (c.sgRules.length !== 1) why.push(`${c.sgRules.length} security-group rules on 9011`);
    if (c.aclRules.length < 1) why.push('no ACL rule of ours');
    return why;
  }

  /** Every resource left is reported (by id, or by kind when the id was unknown), and every id reported exists. */
  function leftoversExact(c: CloudState, leftovers: Leftover[]): string[] {
    const why: string[] = [];
    const reported = new Set(leftovers.flatMap((l) => l.ids));
    const kindReported = (k: Leftover['kind']) => leftovers.some((l) => l.kind === k);
    const exists = new Set([...c.services.map((x) => x.id), ...c.endpoints.map((x) => x.id), ...c.sgRules.map((r) => r.id), ...c.aclRules]);
    for (const x of c.endpoints) if (!reported.has(x.id) && !kindReported('endpoint')) why.push(`endpoint ${x.id} left but not reported`);
    for (const x of c.services) if (!reported.has(x.id) && !kindReported('endpoint-service')) why.push(`service ${x.id} left but not reported`);
    for (const r of c.sgRules) if (!reported.has(r.id) && !kindReported('security-group-rule')) why.push(`rule ${r.id} left but not reported`);
    for (const r of c.aclRules) if (!reported.has(r) && !kindReported('acl-rule')) why.push(`ACL rule ${r} left but not reported`);
    for (const [l, a] of Object.entries(c.advertised)) if (a !== l && !kindReported('advertised-ip')) why.push(`broker ${l} advertises ${a} but no advertised-ip leftover`);
    // A leftover marked `deleting` was still being deleted when reported: gone once the cloud settled is the truth.
    for (const l of leftovers) for (const id of l.ids) if (l.kind !== 'advertised-ip' && l.kind !== 'whitelist' && !exists.has(id) && !l.deleting) why.push(`reported leftover ${l.kind} ${id} does not exist`);
    if (leftovers.some((l) => !l.deleting) && isClean(c).length === 0) why.push('leftovers reported on a clean cloud');
    return why;
  }

  async function teardown(s: Slot, timeouts: typeof T = T): Promise<{ ok: boolean; leftovers: Leftover[]; notLookedAt?: Leftover['kind'][]; error?: string }> {
    const h = await env.client.workflow.start(TEARDOWN_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `${teardownWorkflowId(s.instanceId)}`,
      args: [{ instanceId: s.instanceId, instanceCredentials: s.credentials, clientCredentials: s.credentials, timeouts }],
    });
    try {
      await h.result();
      return { ok: true, leftovers: [] };
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
      const d = cause instanceof ApplicationFailure ? (cause.details?.[0] as { leftovers?: Leftover[]; notLookedAt?: Leftover['kind'][] } | undefined) : undefined;
      return { ok: false, leftovers: d?.leftovers ?? [], ...(d?.notLookedAt ? { notLookedAt: d.notLookedAt } : {}), error: `${cause instanceof ApplicationFailure ? cause.type : ''}: ${cause?.message ?? String(err)}` };
    }
  }

  async function runCell(cell: Cell, s: Slot): Promise<CellResult> {
    const r: CellResult = { cell, provision: 'untruthful', final: 'untruthful', duplicates: false, detail: [] };
    await admin(s, 'POST', '/admin/reset');
    if (cell.withRollback) await admin(s, 'POST', '/admin/faults', { kind: 'async-fail', match: { operation: 'vpcep.createEndpoint' }, skip: 2, times: 1 });
    await admin(s, 'POST', '/admin/faults', faultSpec(cell));
    const input = parseProvisionInput({
      instanceId: s.instanceId,
      clientVpcId: s.sandbox.ready.clientNetworks.find((n) => n.account === 'A')?.vpcId,
      clientSubnetId: s.sandbox.ready.clientNetworks.find((n) => n.account === 'A')?.subnetId,
      clientSubnetCidr: s.sandbox.ready.clientNetworks.find((n) => n.account === 'A')?.cidr,
      instanceCredentials: s.credentials,
      clientCredentials: s.credentials,
      verify: { enabled: false },
      timeouts: T,
    });
    if (!input.ok) throw new Error(input.message);
    const outcome = await awaitAccessOutcome(await startOrJoinAccess(env.client, taskQueue, input.input));
    const after = await settled(s);
    r.duplicates ||= duplicates(after);
    const leftovers = outcome.error?.leftovers ?? [];
    if (outcome.result?.status === 'unverified') {
      const why = isCorrect(after, outcome);
      r.provision = why.length === 0 ? 'correct' : 'untruthful';
      r.detail.push(...why.map((w) => `provision (unverified): ${w}`));
    } else if (outcome.error?.type === ErrorTypes.CompensationFailed) {
      await saveHistory(env.client.workflow.getHandle(outcome.workflowId, outcome.runId), 'compensation-failed');
      const why = leftoversExact(after, leftovers);
      r.provision = why.length === 0 && persistent(cell.fault) ? 'reported' : 'untruthful';
      r.detail.push(...why.map((w) => `provision (CompensationFailed): ${w}`));
      if (!persistent(cell.fault)) r.detail.push(`CompensationFailed on a transient fault: ${outcome.error.message}`);
    } else {
      const why = isClean(after);
      r.provision = why.length === 0 ? 'clean' : 'untruthful';
      r.detail.push(...why.map((w) => `provision (${outcome.status} ${outcome.error?.type}): ${w}`));
    }

    if (OPERATIONS.find((o) => o.op === cell.op)?.undo) {
      const td = await teardown(s);
      const c = await settled(s);
      r.duplicates ||= duplicates(c);
      if (td.ok) {
        const why = isClean(c);
        r.teardownWithFault = why.length === 0 ? 'clean' : 'untruthful';
        r.detail.push(...why.map((w) => `teardown with the fault on (ok): ${w}`));
      } else {
        // A teardown that could not look says so (`notLookedAt`) instead of guessing leftovers.
        const unread = td.notLookedAt?.length ? td.notLookedAt.map((kind) => ({ kind, ids: [], what: 'not looked at', error: td.error ?? '' })) : [];
        const why = td.leftovers.length ? leftoversExact(c, td.leftovers) : unread.length ? leftoversExact(c, unread).filter((w) => !w.startsWith('leftovers reported on a clean cloud')) : [`teardown failed without a leftover list: ${td.error}`];
        r.teardownWithFault = why.length === 0 && persistent(cell.fault) ? 'reported' : 'untruthful';
        r.detail.push(...why.map((w) => `teardown with the fault on: ${w}`));
        // A deletion the cloud accepted but never finished is reported as still deleting, not as untouched.
        const stuckKind = cell.fault === 'stuck' ? STUCK_DELETION_KIND[cell.op] : undefined;
        if (stuckKind && !td.leftovers.some((l) => l.kind === stuckKind && l.deleting)) r.detail.push(`teardown with the fault on: the stuck ${stuckKind} deletion is not reported as deleting`);
      }
    }

    await admin(s, 'DELETE', '/admin/faults');
    // The cloud has recovered: the operator's teardown runs with the product's ordinary margins, not the cell's
    // tight ones (on a loaded machine a 5 s compensation deadline is not what "after recovery" means).
    const final = await teardown(s, { ...T, activityMs: 10_000, deadlineMs: 30_000, compensationDeadlineMs: 30_000 });
    const c = await settled(s);
    const why = [...(final.ok ? [] : [`final teardown failed: ${final.error}`]), ...isClean(c)];
    r.final = why.length === 0 ? 'clean' : 'untruthful';
    r.detail.push(...why.map((w) => `after the fault cleared: ${w}`));
    return r;
  }

  for (const cell of CELLS) {
    it.concurrent(`${cell.op} × ${cell.fault}${cell.withRollback ? ' (during a rollback)' : ''}`, async () => {
      const s = await acquire();
      try {
        const r = await runCell(cell, s);
        results.push(r);
        expect(r.detail.join('\n'), `${cell.op} × ${cell.fault}`).toBe('');
        expect(r.duplicates).toBe(false);
        expect(r.final).toBe('clean');
      } finally {
        release(s);
      }
    }, 240_000);
  }
});
