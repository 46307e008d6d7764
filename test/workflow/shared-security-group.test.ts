/**
 * Two instances in one security group share one "TCP 9011 from 198.19.128.0/17" rule (the cloud refuses a
 * duplicate). No access ever breaks another: the rule goes only with the last access that needs it. Real Kafka.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeKafka } from '../../src/kafka/kafka-probe.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId, type TeardownResult } from '../../workflows/ops-input.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { defaultRequest, FAST_TIMEOUTS, provision, resources, startSuite, withWorkers, type Suite } from './support.js';

/** The default scenario plus a second, 2-broker instance in the same security group (own subnet). */
function twoInstancesOneGroup(): ScenarioInput {
  const s = structuredClone(defaultScenario) as ScenarioInput & { accounts: { vpcs?: { name: string; subnets: unknown[] }[]; kafkaInstances?: unknown[] }[] };
  const a = s.accounts[0];
  if (!a?.vpcs || !a.kafkaInstances) throw new Error('default scenario changed');
  a.vpcs[0]?.subnets.push({ name: 'kafka-subnet-2', cidr: '{prefix}.11.0/24' });
  a.kafkaInstances.push({ name: 'kafka-two', vpc: 'kafka-vpc', subnet: 'kafka-subnet-2', securityGroup: 'kafka-sg', brokers: 2, security: { protocol: 'PLAINTEXT' } });
  return { ...s, name: 'default+shared-sg' };
}

describe('a security group shared by two accesses', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true, scenario: twoInstancesOneGroup() });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  const bytesFlow = async (bootstrap: string): Promise<void> => {
    const r = await probeKafka({ bootstrapServers: bootstrap.split(','), security: { protocol: 'PLAINTEXT' }, topic: 'shared-sg-check', timeoutMs: 30_000 });
    expect(r.consumed).toBe(true);
  };
  const teardown = async (tq: string, instanceId: string): Promise<TeardownResult> => {
    const h = await suite.env.client.workflow.start(TEARDOWN_WORKFLOW_TYPE, { taskQueue: tq, workflowId: teardownWorkflowId(instanceId), args: [{ instanceId, timeouts: FAST_TIMEOUTS }] });
    return (await h.result()) as TeardownResult;
  };

  it('one torn down, the other re-run and rolled back: the remaining access still carries bytes; the last one out removes the rule', async () => {
    const [one, two] = suite.sandbox.ready.instances;
    if (!one || !two) throw new Error('two instances expected');
    expect(one.securityGroupId).toBe(two.securityGroupId);
    let bootstrapTwo = '';
    await withWorkers(suite, async (tq) => {
      const a = await provision(suite, tq, defaultRequest(suite, { instanceId: one.instanceId }));
      const b = await provision(suite, tq, defaultRequest(suite, { instanceId: two.instanceId }));
      expect(a.status, a.error?.message).toBe('verified');
      expect(b.status, b.error?.message).toBe('verified');
      expect(b.result?.created.securityGroupRule).toBeNull(); // the second found the first one's rule
      expect((await resources(suite)).sgRules9011).toBe(1);
      bootstrapTwo = b.bootstrapServers ?? '';

      const td = await teardown(tq, one.instanceId);
      expect(td.removed.securityGroupRules).toEqual([]);
      expect(td.leftAlone.join('\n')).toMatch(new RegExp(`still needed by the access of ${two.instanceId}`));
      expect((await resources(suite)).sgRules9011).toBe(1);
      await bytesFlow(bootstrapTwo);
    });

    // The second access re-run in another run, whose verification fails: rolled back to what it found.
    await withWorkers(
      suite,
      async (tq) => {
        const rerun = await provision(suite, tq, defaultRequest(suite, { instanceId: two.instanceId, verify: { attempts: 1, timeoutMs: 5_000 } }));
        expect(rerun.status).toBe('rolled_back');
        expect(rerun.error?.type).toBe(ErrorTypes.ProvisioningRolledBack);
        expect(rerun.error?.kept?.join('\n')).toMatch(/security-group rule .* \(there before this run\)/);
      },
      'crossvpc',
      {
        verifyDeps: {
          probe: async () => {
            throw new Error('injected verification failure');
          },
        },
      },
    );
    expect((await resources(suite)).sgRules9011).toBe(1);
    await bytesFlow(bootstrapTwo);

    await withWorkers(suite, async (tq) => {
      const td = await teardown(tq, two.instanceId);
      expect(td.removed.securityGroupRules).toHaveLength(1); // no access needs it any more
    });
    const r = await resources(suite);
    expect(r.sgRules9011).toBe(0);
    expect(r.endpoints).toEqual([]);
    expect(r.services).toEqual([]);
    for (const [l, a] of Object.entries(r.advertised)) expect(a, l).toBe(l);
  });
});
