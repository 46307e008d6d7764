/**
 * The typed client (src/client) against the real dev server and a sandbox with real Kafka: it starts an
 * access, follows its per-port progress to the final outcome, joins a running access, reports not-found and
 * invalid input as CrossVpcErrors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { CrossVpcClient, CrossVpcError, type AccessProgress } from '../../src/client/index.js';
import { defaultRequest, resetSandbox, withWorkers, type Suite } from '../workflow/support.js';
import { startCliSuite } from '../cli/support.js';

describe('CrossVpcClient', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startCliSuite({ kafka: true });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  it('starts and follows an access: per-port progress, then the verified outcome', async () => {
    await withWorkers(suite, async (tq) => {
      const cv = await CrossVpcClient.connect({ address: inject('temporalAddress'), namespace: 'default', taskQueue: tq, env: {} });
      try {
        const req = defaultRequest(suite);
        const handle = await cv.startAccess(req);
        expect(handle).toMatchObject({ instanceId: req.instanceId, workflowId: `crossvpc-${req.instanceId}`, joined: false });
        const joined = await cv.startAccess(req);
        expect(joined.runId).toBe(handle.runId);
        expect(joined.joined).toBe(true);

        const updates: AccessProgress[] = [];
        const outcome = await cv.followProgress(req.instanceId, (p) => updates.push(p), { intervalMs: 100 });
        expect(outcome.status).toBe('verified');
        expect(outcome.runId).toBe(handle.runId);
        expect(outcome.ports).toHaveLength(3);

        const phases = updates.map((u) => u.phase);
        expect(phases).toContain('provisioning-endpoints');
        expect(phases[phases.length - 1]).toBe('verified');
        // Per-port progress: some update shows ports still in flight, and the last shows all ready.
        expect(updates.some((u) => u.ports.length === 3 && u.ports.some((p) => p.status !== 'ready'))).toBe(true);
        const last = updates[updates.length - 1];
        expect(last?.ports.map((p) => p.status)).toEqual(['ready', 'ready', 'ready']);
        expect(last?.bootstrapServers).toBe(outcome.bootstrapServers);
        // No two consecutive updates are identical.
        for (let i = 1; i < updates.length; i++) expect(JSON.stringify(updates[i])).not.toBe(JSON.stringify(updates[i - 1]));

        const status = await cv.describeAccess(req.instanceId);
        expect(status).toMatchObject({ workflowStatus: 'COMPLETED', progress: { phase: 'verified' }, outcome: { status: 'verified' } });
        expect((await cv.waitForOutcome(req.instanceId)).status).toBe('verified');
      } finally {
        await cv.close();
      }
    });
  });

  it('errors: invalid input names the field, unknown instance is NotFound, bad address is ConfigError', async () => {
    const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: 'nobody-polls-this' });
    const bad = await cv.startAccess({ ...defaultRequest(suite), clientSubnetId: '' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CrossVpcError);
    expect(bad).toMatchObject({ code: 'InvalidInput', field: 'clientSubnetId' });

    const missing = await cv.getProgress('no-such-instance-zz').catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'NotFound', apiCode: 'NOT_FOUND', field: 'instanceId' });
    expect((missing as CrossVpcError).hint).toContain('instance id');

    const badSchedule = await cv.scheduleReverification({ every: '1 fortnight', reverify: { instanceId: 'x' } }).catch((e: unknown) => e);
    expect(badSchedule).toMatchObject({ code: 'InvalidInput', field: 'every' });

    const config = await CrossVpcClient.connect({ address: 'nowhere', env: {} }).catch((e: unknown) => e);
    expect(config).toMatchObject({ code: 'ConfigError', field: 'TEMPORAL_ADDRESS' });
  });
});
