/**
 * A slow and a throttled cloud, without Kafka: creates that outlive their activity's timeout never leave a
 * second copy; DMS flow control (DMS.10240407, sent as HTTP 404) is never read as "instance gone". Judged by
 * the sandbox's state.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId, type TeardownResult } from '../../workflows/ops-input.js';
import { addFault, callCounts, defaultRequest, eventually, FAST_TIMEOUTS, provision, resetSandbox, resources, startSuite, withWorkers, type Suite } from './support.js';

const NO_VERIFY = { enabled: false };
/** Activities time out after 3 s; a create answers after 5.5 s (and commits then, as a real backend would). */
const SLOW = { ...FAST_TIMEOUTS, activityMs: 3_000, heartbeatMs: 1_000, inDoubtMs: 12_000 };

describe('a slow and a throttled cloud', () => {
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

  for (const operation of ['vpcep.createEndpoint', 'vpcep.createEndpointService']) {
    it(`${operation} slower than the activity timeout → exactly one per port; the outcome names what exists`, async () => {
      await addFault(suite, { kind: 'latency', match: { operation }, ms: 5_500, times: 3 });
      await withWorkers(suite, async (tq) => {
        const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, timeouts: SLOW }));
        expect(outcome.result?.status, outcome.error?.message).toBe('unverified');
        // Any late commit has landed by now (5.5 s after each request).
        await new Promise((r) => setTimeout(r, 6_000));
        const r = await resources(suite);
        expect(r.services.map((s) => s.id).sort()).toEqual(outcome.ports.map((p) => p.serviceId).sort());
        expect(r.endpoints.filter((e) => e.status !== 'deleting').map((e) => e.id).sort()).toEqual(outcome.ports.map((p) => p.endpointId).sort());
        for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
        const calls = await callCounts(suite);
        expect(Object.values(calls[operation] ?? {}).reduce((a, b) => a + b, 0), `${operation} calls`).toBe(3);
      });
    });
  }

  it('DMS throttled (DMS.10240407 as 404) during the teardown’s read → retried; advertised IPs restored; clean', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.result?.status).toBe('unverified');
      await addFault(suite, { kind: 'throttle', style: 'dms', match: { operation: 'dms.getInstance' }, times: 2 });
      const td = await suite.env.client.workflow.start(TEARDOWN_WORKFLOW_TYPE, {
        taskQueue: tq,
        workflowId: teardownWorkflowId(instanceId),
        args: [{ instanceId, timeouts: FAST_TIMEOUTS }],
      });
      const result = (await td.result()) as TeardownResult;
      expect(result.restoredAdvertisedIps).toBe(true);
      expect(Object.keys(result.restored)).toHaveLength(3);
      const calls = await callCounts(suite);
      expect(calls['dms.getInstance']?.['404'], 'throttled reads (DMS flow control comes as 404)').toBeGreaterThanOrEqual(2);
      await eventually(async () => (await resources(suite)).endpoints.length === 0, 30_000, 'endpoints gone');
      const r = await resources(suite);
      expect(r.services).toEqual([]);
      expect(r.sgRules9011).toBe(0);
      for (const [l, a] of Object.entries(r.advertised)) expect(a, l).toBe(l);
    });
  });
});
