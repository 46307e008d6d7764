/**
 * "The cloud is unreachable for 30 s" in the middle of provisioning: the sandbox (real Kafka data plane) is
 * stopped while the endpoint services are being created, and started again 30 s later from its state file — the
 * same cloud on the same addresses and ports. The access must converge: verified through the endpoint IPs, with
 * exactly one service and one endpoint per broker port (nothing created twice), judged by the restarted
 * sandbox's state and call log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitAccessOutcome } from '../../src/temporal/access-client.js';
import { callCounts, count, defaultRequest, eventually, FAST_TIMEOUTS, resources, restartSandbox, start, startSuite, withWorkers, type Suite } from './support.js';

const OUTAGE_MS = 30_000;

describe('a sandbox restart (state file) mid-provisioning', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true, stateFile: join(mkdtempSync(join(tmpdir(), 'crossvpc-restart-')), 'cloud.json') });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('the cloud is unreachable for 30 s while the services are being created → the access converges, verified', async () => {
    await withWorkers(suite, async (tq) => {
      // Retries as in production (1 s, doubling): a 30 s outage is inside the activities' retry budget; the
      // poll deadline covers the outage plus the restart of the Kafka brokers.
      const timeouts = { ...FAST_TIMEOUTS, retryInitialMs: 1_000, deadlineMs: 240_000, compensationDeadlineMs: 120_000 };
      const handle = await start(suite, tq, defaultRequest(suite, { timeouts }));
      const before = await eventually(async () => {
        const r = await resources(suite);
        return r.services.length > 0 ? r : undefined;
      }, 60_000, 'the first endpoint service');
      const stoppedAt = Date.now();
      await restartSandbox(suite, OUTAGE_MS);
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(OUTAGE_MS);
      expect(suite.sandbox.stateFile?.resumed).toBe(true);

      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('verified');
      expect(outcome.ports).toHaveLength(3);

      const after = await resources(suite);
      expect(after.services).toHaveLength(3);
      expect(after.endpoints).toHaveLength(3);
      expect(after.endpoints.every((e) => e.status === 'accepted')).toBe(true);
      // What existed before the outage was found again, not created a second time.
      for (const s of before.services) expect(after.services.map((x) => x.id)).toContain(s.id);
      for (const p of outcome.ports) expect(after.advertised[p.listenerIp]).toBe(p.endpointIp);
      expect(after.sgRules9011).toBe(1);
      // The restarted cloud answered the rest of the run.
      const counts = await callCounts(suite);
      expect(count(counts, 'dms.modifyCrossVpc')).toBeGreaterThanOrEqual(1);
      expect(count(counts, 'vpcep.createEndpointService')).toBeLessThanOrEqual(3 - before.services.length);
    });
    // A 30 s outage, the brokers' restart and the production retry backoff (1 s doubling) after it: longer
    // than the suite's 120 s default on a loaded 2-core machine, yet bounded by the run's own 240 s deadline.
  }, 300_000);
});
