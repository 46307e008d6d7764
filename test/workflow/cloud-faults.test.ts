/**
 * How the product handles the cloud faults of issue 13, on the real Temporal dev server against the sandbox
 * (control plane, no Kafka), judged by the sandbox's own state and call log:
 * - crossvpc/modify answering 200 without applying, or success:false for a broker → a clear failure, rolled back;
 * - DMS.00400026 while the instance is briefly not RUNNING → retried (waiting for RUNNING), then it succeeds;
 * - a VPCEP quota used up → the first create says which quota, nothing is left behind.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { run as runProvisionCli } from '../../src/cli/commands/provision.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { addFault, admin, callCounts, count, defaultRequest, FAST_TIMEOUTS, provision, resetSandbox, resources, startSuite, withWorkers, type Suite } from './support.js';

const NO_VERIFY = { enabled: false };
/** Short retries: a fault that never clears exhausts the forward retry policy (8 attempts) in about a second. */
const QUICK_RETRIES = { ...FAST_TIMEOUTS, retryInitialMs: 50 };

interface CallRecord {
  at: string;
  operation: string;
  status: string;
  faults: string[];
}
const calls = async (suite: Suite, operation: string): Promise<CallRecord[]> =>
  (await admin<{ calls: CallRecord[] }>(suite, 'GET', `/admin/calls?operation=${operation}&limit=5000`)).calls;

async function expectNothingLeft(suite: Suite): Promise<void> {
  await suite.sandbox.idle();
  const r = await resources(suite);
  expect(r.services, 'endpoint services left').toEqual([]);
  expect(r.endpoints, 'endpoints left').toEqual([]);
  expect(r.sgRules9011, 'security-group rules on 9011 left').toBe(0);
  for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised, `advertised IP of ${listener}`).toBe(listener);
}

describe('the product against cloud faults (issue 13)', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  it('crossvpc/modify answers 200 but does not apply → ListenerUpdateFailed naming the broker, rolled back', async () => {
    await addFault(suite, { id: 'not-applied', kind: 'crossvpc-not-applied', match: { operation: 'dms.modifyCrossVpc' } });
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, timeouts: QUICK_RETRIES }));
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error).toMatchObject({ type: ErrorTypes.ProvisioningRolledBack, causeType: ErrorTypes.ListenerUpdateFailed });
      const listener = suite.sandbox.ready.instances[0]?.listeners[0]?.listenerIp ?? '';
      expect(outcome.error?.message).toMatch(/updating the advertised IPs failed/);
      expect(outcome.error?.message).toContain(`${listener} advertises ${listener} instead of`);
    });
    // Each attempt read the instance back and found the change missing; every answer was a 200 with the fault.
    const modifies = await calls(suite, 'dms.modifyCrossVpc');
    expect(modifies.length).toBeGreaterThanOrEqual(2);
    expect(modifies.every((c) => c.status === '200' && c.faults.includes('not-applied'))).toBe(true);
    await expectNothingLeft(suite);
  });

  it('crossvpc/modify answers success:false for one broker → the failure names it; the brokers that moved are moved back', async () => {
    await addFault(suite, { id: 'partial', kind: 'crossvpc-partial', brokers: [1], match: { operation: 'dms.modifyCrossVpc' } });
    const failing = suite.sandbox.ready.instances[0]?.listeners[1]?.listenerIp ?? '';
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, timeouts: QUICK_RETRIES }));
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error).toMatchObject({ type: ErrorTypes.ProvisioningRolledBack, causeType: ErrorTypes.ListenerUpdateFailed });
      expect(outcome.error?.message).toContain(`did not succeed for broker(s) ${failing}`);
      expect(outcome.error?.undone?.some((u) => /^restored the .*advertised IPs/.test(u)), JSON.stringify(outcome.error?.undone)).toBe(true);
    });
    // Brokers 0 and 2 did move (the fault lets them), and the compensation moved them back.
    const modifies = await calls(suite, 'dms.modifyCrossVpc');
    expect(modifies.length).toBeGreaterThanOrEqual(3);
    await expectNothingLeft(suite);
  });

  it('DMS.00400026 (instance briefly not RUNNING) → retried after waiting for RUNNING, then the access is made', async () => {
    await addFault(suite, { id: 'busy', kind: 'instance-not-running', status: 'RESTARTING', ms: 1_500, when: 'before', times: 1, match: { operation: 'dms.modifyCrossVpc' } });
    const t0 = Date.now();
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.error?.type, JSON.stringify(outcome.error)).toBe('Unverified'); // provisioned; verification is off here
      const r = await resources(suite);
      for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
    });
    const modifies = await calls(suite, 'dms.modifyCrossVpc');
    expect(modifies.map((c) => c.status)).toEqual(['400', '200']);
    // The retry came only once the instance was RUNNING again (the product waited for it, it did not hammer).
    const refusedAt = Date.parse(modifies[0]?.at ?? '');
    expect(Date.parse(modifies[1]?.at ?? '') - refusedAt).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const state = await admin<{ accounts: { projects: { kafkaInstances: { status: string }[] }[] }[] }>(suite, 'GET', '/admin/state');
    expect(state.accounts.flatMap((a) => a.projects.flatMap((p) => p.kafkaInstances.map((i) => i.status)))).toEqual(['RUNNING']);
  });

  it('a change that leaves the instance briefly not RUNNING → the product confirms only once it is RUNNING again', async () => {
    await addFault(suite, { id: 'busy-after', kind: 'instance-not-running', status: 'RESTARTING', ms: 2_000, when: 'after', times: 1, match: { operation: 'dms.modifyCrossVpc' } });
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.error?.type).toBe('Unverified');
    });
    const [modify] = await calls(suite, 'dms.modifyCrossVpc');
    expect(modify?.status).toBe('200');
    const reads = (await calls(suite, 'dms.getInstance')).filter((c) => Date.parse(c.at) > Date.parse(modify?.at ?? ''));
    // Read back while RESTARTING, and again until the window closed: the last read is after it.
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(Date.parse(reads.at(-1)?.at ?? '') - Date.parse(modify?.at ?? '')).toBeGreaterThanOrEqual(1_900);
  });

  it('endpoint-service quota used up → the preflight refuses naming the quota; nothing is created', async () => {
    await addFault(suite, { id: 'quota', kind: 'quota-exceeded', resource: 'endpoint_service', match: { account: 'A' } });
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.type).toBe(ErrorTypes.PreflightFailed);
      expect(outcome.error?.message).toMatch(/instanceCredentials: the endpoint-service quota of the instance account is too small: 0 of 0 used, this access needs 3 more/);
    });
    const counts = await callCounts(suite);
    expect(count(counts, 'vpcep.getQuotas')).toBeGreaterThanOrEqual(1);
    expect(count(counts, 'vpcep.createEndpointService')).toBe(0);
    await expectNothingLeft(suite);
  });

  it('endpoint-service quota taken between the preflight and the create → the first create reports QuotaExceeded naming the quota; nothing is left', async () => {
    // GET /quotas reported room to the preflight; someone else takes it before our creates, which the cloud refuses.
    await addFault(suite, { id: 'quota', kind: 'error', status: 400, code: 'Endpoint.1018', message: 'Quota exceeded.', match: { operation: 'vpcep.createEndpointService' } });
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('rolled_back');
      expect(outcome.error?.causeType).toBe(ErrorTypes.QuotaExceeded);
      expect(outcome.error?.message).toMatch(/VPCEP endpoint_service quota exceeded \(Endpoint\.1018: Quota exceeded\.\): 0 of \d+ in use; delete unused endpoint services or ask for a higher quota/);
    });
    const counts = await callCounts(suite);
    // One create per port, each refused once and not retried; no endpoint was attempted.
    expect(counts['vpcep.createEndpointService']).toEqual({ '400': 3 });
    expect(count(counts, 'vpcep.createEndpoint')).toBe(0);
    await expectNothingLeft(suite);
  });

  it('endpoint quota taken after the preflight → QuotaExceeded for endpoints; the services created before are removed (CLI exit 3)', async () => {
    await addFault(suite, { id: 'quota', kind: 'error', status: 400, code: 'Endpoint.1018', message: 'Quota exceeded.', match: { operation: 'vpcep.createEndpoint' } });
    const req = defaultRequest(suite);
    await withWorkers(suite, async (tq) => {
      const out: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        out.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      let code: number;
      const savedAddress = process.env.TEMPORAL_ADDRESS;
      process.env.TEMPORAL_ADDRESS = inject('temporalAddress');
      try {
        code = await runProvisionCli([
          '--task-queue', tq,
          '--instance-id', req.instanceId, '--client-vpc-id', req.clientVpcId, '--client-subnet-id', req.clientSubnetId,
          '--wait', '--json',
        ]);
      } finally {
        process.stdout.write = write;
        if (savedAddress === undefined) delete process.env.TEMPORAL_ADDRESS;
        else process.env.TEMPORAL_ADDRESS = savedAddress;
      }
      expect(code).toBe(3);
      const json = JSON.parse(out.join('')) as { status: string; error: { type: string; causeType?: string; message: string } };
      expect(json.status).toBe('rolled_back');
      expect(json.error).toMatchObject({ type: ErrorTypes.ProvisioningRolledBack, causeType: ErrorTypes.QuotaExceeded });
      expect(json.error.message).toMatch(/VPCEP endpoint quota exceeded .*: 0 of \d+ in use; delete unused endpoints or ask for a higher quota/);
    });
    const counts = await callCounts(suite);
    expect(counts['vpcep.createEndpoint']).toEqual({ '400': 3 });
    expect(counts['vpcep.createEndpointService']).toEqual({ '200': 3 });
    await expectNothingLeft(suite);
  });
});
