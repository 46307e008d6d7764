/**
 * `reverifyCrossVpcAccess` and its schedule against the sandbox WITH its real Kafka data plane (a healthy
 * verdict and a heal need bytes to flow through the endpoint IPs). Drift is made behind the access's back
 * with the OTC clients directly: (a) advertised IPs changed (`dms.modifyCrossVpc`), (b) an endpoint deleted,
 * (c) the security-group rule removed; each is detected precisely and `heal: true` repairs it.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { ApplicationFailure, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deleteReverifySchedule,
  describeReverifySchedule,
  listReverifySchedules,
  pauseReverifySchedule,
  triggerReverifySchedule,
  unpauseReverifySchedule,
  upsertReverifySchedule,
} from '../../src/temporal/reverify-schedule.js';
import type { ProvisionOutcome } from '../../src/temporal/access-client.js';
import { CrossVpcClient } from '../../src/client/index.js';
import { REVERIFY_WORKFLOW_TYPE, reverifyScheduleId, reverifyWorkflowId, type ReverifyRequest, type ReverifyResult } from '../../workflows/ops-input.js';
import { CrossVpcHealth } from '../../workflows/search-attributes.js';
import { defaultRequest, eventually, FAST_TIMEOUTS, provision, resetSandbox, resources, saveHistory, startSuite, withWorkers, type Suite } from './support.js';

const ADDRESS_PREFIX = await claimAddressPrefix();
const VERIFY = { timeoutMs: 30_000, attempts: 2 };
/** For a data path that is expected to fail: one short attempt. */
const VERIFY_SHORT = { timeoutMs: 5_000, attempts: 1 };
const NO_VERIFY = { enabled: false };

/**
 * The report of a closed re-verification: a healthy (or healed) access COMPLETES with it; a drifted or broken
 * one FAILS with AccessUnhealthy carrying it as details[0] (the run is red where operators look).
 */
async function reportOf(handle: WorkflowHandle): Promise<{ result: ReverifyResult; status: string; failureType: string | undefined }> {
  try {
    const result = (await handle.result()) as ReverifyResult;
    return { result, status: (await handle.describe()).status.name, failureType: undefined };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) throw err;
    const report = err.cause.details?.[0] as ReverifyResult | undefined;
    if (!report) throw err;
    return { result: report, status: (await handle.describe()).status.name, failureType: err.cause.type ?? undefined };
  }
}

let runs = 0;
async function reverify(suite: Suite, taskQueue: string, request: ReverifyRequest): Promise<{ result: ReverifyResult; health: string | undefined; handle: WorkflowHandle }> {
  runs += 1;
  const handle = await suite.env.client.workflow.start(REVERIFY_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `${reverifyWorkflowId(request.instanceId)}-test-${process.pid}-${runs}`,
    args: [{ timeouts: FAST_TIMEOUTS, ...request }],
  });
  const { result, status, failureType } = await reportOf(handle);
  // The run's own status tells the health: completed when healthy, failed with AccessUnhealthy otherwise.
  if (result.health === 'healthy') expect({ status, failureType }).toEqual({ status: 'COMPLETED', failureType: undefined });
  else expect({ status, failureType }).toEqual({ status: 'FAILED', failureType: 'AccessUnhealthy' });
  const d = await handle.describe();
  return { result, health: d.typedSearchAttributes.get(CrossVpcHealth), handle };
}

function expectedOf(outcome: ProvisionOutcome): { ports: { portId: string; listenerIp: string; endpointId: string; endpointIp: string }[] } {
  return { ports: outcome.ports.map((p) => ({ portId: p.portId, listenerIp: p.listenerIp, endpointId: p.endpointId ?? '', endpointIp: p.endpointIp ?? '' })) };
}

describe('reverifyCrossVpcAccess with real Kafka', () => {
  let suite: Suite;
  let instanceId: string;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true, addressPrefix: ADDRESS_PREFIX });
    instanceId = suite.sandbox.ready.instances[0]?.instanceId ?? '';
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  const provisioned = async (tq: string): Promise<ProvisionOutcome> => {
    const outcome = await provision(suite, tq, defaultRequest(suite, { verify: VERIFY }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('verified');
    return outcome;
  };

  /** After a heal: every broker advertises the IP of the live endpoint of its own port. */
  const expectConsistent = async (): Promise<void> => {
    const r = await resources(suite);
    expect(r.endpoints).toHaveLength(3);
    expect(r.sgRules9011).toBe(1);
    const entries = (await suite.clients('default').dms.getInstance(instanceId)).crossVpcEntries;
    for (const e of entries) {
      const ep = r.endpoints.find((x) => x.tags?.some((t) => t.key === 'crossvpc-port' && t.value === e.portId));
      expect(ep?.status).toBe('accepted');
      expect(e.advertisedIp, `advertised IP of ${e.listenerIp}`).toBe(ep?.ip);
    }
  };

  it('a healthy access: healthy by tags and against the recorded ports, data path verified, CrossVpcHealth = healthy', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provisioned(tq);
      const byTags = await reverify(suite, tq, { instanceId, verify: VERIFY });
      expect(byTags.result.drifts).toEqual([]);
      expect(byTags.result.health).toBe('healthy');
      expect(byTags.result.healed).toBeUndefined();
      expect(byTags.result.bootstrapServers).toBe(outcome.bootstrapServers);
      expect(byTags.health).toBe('healthy');
      const byRecord = await reverify(suite, tq, { instanceId, verify: VERIFY, expected: expectedOf(outcome) });
      expect(byRecord.result.health).toBe('healthy');
      expect(byRecord.result.drifts).toEqual([]);
    });
  });

  it('a schedule created and triggered runs a re-verification (upsert updates; list, pause, unpause, delete)', async () => {
    const client: Client = suite.env.client;
    await withWorkers(suite, async (tq) => {
      await provisioned(tq);
      try {
        const created = await upsertReverifySchedule(client, { instanceId, every: '1h', taskQueue: tq, args: { verify: VERIFY, timeouts: FAST_TIMEOUTS } });
        expect(created).toEqual({ scheduleId: reverifyScheduleId(instanceId), created: true });
        const updated = await upsertReverifySchedule(client, { instanceId, every: '2h', taskQueue: tq, args: { verify: VERIFY, timeouts: FAST_TIMEOUTS } });
        expect(updated.created).toBe(false);
        const d = await client.schedule.getHandle(reverifyScheduleId(instanceId)).describe();
        expect(d.spec.intervals?.[0]?.every).toBe(2 * 3_600_000);
        expect(d.policies.overlap).toBe('SKIP');
        expect(d.policies.catchupWindow).toBe(2 * 3_600_000);

        await triggerReverifySchedule(client, instanceId);
        const run = await eventually(async () => (await describeReverifySchedule(client, instanceId)).recentRuns[0], 30_000, 'a scheduled run');
        expect(run.workflowId.startsWith(`${reverifyWorkflowId(instanceId)}-`)).toBe(true);
        const handle = client.workflow.getHandle(run.workflowId, run.runId);
        const result = (await handle.result()) as ReverifyResult;
        expect(result.health).toBe('healthy');
        expect(result.drifts).toEqual([]);
        const wf = await handle.describe();
        expect(wf.type).toBe(REVERIFY_WORKFLOW_TYPE);
        expect(wf.typedSearchAttributes.get(CrossVpcHealth)).toBe('healthy');

        const listed = await eventually(async () => (await listReverifySchedules(client)).find((s) => s.instanceId === instanceId), 30_000, 'schedule listed');
        expect(listed).toMatchObject({ scheduleId: reverifyScheduleId(instanceId), every: '2h', paused: false, heal: false, taskQueue: tq, lastHealth: 'healthy' });
        await pauseReverifySchedule(client, instanceId, 'maintenance');
        expect((await describeReverifySchedule(client, instanceId)).paused).toBe(true);
        await unpauseReverifySchedule(client, instanceId);
        expect((await describeReverifySchedule(client, instanceId)).paused).toBe(false);
      } finally {
        await deleteReverifySchedule(client, instanceId).catch(() => undefined);
      }
      await expect(client.schedule.getHandle(reverifyScheduleId(instanceId)).describe()).rejects.toThrow();
    });
  });

  it('drift (a): advertised IPs changed behind our back are found by port id (swapped: advertised-ip; a dead address: advertised-ip-dangling); heal puts back each port’s own endpoint IP', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provisioned(tq);
      const [p0, p1, p2] = outcome.ports;
      if (!p0?.endpointIp || !p1?.endpointIp || !p2?.endpointIp) throw new Error('3 ports expected');
      const foreign = `${ADDRESS_PREFIX}.2.250`;
      // Swap brokers 0 and 1 (each advertises an IP of ours, but of the wrong port), broker 2 → a foreign IP.
      await suite.clients('default').dms.modifyCrossVpc(instanceId, { [p0.listenerIp]: p1.endpointIp, [p1.listenerIp]: p0.endpointIp, [p2.listenerIp]: foreign });

      const found = await reverify(suite, tq, { instanceId, verify: NO_VERIFY });
      expect(found.result.health).toBe('drifted');
      expect(found.health).toBe('drifted');
      const drifts = [...found.result.drifts].sort((x, y) => (x.listenerIp ?? '').localeCompare(y.listenerIp ?? ''));
      expect(drifts.map(({ kind, portId, listenerIp, expected, actual }) => ({ kind, portId, listenerIp, expected, actual }))).toEqual(
        [
          { kind: 'advertised-ip', portId: p0.portId, listenerIp: p0.listenerIp, expected: p0.endpointIp, actual: p1.endpointIp },
          { kind: 'advertised-ip', portId: p1.portId, listenerIp: p1.listenerIp, expected: p1.endpointIp, actual: p0.endpointIp },
          { kind: 'advertised-ip-dangling', portId: p2.portId, listenerIp: p2.listenerIp, expected: p2.endpointIp, actual: foreign },
        ].sort((x, y) => x.listenerIp.localeCompare(y.listenerIp)),
      );
      expect(found.result.drifts.find((d) => d.portId === p0.portId)?.detail).toMatch(/another port/);
      expect(found.result.drifts.find((d) => d.portId === p2.portId)?.detail).toMatch(/neither its listener IP nor a live endpoint/);

      const healed = await reverify(suite, tq, { instanceId, verify: VERIFY, heal: true });
      // With the data path checked, the swapped/foreign advertised IPs also break it (metadata lists a stranger).
      expect(healed.result.beforeHeal?.health).toBe('broken');
      expect(healed.result.beforeHeal?.drifts.map((d) => d.kind).sort()).toEqual(['advertised-ip', 'advertised-ip', 'advertised-ip-dangling', 'data-path']);
      expect(healed.result.healed).toBe(true);
      expect(healed.result.health).toBe('healthy');
      expect(healed.result.drifts).toEqual([]);
      expect(healed.health).toBe('healthy');
      await expectConsistent();
      const r = await resources(suite);
      for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
    });
  });

  it('drift (b): a deleted endpoint is found (by tags and against the record); heal recreates it and re-advertises its port', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provisioned(tq);
      const p1 = outcome.ports[1];
      if (!p1?.endpointId) throw new Error('3 ports expected');
      const vpcep = suite.clients('default').vpcep;
      await vpcep.deleteEndpoint(p1.endpointId);
      await eventually(async () => !(await resources(suite)).endpoints.some((e) => e.id === p1.endpointId), 30_000, 'endpoint gone');

      const byTags = await reverify(suite, tq, { instanceId, verify: NO_VERIFY });
      expect(byTags.result.health).toBe('drifted');
      // The broker still advertises the deleted endpoint's IP: a dead address, a drift of its own.
      expect(byTags.result.drifts.map(({ kind, portId, listenerIp }) => ({ kind, portId, listenerIp }))).toEqual([
        { kind: 'endpoint-missing', portId: p1.portId, listenerIp: p1.listenerIp },
        { kind: 'advertised-ip-dangling', portId: p1.portId, listenerIp: p1.listenerIp },
      ]);
      expect(byTags.result.drifts[1]?.actual).toBe(p1.endpointIp);
      const byRecord = await reverify(suite, tq, { instanceId, verify: NO_VERIFY, expected: expectedOf(outcome) });
      expect(byRecord.result.drifts.map(({ kind, portId, expected }) => ({ kind, portId, expected }))).toEqual([
        { kind: 'endpoint-missing', portId: p1.portId, expected: p1.endpointId },
        { kind: 'advertised-ip-dangling', portId: p1.portId, expected: p1.endpointIp },
      ]);

      const healed = await reverify(suite, tq, { instanceId, verify: VERIFY, heal: true, expected: expectedOf(outcome) });
      expect(healed.result.healed).toBe(true);
      expect(healed.result.health).toBe('healthy');
      expect(healed.result.drifts).toEqual([]);
      expect(healed.result.healActions?.join('\n')).toMatch(new RegExp(`ready for port ${p1.portId}`));
      await saveHistory(healed.handle, 'reverify-heal');
      await expectConsistent();
      const r = await resources(suite);
      expect(r.services).toHaveLength(3); // the port's service was reused, not duplicated
      expect(r.endpoints.some((e) => e.id === p1.endpointId)).toBe(false);
    });
  });

  it('drift (c): the removed security-group rule is found (data path broken); heal re-creates it', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provisioned(tq);
      const ruleId = outcome.result?.securityGroupRule?.ruleId;
      expect(ruleId).toBeTruthy();
      await suite.clients('default').vpc.deleteSecurityGroupRule(ruleId ?? '');

      const controlPlane = await reverify(suite, tq, { instanceId, verify: NO_VERIFY });
      expect(controlPlane.result.health).toBe('drifted');
      expect(controlPlane.result.drifts.map((d) => d.kind)).toEqual(['sg-rule-missing']);
      expect(controlPlane.result.drifts[0]?.detail).toMatch(new RegExp(suite.sandbox.ready.instances[0]?.securityGroupId ?? 'x'));

      const withData = await reverify(suite, tq, { instanceId, verify: VERIFY_SHORT });
      expect(withData.result.health).toBe('broken');
      expect(withData.health).toBe('broken');
      expect(withData.result.drifts.map((d) => d.kind).sort()).toEqual(['data-path', 'sg-rule-missing']);

      const healed = await reverify(suite, tq, { instanceId, verify: VERIFY, heal: true });
      expect(healed.result.beforeHeal?.health).toBe('broken');
      expect(healed.result.healed).toBe(true);
      expect(healed.result.health).toBe('healthy');
      expect(healed.result.drifts).toEqual([]);
      await expectConsistent();
      const rules = await suite.clients('default').vpc.listAllSecurityGroupRules({ direction: 'ingress' });
      expect(rules.filter((r) => r.port_range_min === 9011).map((r) => r.description)).toEqual([`crossvpc-access=${instanceId}`]);
    });
  });

  it('a scheduled check of a drifted access fails with AccessUnhealthy carrying the report (red in the schedule); the typed client still returns the report', async () => {
    const client: Client = suite.env.client;
    await withWorkers(suite, async (tq) => {
      const outcome = await provisioned(tq);
      await suite.clients('default').vpc.deleteSecurityGroupRule(outcome.result?.securityGroupRule?.ruleId ?? '');
      try {
        await upsertReverifySchedule(client, { instanceId, every: '1h', taskQueue: tq, args: { verify: NO_VERIFY, timeouts: FAST_TIMEOUTS } });
        await triggerReverifySchedule(client, instanceId);
        const run = await eventually(async () => (await describeReverifySchedule(client, instanceId)).recentRuns[0], 30_000, 'a scheduled run');
        const handle = client.workflow.getHandle(run.workflowId, run.runId);
        const failure = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        const cause = (failure as WorkflowFailedError).cause;
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect((cause as ApplicationFailure).type).toBe('AccessUnhealthy');
        expect((cause as ApplicationFailure).nonRetryable).toBe(true);
        expect(cause?.message).toMatch(new RegExp(`${instanceId} is drifted.*sg-rule-missing`));
        const report = (cause as ApplicationFailure).details?.[0] as ReverifyResult;
        expect(report.health).toBe('drifted');
        expect(report.drifts.map((d) => d.kind)).toEqual(['sg-rule-missing']);
        const wf = await handle.describe();
        expect(wf.status.name).toBe('FAILED');
        expect(wf.typedSearchAttributes.get(CrossVpcHealth)).toBe('drifted');
        expect((await describeReverifySchedule(client, instanceId)).lastHealth).toBe('drifted');
        await saveHistory(handle, 'reverify-unhealthy-fails');
        // The sandbox agrees: the rule is really gone (nothing healed it).
        expect((await resources(suite)).sgRules9011).toBe(0);

        // The typed client (and `crossvpc verify`) turns the failure back into the report.
        const cv = CrossVpcClient.fromClient(client, { taskQueue: tq });
        const v = await cv.verify({ instanceId, verify: NO_VERIFY, timeouts: FAST_TIMEOUTS });
        expect(v.status).toBe('completed');
        expect(v.error).toBeUndefined();
        expect(v.result?.health).toBe('drifted');
        expect(v.result?.drifts.map((d) => d.kind)).toEqual(['sg-rule-missing']);
      } finally {
        await deleteReverifySchedule(client, instanceId).catch(() => undefined);
      }
    });
  });
});
