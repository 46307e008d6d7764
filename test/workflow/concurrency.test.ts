/**
 * One mutating operation per instance at a time (docs/decisions/operation-lock.md), against the sandbox without
 * Kafka: teardown during a provisioning, heal during a provisioning, two provisionings of one instance at once,
 * a provisioning while a teardown runs. Nothing duplicated, nothing lost, outcomes truthful — judged by the
 * sandbox's state and call log.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrossVpcClient, CrossVpcError } from '../../src/client/index.js';
import { awaitAccessOutcome, PROVISION_WORKFLOW_TYPE } from '../../src/temporal/access-client.js';
import { approveSignal, progressQuery } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { parseProvisionInput } from '../../workflows/input.js';
import { instanceLockKey, lockWorkflowId } from '../../workflows/lock-definitions.js';
import { REVERIFY_WORKFLOW_TYPE, TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId, type ReverifyResult, type TeardownResult } from '../../workflows/ops-input.js';
import { addFault, callCounts, count, defaultRequest, eventually, FAST_TIMEOUTS, resetSandbox, resources, saveHistory, start, startSuite, withWorkers, type Suite } from './support.js';

const NO_VERIFY = { enabled: false };
const CREATES = ['vpcep.createEndpointService', 'vpcep.createEndpoint', 'vpc.createSecurityGroupRule'];

describe('one operation per instance at a time', () => {
  let suite: Suite;
  let instanceId: string;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false });
    instanceId = suite.sandbox.ready.instances[0]?.instanceId ?? '';
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  const waitPhase = (h: WorkflowHandle, phase: string) => eventually(async () => (await h.query(progressQuery)).phase === phase, 60_000, `phase ${phase}`);
  const creates = async (): Promise<number> => {
    const c = await callCounts(suite);
    return CREATES.reduce((n, op) => n + count(c, op), 0);
  };
  const expectClean = async (): Promise<void> => {
    const r = await resources(suite);
    expect(r.services).toEqual([]);
    expect(r.endpoints).toEqual([]);
    expect(r.sgRules9011).toBe(0);
    for (const [l, a] of Object.entries(r.advertised)) expect(a, l).toBe(l);
  };
  const teardown = async (tq: string): Promise<WorkflowHandle> =>
    suite.env.client.workflow.start(TEARDOWN_WORKFLOW_TYPE, { taskQueue: tq, workflowId: teardownWorkflowId(instanceId), args: [{ instanceId, timeouts: FAST_TIMEOUTS }] });

  it('teardown during a provisioning: the provisioning is cancelled and rolls back first, then the teardown ends clean', async () => {
    await withWorkers(suite, async (tq) => {
      const p = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true }));
      await waitPhase(p, 'awaiting-approval');
      const td = await teardown(tq);
      const result = (await td.result()) as TeardownResult;
      expect(result.cancelledProvisioning).toBe(true);
      const outcome = await awaitAccessOutcome(p);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe(ErrorTypes.Cancelled);
      // The provisioning removed what it created itself; the teardown found nothing left.
      expect(result.alreadyClean).toBe(true);
      await expectClean();
      expect(count(await callCounts(suite), 'vpcep.createEndpoint')).toBe(3);
      await saveHistory(td, 'teardown-preempts-provisioning');
    });
  });

  it('heal during a provisioning: refused and reported (the check still runs); nothing created by it', async () => {
    await withWorkers(suite, async (tq) => {
      const p = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true }));
      await waitPhase(p, 'awaiting-approval');
      const before = await creates();
      const rv = await suite.env.client.workflow.start(REVERIFY_WORKFLOW_TYPE, {
        taskQueue: tq,
        workflowId: `crossvpc-verify-${instanceId}-during`,
        args: [{ instanceId, heal: true, verify: NO_VERIFY, timeouts: FAST_TIMEOUTS }],
      });
      // The advertised IPs are not switched yet: drifted, and not healed, so the run fails with AccessUnhealthy.
      const failure = (await rv.result().then(() => undefined, (e: unknown) => e)) as { cause?: { type?: string; details?: unknown[] } } | undefined;
      expect(failure?.cause?.type).toBe('AccessUnhealthy');
      const report = failure?.cause?.details?.[0] as ReverifyResult;
      expect(report.health).toBe('drifted');
      expect(report.healActions?.join('\n')).toMatch(/not healing: provision crossvpc-.* holds the instance/);
      expect(await creates()).toBe(before);
      await p.signal(approveSignal);
      const outcome = await awaitAccessOutcome(p);
      expect(outcome.result?.status).toBe('unverified');
      const r = await resources(suite);
      expect(r.endpoints).toHaveLength(3);
      expect(r.services).toHaveLength(3);
      await saveHistory(rv, 'heal-refused-while-provisioning');
    });
  });

  it('two provisionings at once: the same id joins; another id waits for the lock, then finds everything and creates nothing', async () => {
    await addFault(suite, { kind: 'latency', match: { operation: 'dms.modifyCrossVpc' }, ms: 2_000, times: 1 });
    await withWorkers(suite, async (tq) => {
      const a = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      // a holds the instance before b asks for it.
      await eventually(async () => ['provisioning-endpoints', 'updating-listeners'].includes((await a.query(progressQuery)).phase), 60_000, 'a holds the instance');
      const joined = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(joined.firstExecutionRunId).toBe(a.firstExecutionRunId);
      const parsed = parseProvisionInput(defaultRequest(suite, { verify: NO_VERIFY }));
      if (!parsed.ok) throw new Error(parsed.message);
      const b = await suite.env.client.workflow.start(PROVISION_WORKFLOW_TYPE, { taskQueue: tq, workflowId: `crossvpc-second-${instanceId}`, args: [parsed.input] });
      await waitPhase(b, 'waiting-for-lock');
      expect((await b.query(progressQuery)).waitingFor).toMatch(/provision crossvpc-/);
      const [oa, ob] = await Promise.all([awaitAccessOutcome(a), awaitAccessOutcome(b)]);
      expect(oa.result?.status).toBe('unverified');
      expect(ob.result?.status).toBe('unverified');
      expect(ob.result?.created).toEqual({ services: [], endpoints: [], securityGroupRule: null, aclRules: [] });
      const c = await callCounts(suite);
      expect(count(c, 'vpcep.createEndpointService')).toBe(3);
      expect(count(c, 'vpcep.createEndpoint')).toBe(3);
      const r = await resources(suite);
      expect(r.endpoints).toHaveLength(3);
      for (const p of oa.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
      // The lock granted both, one after the other, and ended when idle.
      const lock = suite.env.client.workflow.getHandle(lockWorkflowId(instanceLockKey(instanceId), tq));
      await eventually(async () => (await lock.describe()).status.name === 'COMPLETED', 30_000, 'the lock ends when idle');
      await saveHistory(lock, 'lock-two-holders');
    });
  });

  it('a second start with another input is refused (InputConflict naming the fields), never a silent join; another id cancelled while waiting for the lock creates nothing', async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    await withWorkers(suite, async (tq) => {
      const a = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true }));
      await waitPhase(a, 'awaiting-approval');
      const b = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'B');
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      const err = await cv.startAccess(defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true, clientVpcId: b?.vpcId ?? '', clientSubnetId: b?.subnetId ?? '' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CrossVpcError);
      expect((err as CrossVpcError).code).toBe('InputConflict');
      expect((err as CrossVpcError).field?.split(',')).toEqual(['clientSubnetId', 'clientVpcId']);
      // The same input joins the running run.
      const same = await cv.startAccess(defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true }));
      expect(same.joined).toBe(true);
      expect(same.runId).toBe(a.firstExecutionRunId);
      // A provisioning of the same instance under another workflow id waits for the lock; cancelled there, it
      // ends rolled back having created nothing, and the holder goes on.
      const parsed = parseProvisionInput(defaultRequest(suite, { verify: NO_VERIFY }));
      if (!parsed.ok) throw new Error(parsed.message);
      const creating = await creates();
      const waiting = await suite.env.client.workflow.start(PROVISION_WORKFLOW_TYPE, { taskQueue: tq, workflowId: `crossvpc-waiting-${instanceId}`, args: [parsed.input] });
      await waitPhase(waiting, 'waiting-for-lock');
      await waiting.cancel();
      const cancelled = await awaitAccessOutcome(waiting);
      expect(cancelled.status).toBe('rolled_back');
      expect(cancelled.error?.type).toBe(ErrorTypes.Cancelled);
      expect(cancelled.error).toMatchObject({ message: 'cancelled while waiting for the instance; nothing was created', failedStep: 'waiting for the instance', undone: [] });
      expect(await creates()).toBe(creating);
      await saveHistory(waiting, 'cancelled-waiting-for-lock');
      await a.signal(approveSignal);
      expect((await awaitAccessOutcome(a)).result?.status).toBe('unverified');
      const runs = [];
      for await (const w of suite.env.client.workflow.list({ query: `WorkflowId = 'crossvpc-${instanceId}' AND StartTime > '${since}'` })) runs.push(w.runId);
      expect(runs).toHaveLength(1);
    });
  });

  it('a provisioning while a teardown runs waits for it, then provisions afresh (nothing duplicated, nothing lost)', async () => {
    await withWorkers(suite, async (tq) => {
      const first = await awaitAccessOutcome(await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY })));
      expect(first.result?.status).toBe('unverified');
      await addFault(suite, { kind: 'latency', match: { operation: 'vpcep.deleteEndpoint' }, ms: 1_500, times: 3 });
      const td = await teardown(tq);
      await eventually(async () => (await callCounts(suite))['vpcep.deleteEndpoint'] !== undefined, 30_000, 'teardown deleting');
      const again = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      await waitPhase(again, 'waiting-for-lock');
      const result = (await td.result()) as TeardownResult;
      expect(result.removed.endpoints).toHaveLength(3);
      const outcome = await awaitAccessOutcome(again);
      expect(outcome.result?.status).toBe('unverified');
      expect(outcome.result?.created.endpoints).toHaveLength(3);
      const r = await resources(suite);
      expect(r.endpoints).toHaveLength(3);
      expect(r.services).toHaveLength(3);
      expect(r.endpoints.map((e) => e.id).some((id) => first.ports.some((p) => p.endpointId === id))).toBe(false);
    });
  });
});
