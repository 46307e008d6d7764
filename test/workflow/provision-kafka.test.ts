/**
 * The provisioning workflow end to end against the sandbox WITH its real Kafka data plane: bytes really
 * flow through the endpoint IPs. One sandbox for the file (default scenario + a 5-broker instance).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { awaitAccessOutcome } from '../../src/temporal/access-client.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { portWorkflowId } from '../../workflows/input.js';
import {
  addFault,
  callCounts,
  count,
  crossAccountRequest,
  defaultRequest,
  provision,
  resetSandbox,
  resources,
  saveHistory,
  start,
  startSuite,
  withWorkers,
  type Suite,
} from './support.js';


/** The default scenario plus a 5-broker instance in account A (own subnet in the Kafka VPC). */
function scenarioWithFiveBrokers(): ScenarioInput {
  const s = structuredClone(defaultScenario) as ScenarioInput & { accounts: { vpcs?: { name: string; subnets: unknown[] }[]; kafkaInstances?: unknown[] }[] };
  const a = s.accounts[0];
  if (!a?.vpcs || !a.kafkaInstances) throw new Error('default scenario changed');
  a.vpcs[0]?.subnets.push({ name: 'kafka-subnet-5', cidr: '{prefix}.11.0/24' });
  a.kafkaInstances.push({ name: 'kafka-five', vpc: 'kafka-vpc', subnet: 'kafka-subnet-5', securityGroup: 'kafka-sg', brokers: 5, security: { protocol: 'PLAINTEXT' } });
  return { ...s, name: 'default+five' };
}

async function historyEvents(handle: WorkflowHandle): Promise<number> {
  return (await handle.fetchHistory()).events?.length ?? 0;
}

describe('provisionCrossVpcAccess with real Kafka', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true, scenario: scenarioWithFiveBrokers() });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  it('happy path: 3 brokers, same account → verified through the endpoint IPs', async () => {
    await withWorkers(suite, async (tq) => {
      const t0 = Date.now();
      const handle = await start(suite, tq, defaultRequest(suite));
      const outcome = await awaitAccessOutcome(handle);
      const wallMs = Date.now() - t0;
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('verified');
      expect(outcome.ports).toHaveLength(3);
      const ips = outcome.ports.map((p) => p.endpointIp);
      expect(outcome.bootstrapServers).toBe(ips.map((ip) => `${ip}:9011`).join(','));
      const v = outcome.result?.verification;
      expect(v?.consumed).toBe(true);
      expect(v?.brokers.map((b) => b.host).sort()).toEqual([...ips].sort());
      const r = await resources(suite);
      for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);

      // Children: one per port, deterministic ids. Save the success histories for the replay test.
      await saveHistory(handle, 'success-parent');
      const childEvents: number[] = [];
      for (const [i, p] of outcome.ports.entries()) {
        const child = suite.env.client.workflow.getHandle(portWorkflowId(handle.workflowId, p.portId));
        childEvents.push(await historyEvents(child));
        if (i === 0) await saveHistory(child, 'success-child');
      }
      const counts = await callCounts(suite);
      console.info(
        JSON.stringify({ figure: 'happy-path-test-timings', wallMs, parentEvents: await historyEvents(handle), childEvents, calls: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v])) }),
      );
    });
  });

  it('cross-account: the client account creates the endpoints, the service whitelists it', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, crossAccountRequest(suite));
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('verified');
      const counts = await callCounts(suite);
      expect(count(counts, 'vpcep.permissionsAction')).toBe(3);
      const b = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'B');
      for (const p of outcome.ports) expect(p.endpointIp?.startsWith(b?.cidr.split('.').slice(0, 3).join('.') ?? 'x')).toBe(true);
    });
  });

  it('a service with approval on: the child accepts its own endpoint (receive)', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { serviceApprovalEnabled: true }));
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('verified');
      const counts = await callCounts(suite);
      expect(count(counts, 'vpcep.connectionAction')).toBe(3);
    });
  });

  it('a 5-broker instance → 5 children, verified', async () => {
    const five = suite.sandbox.ready.instances.find((i) => i.brokers === 5);
    expect(five).toBeDefined();
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { instanceId: five?.instanceId ?? '' }));
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('verified');
      expect(outcome.ports).toHaveLength(5);
      expect(outcome.result?.verification?.brokers).toHaveLength(5);
      // Mapped by port id: every listener advertises the IP of the endpoint of its own port.
      const r = await resources(suite);
      for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
    });
  });

  it('verification fails (sandbox fault: the SG rule create lies with 409) → rolled back, original advertised IPs restored', async () => {
    await addFault(suite, { kind: 'error', match: { operation: 'vpc.createSecurityGroupRule' }, status: 409, code: 'SecurityGroupRuleExists', message: 'Security group rule already exists.' });
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: { timeoutMs: 8_000, attempts: 2 } }));
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe(ErrorTypes.ProvisioningRolledBack);
      expect(outcome.error?.failedStep).toBe('verifying through the endpoints');
      expect(outcome.error?.undone?.join('\n')).toMatch(/restored the advertised IPs the run had changed/);
      expect(outcome.error?.advertisedAfter).toEqual(Object.fromEntries(outcome.ports.map((p) => [p.listenerIp, p.listenerIp])));
      const r = await resources(suite);
      expect(r.services).toEqual([]);
      expect(r.endpoints).toEqual([]);
      for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised).toBe(listener);
    });
  });
});
