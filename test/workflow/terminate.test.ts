/**
 * What the operator guide promises about Terminate (reference temporal-ts-notes §0.3 asked for this test):
 * the port children run with ParentClosePolicy.REQUEST_CANCEL, so terminating the *access* makes every child
 * remove its own endpoint and endpoint service even though the parent's own compensation never runs; the
 * teardown workflow then finds whatever the parent left (here: the security-group rule) from the cloud.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitAccessOutcome } from '../../src/temporal/access-client.js';
import { parseTeardownInput, teardownWorkflowId, TEARDOWN_WORKFLOW_TYPE, type TeardownResult } from '../../workflows/ops-input.js';
import { addFault, defaultRequest, eventually, resetSandbox, resources, start, startSuite, withWorkers, type Suite } from './support.js';

describe('terminating an access (what "never terminate" is about)', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('children still remove their endpoints and services (REQUEST_CANCEL); the parent leaves its rule; teardown removes it', async () => {
    await resetSandbox(suite);
    // Endpoints stay `creating`, so the children are polling when the parent is terminated.
    await addFault(suite, { kind: 'async-stuck', match: { operation: 'vpcep.createEndpoint' } });
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: { enabled: false } }));
      await eventually(async () => (await resources(suite)).endpoints.length === 3 && (await resources(suite)).sgRules9011 === 1, 30_000, '3 endpoints and the SG rule');
      await handle.terminate('test: operator pressed Terminate');
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.type).toBe('Terminated');

      // Each child got a cancellation request from the server and rolled its own port back.
      await eventually(async () => {
        const r = await resources(suite);
        return r.endpoints.length === 0 && r.services.length === 0;
      }, 60_000, 'children to delete their endpoints and services');
      // The parent's own step was not undone: the rule it created is still there.
      expect((await resources(suite)).sgRules9011).toBe(1);

      // Teardown finds it from the cloud (not from the terminated history) and removes it.
      const parsed = parseTeardownInput({ instanceId: defaultRequest(suite).instanceId, timeouts: defaultRequest(suite).timeouts });
      if (!parsed.ok) throw new Error(parsed.message);
      const result = await suite.env.client.workflow.execute<(input: unknown) => Promise<TeardownResult>>(TEARDOWN_WORKFLOW_TYPE, {
        taskQueue: tq,
        workflowId: teardownWorkflowId(parsed.input.instanceId),
        args: [parsed.input],
      });
      expect(result.removed.securityGroupRules).toHaveLength(1);
      const after = await resources(suite);
      expect(after.sgRules9011).toBe(0);
      expect(after.endpoints).toEqual([]);
      expect(after.services).toEqual([]);
    });
  }, 180_000);
});
