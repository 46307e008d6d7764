/**
 * A global cloud-API rate limit (docs/decisions/rate-limit.md): with a VPCEP limit set on the workers, a burst of
 * accesses never makes the sandbox see more VPCEP calls in any second than the limit — judged by its call log —
 * and every access still ends verified (bytes through the endpoint IPs) with no throttling error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleScenario } from '../../src/sandbox/scenario/scale-scenario.js';
import { admin, FAST_TIMEOUTS, provision, startSuite, withWorkers, type Suite } from './support.js';

const INSTANCES = 3;
const VPCEP_PER_SECOND = 12;
const BROKERS = 1;

describe('a global cloud-API rate limit', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true, scenario: scaleScenario({ instances: INSTANCES, brokers: BROKERS, delays: { serviceCreate: 500, endpointCreate: 500 } }) });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it(`a burst of ${INSTANCES} accesses with VPCEP limited to ${VPCEP_PER_SECOND}/s: never more in any second, all verified`, async () => {
    const ready = suite.sandbox.ready;
    const net = ready.clientNetworks.find((n) => n.account === 'A');
    if (!net) throw new Error('client network expected');
    await withWorkers(
      suite,
      async (tq) => {
        // The server learns a queue's rate from its pollers, partition by partition: a burst in the first
        // moments of the very first worker could pass before every partition knows it (docs/decisions/rate-limit.md).
        await new Promise((r) => setTimeout(r, 3_000));
        const outcomes = await Promise.all(
          ready.instances.map((inst) =>
            provision(suite, tq, { instanceId: inst.instanceId, clientVpcId: net.vpcId, clientSubnetId: net.subnetId, clientSubnetCidr: net.cidr, timeouts: FAST_TIMEOUTS, verify: { timeoutMs: 30_000, attempts: 2 } }),
          ),
        );
        for (const o of outcomes) expect(o.result?.status, o.error?.message).toBe('verified');
      },
      'rate',
      { cloudRates: { vpcep: VPCEP_PER_SECOND } },
    );
    const { calls } = await admin<{ calls: { at: string; service: string; status: string; operation: string }[] }>(suite, 'GET', '/admin/calls?limit=5000');
    const vpcep = calls.filter((c) => c.service === 'vpcep').sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    expect(vpcep.length).toBeGreaterThan(INSTANCES * BROKERS * 5);
    expect(calls.filter((c) => c.status === '429'), 'throttled calls').toEqual([]);
    if (process.env.DEBUG_RATE) process.stderr.write(`${vpcep.map((c) => `${c.at.slice(17)} ${c.operation}`).join('\n')}\n`);
    // In any sliding second, baseline reads included: at most the limit.
    expect(busiestSecond(vpcep), 'VPCEP calls in the busiest second').toBeLessThanOrEqual(VPCEP_PER_SECOND);
    // The baseline reads went on over several attempts (two look-ups each), each a task through the limit.
    // Both quotas of the one account in one call per access (docs/decisions/api-calls.md), once, not per attempt.
    expect(vpcep.filter((c) => c.operation === 'vpcep.getQuotas')).toHaveLength(INSTANCES);
  });
});

function busiestSecond(calls: readonly { at: string }[]): number {
  const times = calls.map((c) => Date.parse(c.at));
  let worst = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= 1_000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
}
