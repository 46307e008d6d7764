/**
 * Nothing is created until everything checkable is checked: the preflight (client network, credentials, quotas,
 * advertised-IP ownership) and `plan` (what provisioning would do), against the sandbox without Kafka. Judged by
 * the sandbox's call log: no create or modify call on any refused request or plan.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrossVpcClient } from '../../src/client/index.js';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import { createCrossVpcWorkers } from '../../worker/worker.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { TO_BE_ASSIGNED } from '../../workflows/plan.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';
import { callCounts, defaultRequest, provision, resetSandbox, startSuite, withWorkers, type Suite } from './support.js';

const NO_VERIFY = { enabled: false };
const WRITES = /\.(create|delete|modify|insert|remove|update|add|permissionsAction|connectionAction)/i;

describe('preflight and plan', () => {
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

  const writes = async (): Promise<string[]> => Object.keys(await callCounts(suite)).filter((op) => WRITES.test(op) && !op.startsWith('iam.'));
  const nets = () => {
    const a = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'A');
    const b = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'B');
    const inst = suite.sandbox.ready.instances[0];
    if (!a || !b || !inst) throw new Error('default scenario expected');
    return { a, b, inst };
  };

  it('plan on the default scenario: 3 ports to create, the rule to create, the switch by port id "to be assigned"; nothing created', async () => {
    await withWorkers(suite, async (tq) => {
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      const plan = await cv.plan(defaultRequest(suite));
      expect(plan.ok).toBe(true);
      expect(plan.problems).toEqual([]);
      expect(plan.ports).toHaveLength(3);
      for (const p of plan.ports) {
        expect(p.service.action).toBe('create');
        expect(p.endpoint.action).toBe('create');
        expect(p.whitelist.action).toBe('not-needed');
        expect(p.advertised).toEqual({ before: p.listenerIp, after: TO_BE_ASSIGNED });
      }
      expect(plan.securityGroupRule.action).toBe('create');
      expect(await writes()).toEqual([]);

      // After a provisioning, the plan adopts everything and the switch changes nothing.
      const o = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(o.result?.status).toBe('unverified');
      const again = await cv.plan(defaultRequest(suite));
      for (const p of again.ports) {
        expect(p.service.action).toBe('adopt');
        expect(p.endpoint.action).toBe('adopt');
        expect(p.advertised.after).toBe(p.advertised.before);
        expect(p.advertised.after).toBe(o.ports.find((x) => x.portId === p.portId)?.endpointIp);
      }
      expect(again.securityGroupRule.action).toBe('present');
    });
  });

  it('plan on an instance whose brokers advertise foreign IPs says so (ok only with force)', async () => {
    const { inst } = nets();
    const entries = (await suite.clients('default').dms.getInstance(inst.instanceId)).crossVpcEntries;
    const prefix = entries[0]?.listenerIp.split('.').slice(0, 2).join('.') ?? '';
    await suite.clients('default').dms.modifyCrossVpc(inst.instanceId, { [entries[0]?.listenerIp ?? '']: `${prefix}.2.249` });
    await withWorkers(suite, async (tq) => {
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      const plan = await cv.plan(defaultRequest(suite));
      expect(plan.ok).toBe(false);
      expect(plan.foreignAdvertised).toEqual([{ listenerIp: entries[0]?.listenerIp, advertisedIp: `${prefix}.2.249` }]);
      expect((await cv.plan(defaultRequest(suite, { force: true }))).ok).toBe(true);
    });
  });

  const refusals: { name: string; request: (n: ReturnType<typeof nets>) => object; field: string; message: RegExp }[] = [
    { name: 'an unknown client VPC', request: () => ({ clientVpcId: 'no-such-vpc' }), field: 'clientVpcId', message: /does not exist/ },
    { name: 'an unknown client subnet', request: () => ({ clientSubnetId: 'no-such-subnet' }), field: 'clientSubnetId', message: /does not exist/ },
    { name: 'a subnet of another VPC', request: (n) => ({ clientSubnetId: n.inst.subnetId }), field: 'clientSubnetId', message: /belongs to VPC/ },
    { name: 'a subnet of another account', request: (n) => ({ clientVpcId: n.b.vpcId, clientSubnetId: n.b.subnetId }), field: 'clientVpcId', message: /does not exist in the account of credential set "default"/ },
    { name: 'a CIDR that is not the subnet’s', request: () => ({ clientSubnetCidr: '10.99.0.0/24' }), field: 'clientSubnetCidr', message: /is not the CIDR/ },
    { name: 'an unknown instance', request: () => ({ instanceId: 'no-such-instance' }), field: 'instanceId', message: /does not exist/ },
  ];
  for (const r of refusals) {
    it(`${r.name} → refused before anything is created, naming ${r.field} (provision and plan)`, async () => {
      await withWorkers(suite, async (tq) => {
        const request = defaultRequest(suite, { verify: NO_VERIFY, ...r.request(nets()) });
        const o = await provision(suite, tq, request);
        expect(o.status).toBe('failed');
        expect(o.error?.type).toBe(ErrorTypes.PreflightFailed);
        expect(o.error?.message).toMatch(new RegExp(`${r.field}: `));
        expect(o.error?.message).toMatch(r.message);
        expect(o.error?.message).toMatch(/what to do: /);
        const plan = await CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq }).plan(request);
        expect(plan.ok).toBe(false);
        expect(plan.problems.map((p) => p.field)).toContain(r.field);
      });
      expect(await writes()).toEqual([]);
    });
  }

  it('a full endpoint-service quota (GET /quotas) → refused before anything is created, naming the quota', async () => {
    const small = await startSuite({ kafka: false, scenario: { ...defaultScenario, name: 'small-quota', quotas: { endpointServices: 2, endpoints: 10 } } });
    try {
      await withWorkers(small, async (tq) => {
        const o = await provision(small, tq, defaultRequest(small, { verify: NO_VERIFY }));
        expect(o.error?.type).toBe(ErrorTypes.PreflightFailed);
        expect(o.error?.message).toMatch(/instanceCredentials: the endpoint-service quota of the instance account is too small: 0 of 2 used, this access needs 3 more/);
      });
      const counts = await callCounts(small);
      expect(Object.keys(counts).filter((op) => WRITES.test(op) && !op.startsWith('iam.'))).toEqual([]);
    } finally {
      await small.stop();
    }
  });

  it('a credential set the cloud refuses → refused, naming instanceCredentials', async () => {
    const bad = suite.otcConfig('default');
    const broken = createOtcClients({ ...bad, name: 'broken', credentials: { kind: 'aksk', ak: bad.credentials.kind === 'aksk' ? bad.credentials.ak : '', sk: 'not-the-secret-key-000000000000000000000' } });
    const taskQueue = uniqueTaskQueue('broken');
    const workers = await createCrossVpcWorkers({
      connection: suite.env.nativeConnection,
      taskQueue,
      activityDeps: { clients: (name) => (name === 'broken' ? broken : suite.clients(name)) },
      workflowBundle: { code: suite.bundle.code },
      shutdownGraceTime: '2s',
    });
    await workers.runUntil(async () => {
      const o = await provision(suite, taskQueue, defaultRequest(suite, { verify: NO_VERIFY, instanceCredentials: 'broken', clientCredentials: 'default' }));
      expect(o.error?.type).toBe(ErrorTypes.PreflightFailed);
      expect(o.error?.message).toMatch(/instanceCredentials: credential set "broken" is refused by the cloud/);
    });
    expect(await writes()).toEqual([]);
  });
});
