/**
 * Crashes: the worker killed (SIGKILL) at ≥ 10 points — in-flight creates, polls, the listener switch, a
 * compensation, a teardown, a lock wait — and a Temporal server restart (dev server with `--db-filename`).
 * Each access converges (verified here as `unverified`: no Kafka; or rolled back when it was meant to), with no
 * duplicate, judged by the sandbox's state. The worker is a real `crossvpc worker` process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sandboxEnv } from '../../src/cli/dev/stack.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { FaultSpecInput } from '../../src/sandbox/scenario/schema.js';
import { awaitAccessOutcome, startOrJoinAccess, type ProvisionOutcome } from '../../src/temporal/access-client.js';
import { freePort, startDevServer, type RunningDevServer } from '../../src/temporal/dev-server.js';
import { approveSignal, progressQuery } from '../../workflows/definitions.js';
import { parseProvisionInput, type ProvisionRequest } from '../../workflows/input.js';
import { TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId } from '../../workflows/ops-input.js';
import { searchAttributeRegistrations } from '../../workflows/search-attributes.js';
import { claimAddressPrefix } from '../support/address-block.js';
import { sandboxAdmin } from '../support/sandbox-access.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';

const CLI = fileURLToPath(new URL('../../src/cli/crossvpc.mjs', import.meta.url));
const T = { firstPollMs: 200, maxPollMs: 600, backoffCoefficient: 1.5, deadlineMs: 60_000, compensationDeadlineMs: 60_000, activityMs: 8_000, heartbeatMs: 2_000, retryInitialMs: 200, inDoubtMs: 10_000 };
const SLOW = 4_000;

interface Worker {
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** `crossvpc worker` as a process, configured from the sandbox's ready line. */
function startWorker(sandbox: Sandbox, address: string, taskQueue: string): Worker {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'worker'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandboxEnv(sandbox.ready, { address, namespace: 'default', taskQueue }) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000)));
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async kill() {
      child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
      void stderr;
    },
  };
}

interface Case {
  name: string;
  /** Faults that make the moment last long enough to kill in it. */
  faults: FaultSpecInput[];
  /** Extra request fields. */
  request?: Partial<ProvisionRequest>;
  /** The moment: a pending activity of this type (in the access or a child), or a phase of the access. */
  at: { activity: string } | { phase: string };
  /** What the run does after the moment (approve, cancel, start a teardown…). */
  then?: (ctx: { handle: WorkflowHandle; client: Client; taskQueue: string; instanceId: string }) => Promise<void>;
  /** How it must end. */
  expect: 'provisioned' | 'clean';
  /** Kill while this second operation runs (a teardown) instead of the provisioning. */
  teardown?: boolean;
}

const CASES: Case[] = [
  { name: 'in-flight endpoint-service create', faults: [{ kind: 'latency', match: { operation: 'vpcep.createEndpointService' }, ms: SLOW, times: 3 }], at: { activity: 'ensureEndpointService' }, expect: 'provisioned' },
  { name: 'in-flight endpoint create', faults: [{ kind: 'latency', match: { operation: 'vpcep.createEndpoint' }, ms: SLOW, times: 3 }], at: { activity: 'ensureEndpoint' }, expect: 'provisioned' },
  { name: 'in-flight security-group rule create', faults: [{ kind: 'latency', match: { operation: 'vpc.createSecurityGroupRule' }, ms: SLOW, times: 1 }], at: { activity: 'ensureSecurityGroupRule' }, expect: 'provisioned' },
  { name: 'polling an endpoint service', faults: [{ kind: 'latency', match: { operation: 'vpcep.getEndpointService' }, ms: SLOW, times: 3 }], at: { activity: 'awaitSettled' }, expect: 'provisioned' },
  { name: 'polling an endpoint', faults: [{ kind: 'latency', match: { operation: 'vpcep.getEndpoint' }, ms: SLOW, times: 3 }], at: { activity: 'awaitSettled' }, expect: 'provisioned' },
  { name: 'in-flight listener switch (crossvpc/modify)', faults: [{ kind: 'latency', match: { operation: 'dms.modifyCrossVpc' }, ms: SLOW, times: 1 }], at: { activity: 'updateAdvertisedIps' }, expect: 'provisioned' },
  { name: 'reading the instance and the baseline', faults: [{ kind: 'latency', match: { operation: 'dms.getInstance' }, ms: SLOW, times: 1 }], at: { activity: 'readAccess' }, expect: 'provisioned' },
  {
    name: 'compensation: deleting endpoints',
    faults: [
      { kind: 'async-fail', match: { operation: 'vpcep.createEndpoint' }, skip: 2, times: 1 },
      { kind: 'latency', match: { operation: 'vpcep.deleteEndpoint' }, ms: SLOW, times: 3 },
    ],
    at: { activity: 'deletePortEndpoints' },
    expect: 'clean',
  },
  {
    name: 'compensation: deleting endpoint services',
    faults: [
      { kind: 'async-fail', match: { operation: 'vpcep.createEndpoint' }, skip: 2, times: 1 },
      { kind: 'latency', match: { operation: 'vpcep.deleteEndpointService' }, ms: SLOW, times: 3 },
    ],
    at: { activity: 'deletePortServices' },
    expect: 'clean',
  },
  {
    // No Kafka here, so the verification fails and the undo restores the advertised IPs (its modify is slow).
    name: 'compensation: restoring the advertised IPs (after a failed verification)',
    faults: [{ kind: 'latency', match: { operation: 'dms.modifyCrossVpc' }, ms: SLOW, skip: 1, times: 1 }],
    request: { verify: { enabled: true, attempts: 1, timeoutMs: 2_000 } },
    at: { phase: 'after-the-switch' },
    expect: 'clean',
  },
  { name: 'teardown: deleting endpoints', faults: [{ kind: 'latency', match: { operation: 'vpcep.deleteEndpoint' }, ms: SLOW, times: 3 }], at: { activity: 'deletePortEndpoints' }, teardown: true, expect: 'clean' },
  { name: 'teardown: restoring the advertised IPs', faults: [{ kind: 'latency', match: { operation: 'dms.modifyCrossVpc' }, ms: SLOW, times: 1 }], at: { activity: 'updateAdvertisedIps' }, teardown: true, expect: 'clean' },
  {
    name: 'at the approval gate (a durable wait)',
    faults: [],
    request: { approvalGate: true },
    at: { phase: 'awaiting-approval' },
    then: async ({ handle }) => handle.signal(approveSignal),
    expect: 'provisioned',
  },
];

/** One sandbox and what a case needs of it. */
function bench(sandbox: Sandbox) {
  const sandboxApi = sandboxAdmin(() => sandbox.adminUrl);
  const admin = (method: string, path: string, body?: unknown): Promise<unknown> => sandboxApi.call(method, path, body);
  type Tags = { key: string; value: string }[];
  const state = async () => {
    const st = await sandboxApi.state();
    const p = st.accounts.flatMap((a) => a.projects);
    const info = Object.assign({}, ...p.flatMap((x) => x.kafkaInstances).map((i) => i.cross_vpc_info)) as Record<string, { advertised_ip: string; port_id: string }>;
    const port = (tags?: Tags) => tags?.find((t) => t.key === 'crossvpc-port')?.value;
    return {
      services: p.flatMap((x) => x.endpointServices).filter((x) => x.status !== 'deleting').map((x) => ({ id: x.id, port: port(x.tags) })),
      endpoints: p.flatMap((x) => x.endpoints).filter((x) => x.status !== 'deleting').map((x) => ({ id: x.id, ip: x.ip, port: port(x.tags) })),
      anyDeleting: p.some((x) => x.endpointServices.some((e) => e.status === 'deleting') || x.endpoints.some((e) => e.status === 'deleting')),
      sgRules: p.flatMap((x) => x.securityGroups.flatMap((g) => g.rules)).filter((r) => r.port_range_min === 9011).length,
      info,
    };
  };
  const request = (extra: Partial<ProvisionRequest> = {}) => {
    const net = sandbox.ready.clientNetworks.find((n) => n.account === 'A');
    const parsed = parseProvisionInput({ instanceId: sandbox.ready.instances[0]?.instanceId, clientVpcId: net?.vpcId, clientSubnetId: net?.subnetId, verify: { enabled: false }, timeouts: T, ...extra });
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.input;
  };
  const familyIds = async (workflowId: string): Promise<string[]> => [workflowId, ...Object.values((await state()).info).map((v) => `${workflowId}-port-${v.port_id}`)];
  const expectProvisioned = async (o: ProvisionOutcome): Promise<void> => {
    expect(o.result?.status, o.error?.message).toBe('unverified');
    const st = await state();
    expect(st.services).toHaveLength(3);
    expect(st.endpoints).toHaveLength(3);
    expect(new Set(st.endpoints.map((e) => e.port)).size).toBe(3);
    expect(st.sgRules).toBe(1);
    for (const [l, v] of Object.entries(st.info)) expect(v.advertised_ip, l).toBe(st.endpoints.find((e) => e.port === v.port_id)?.ip);
  };
  const expectClean = async (): Promise<void> => {
    await until('deletions finished', async () => !(await state()).anyDeleting, 30_000);
    const st = await state();
    expect(st.services).toEqual([]);
    expect(st.endpoints).toEqual([]);
    expect(st.sgRules).toBe(0);
    for (const [l, v] of Object.entries(st.info)) expect(v.advertised_ip, l).toBe(l);
  };
  return { sandbox, admin, state, request, familyIds, expectProvisioned, expectClean };
}
type Bench = ReturnType<typeof bench>;

async function until(what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const POOL = 3;

describe('crash recovery: worker killed, Temporal restarted', () => {
  const benches: Bench[] = [];
  const free: Bench[] = [];
  const waiting: ((b: Bench) => void)[] = [];
  let client: Client;
  let connection: Connection;
  const address = inject('temporalAddress');

  beforeAll(async () => {
    for (let i = 0; i < POOL; i += 1) {
      const sandbox = await startSandbox({
        scenario: { ...defaultScenario, name: 'crash', delays: { serviceCreate: 400, serviceUpdate: 100, serviceDelete: 400, endpointCreate: 400, endpointDelete: 400 } },
        kafka: false,
        addressPrefix: await claimAddressPrefix(),
        log: () => undefined,
        seed: 1 + Math.floor(Math.random() * 2 ** 30),
      });
      benches.push(bench(sandbox));
    }
    free.push(...benches);
    connection = await Connection.connect({ address });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await connection?.close();
    await Promise.all(benches.map((b) => b.sandbox.stop()));
  });
  const acquire = (): Promise<Bench> => {
    const b = free.pop();
    return b ? Promise.resolve(b) : new Promise((r) => waiting.push(r));
  };
  const release = (b: Bench): void => {
    const w = waiting.shift();
    if (w) w(b);
    else free.push(b);
  };

  /** Is an activity of this type running (started, not merely scheduled) in one of these workflows? */
  const pending = async (activity: string, ids: string[]): Promise<boolean> => {
    for (const id of ids) {
      try {
        const d = await client.workflow.getHandle(id).describe();
        if ((d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === activity && String(a.state) !== 'PENDING_ACTIVITY_STATE_SCHEDULED' && Number(a.state) !== 1)) return true;
      } catch {
        // not started yet
      }
    }
    return false;
  };

  for (const c of CASES) {
    it.concurrent(`worker SIGKILL ${c.name} → converges, no duplicates`, async () => {
      const b = await acquire();
      const { sandbox, admin, state, request, familyIds, expectProvisioned, expectClean } = b;
      await admin('POST', '/admin/reset');
      const taskQueue = uniqueTaskQueue('crash');
      let worker = startWorker(sandbox, address, taskQueue);
      try {
        const instanceId = sandbox.ready.instances[0]?.instanceId ?? '';
        if (c.teardown) {
          const o = await awaitAccessOutcome(await startOrJoinAccess(client, taskQueue, request()));
          await expectProvisioned(o);
        }
        for (const f of c.faults) await admin('POST', '/admin/faults', f);
        let handle: WorkflowHandle;
        if (c.teardown) {
          handle = await client.workflow.start(TEARDOWN_WORKFLOW_TYPE, { taskQueue, workflowId: teardownWorkflowId(instanceId), args: [{ instanceId, timeouts: T }] });
        } else {
          handle = await startOrJoinAccess(client, taskQueue, request(c.request));
        }
        if ('activity' in c.at) {
          const activity = c.at.activity;
          await until(`activity ${activity}`, async () => pending(activity, await familyIds(handle.workflowId)));
        } else if (c.at.phase === 'after-the-switch') {
          await until('advertised IPs switched', async () => Object.entries((await state()).info).every(([l, v]) => v.advertised_ip !== l));
          await until('restoring the advertised IPs', async () => pending('updateAdvertisedIps', [handle.workflowId]));
        } else {
          const phase = c.at.phase;
          await until(`phase ${phase}`, async () => (await handle.query(progressQuery).catch(() => undefined))?.phase === phase);
        }
        await worker.kill();
        worker = startWorker(sandbox, address, taskQueue);
        await c.then?.({ handle, client, taskQueue, instanceId });
        if (c.teardown) {
          await handle.result();
          await expectClean();
        } else {
          const o = await awaitAccessOutcome(handle);
          if (c.expect === 'provisioned') await expectProvisioned(o);
          else {
            expect(o.status, o.error?.message).toBe('rolled_back');
            await expectClean();
          }
        }
      } finally {
        await worker.stop();
        await admin('DELETE', '/admin/faults');
        release(b);
      }
    }, 240_000);
  }

  it('Temporal server restarted (dev server with --db-filename) while endpoints are pending → converges', async () => {
    const b = await acquire();
    const { sandbox, admin, state, request, expectProvisioned } = b;
    await admin('POST', '/admin/reset');
    const dir = mkdtempSync(join(tmpdir(), 'crossvpc-restart-'));
    const port = await freePort();
    const dbFilename = join(dir, 'temporal.db');
    const start = () => startDevServer({ port, dbFilename, searchAttributes: [...searchAttributeRegistrations] });
    let server: RunningDevServer = await start();
    const taskQueue = uniqueTaskQueue('restart');
    const worker = startWorker(sandbox, server.address, taskQueue);
    let conn: Connection | undefined;
    try {
      await admin('POST', '/admin/faults', { kind: 'latency', match: { operation: 'vpcep.getEndpoint' }, ms: 1_500, times: 3 });
      conn = await Connection.connect({ address: server.address });
      const handle = await startOrJoinAccess(new Client({ connection: conn }), taskQueue, request());
      await until('endpoints created', async () => (await state()).endpoints.length === 3);
      await server.stop();
      await new Promise((r) => setTimeout(r, 2_000));
      server = await start();
      await conn.close();
      conn = await Connection.connect({ address: server.address });
      const o = await awaitAccessOutcome(new Client({ connection: conn }).workflow.getHandle(handle.workflowId));
      await expectProvisioned(o);
    } finally {
      await conn?.close();
      await worker.stop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      release(b);
    }
  }, 240_000);
});
