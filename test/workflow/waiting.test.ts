/**
 * Waiting follows the cloud (docs/decisions/waiting.md): once a worker has seen how long a kind of resource
 * takes to settle, the next one settling at that time is noticed within one step (1 % of the settle time, at
 * least 250 ms) — judged by the sandbox: the moment it set the resource's status (its `updatedAt`) against its
 * call log's first GET of that resource after it. Each wait is one activity: a port's history stays small. In a
 * steady cloud a wait looks first where the last ones settled: one or two looks per resource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import { portWorkflowId } from '../../workflows/input.js';
import { admin, defaultRequest, FAST_TIMEOUTS, patchIds, provision, resetSandbox, saveHistory, startSuite, withWorkers, type Suite } from './support.js';

const SETTLE_MS = 3_000;
/** A cold schedule that would notice a 3 s settle late: looks at 0.3, 0.6, 1.2, 2.4, 4.8 s. */
const TIMEOUTS = { ...FAST_TIMEOUTS, firstPollMs: 300, maxPollMs: 10_000, backoffCoefficient: 2 };
/** The documented bound (one step) plus the look's own scheduling on a loaded 2-core machine. */
const BOUND_MS = 250 + 350;

interface Call { at: string; path: string; operation: string }
interface Dumped { id: string; updatedAt: string }

async function lateness(suite: Suite): Promise<{ id: string; lateMs: number }[]> {
  const state = await admin<{ accounts: { projects: { endpointServices: Dumped[]; endpoints: Dumped[] }[] }[] }>(suite, 'GET', '/admin/state');
  const calls = (await admin<{ calls: Call[] }>(suite, 'GET', '/admin/calls?limit=5000')).calls;
  const settled = state.accounts.flatMap((a) => a.projects.flatMap((p) => [...p.endpointServices, ...p.endpoints]));
  return settled.map((r) => {
    const settledAt = Date.parse(r.updatedAt);
    const look = calls.find((c) => c.path.endsWith(`/${r.id}`) && (c.operation === 'vpcep.getEndpointService' || c.operation === 'vpcep.getEndpoint') && Date.parse(c.at) >= settledAt);
    return { id: r.id, lateMs: look ? Date.parse(look.at) - settledAt : Infinity };
  });
}

describe('waiting for a resource to settle', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false, scenario: { ...defaultScenario, name: 'settle-3s', delays: { serviceCreate: SETTLE_MS, serviceUpdate: 100, serviceDelete: 300, endpointCreate: SETTLE_MS, endpointDelete: 300 } } });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('a resource settling at a known time is noticed within one step of it; one activity per wait', async () => {
    await withWorkers(suite, async (tq) => {
      // A first access teaches the worker the settle times (its cold schedule notices them late).
      const first = await provision(suite, tq, defaultRequest(suite, { verify: { enabled: false }, timeouts: TIMEOUTS }));
      expect(first.error?.type).toBe('Unverified');
      const coldLate = await lateness(suite);
      expect(coldLate).toHaveLength(6);

      await resetSandbox(suite);
      const second = await provision(suite, tq, defaultRequest(suite, { verify: { enabled: false }, timeouts: TIMEOUTS }));
      expect(second.error?.type).toBe('Unverified');
      const late = await lateness(suite);
      expect(late).toHaveLength(6);
      for (const r of late) expect(r.lateMs, `${r.id} noticed ${r.lateMs} ms after it settled (cold: ${JSON.stringify(coldLate.map((x) => x.lateMs))})`).toBeLessThanOrEqual(BOUND_MS);

      // One wait, one activity: a port child's history does not grow with the number of looks.
      const handle = suite.env.client.workflow.getHandle(`crossvpc-${suite.sandbox.ready.instances[0]?.instanceId ?? ''}`);
      const port = second.ports[0];
      expect(port).toBeDefined();
      const child = suite.env.client.workflow.getHandle(portWorkflowId(handle.workflowId, port?.portId ?? ''));
      const events = (await child.fetchHistory()).events ?? [];
      // Replay fixtures of the one-activity wait path (patched 'wait-in-one-activity', the cloud task queues).
      await saveHistory(handle, 'await-settled-parent');
      await saveHistory(child, 'await-settled-child');
      expect(events.filter((e) => e.timerStartedEventAttributes).length, 'durable timers in a port').toBe(0);
      expect(events.length).toBeLessThanOrEqual(60);

      // A steady cloud (the brackets seen overlap, at most two steps wide): the next waits look first where
      // the last ones settled — one or two looks per resource, still within the bound.
      await resetSandbox(suite);
      const third = await provision(suite, tq, defaultRequest(suite, { verify: { enabled: false }, timeouts: TIMEOUTS }));
      expect(third.error?.type).toBe('Unverified');
      const steady = await lateness(suite);
      for (const r of steady) expect(r.lateMs, `${r.id} noticed ${r.lateMs} ms after it settled (steady)`).toBeLessThanOrEqual(BOUND_MS);
      const looks = (await admin<{ calls: Call[] }>(suite, 'GET', '/admin/calls?limit=5000')).calls.filter((c) => c.operation === 'vpcep.getEndpointService' || c.operation === 'vpcep.getEndpoint');
      expect(looks.length, 'status looks of 6 resources').toBeLessThanOrEqual(6 * 2);
      // A port whose creates skipped their find (patched 'fresh-creates') and whose endpoint was its run's only
      // create, answered on the first attempt: no reconcile list in the cloud's call log, none in the child's history
      // (patched 'one-create-no-reconcile'); its replay fixture. The same run's fixture from before that patch,
      // fresh-creates-child.json, is not re-recorded here: this code no longer makes that history.
      const thirdChild = suite.env.client.workflow.getHandle(portWorkflowId(handle.workflowId, third.ports[0]?.portId ?? ''));
      const calls = (await admin<{ calls: Call[] }>(suite, 'GET', '/admin/calls?limit=5000')).calls;
      expect(calls.filter((c) => c.operation === 'vpcep.createEndpoint')).toHaveLength(3);
      expect(calls.filter((c) => c.operation === 'vpcep.listEndpoints')).toHaveLength(0);
      const thirdHistory = await thirdChild.fetchHistory();
      expect(patchIds(thirdHistory)).toContain('one-create-no-reconcile');
      const thirdEvents = thirdHistory.events ?? [];
      expect(thirdEvents.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reconcilePortEndpoints')).toHaveLength(0);
      await saveHistory(thirdChild, 'one-create-child');
    });
  });
});
