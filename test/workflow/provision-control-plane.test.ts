/**
 * The provisioning workflow against the sandbox WITHOUT Kafka (tests that never reach a successful
 * verification): rollback paths, cancellation, idempotency, joining, bad input, lost responses.
 * Real Temporal dev server, real sandbox control plane, real OTC clients.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run as runProvisionCli } from '../../src/cli/commands/provision.js';
import { awaitAccessOutcome, PROVISION_WORKFLOW_TYPE } from '../../src/temporal/access-client.js';
import { progressQuery } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { accessWorkflowId, parseProvisionInput } from '../../workflows/input.js';
import {
  addFault,
  callCounts,
  count,
  defaultRequest,
  eventually,
  FAST_TIMEOUTS,
  patchIds,
  provision,
  resetSandbox,
  resources,
  saveHistory,
  start,
  startSuite,
  withWorkers,
  type Suite,
} from './support.js';

const NO_VERIFY = { enabled: false };

async function expectNothingLeft(suite: Suite): Promise<void> {
  const r = await resources(suite);
  expect(r.services, 'endpoint services left').toEqual([]);
  expect(r.endpoints, 'endpoints left').toEqual([]);
  expect(r.sgRules9011, 'security-group rules on 9011 left').toBe(0);
  for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised, `advertised IP of ${listener}`).toBe(listener);
}

async function waitPhase(handle: WorkflowHandle, phase: string): Promise<void> {
  await eventually(async () => (await handle.query(progressQuery)).phase === phase, 30_000, `phase ${phase}`);
}

describe('provisionCrossVpcAccess (control plane, no Kafka)', () => {
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

  it('provisions 3 ports (verification off); a re-run after success creates nothing', async () => {
    await withWorkers(suite, async (tq) => {
      const first = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(first.error?.type).toBe('Unverified');
      expect(first.result?.status).toBe('unverified');
      expect(first.ports).toHaveLength(3);
      const r1 = await resources(suite);
      expect(r1.services).toHaveLength(3);
      expect(r1.endpoints).toHaveLength(3);
      expect(r1.sgRules9011).toBe(1);
      // Advertised IPs = the endpoint IP of the same port (by port id).
      for (const p of first.ports) expect(r1.advertised[p.listenerIp]).toBe(p.endpointIp);
      const before = await callCounts(suite);
      // The calls of one default provisioning (3 ports, one account), by operation, from the sandbox's call log
      // (docs/decisions/api-calls.md). Pinned, so that a call more is a decision, not an accident. The status
      // looks of the waits depend on timing: at least one per resource.
      const { 'vpcep.getEndpointService': serviceLooks, 'vpcep.getEndpoint': endpointLooks, ...fixed } = Object.fromEntries(
        Object.keys(before)
          .filter((op) => !op.startsWith('iam.'))
          .map((op) => [op, count(before, op)]),
      );
      expect(fixed).toEqual({
        'dms.getInstance': 3, // the baseline; before and after the modify
        'dms.modifyCrossVpc': 1,
        'vpc.getSubnet': 1, // names the client VPC as its own: no getVpc
        'vpc.listSecurityGroupRules': 2, // the baseline; find before create
        'vpc.createSecurityGroupRule': 1,
        'vpc.listFirewalls': 2, // the baseline; the ACL step
        'vpcep.getQuotas': 1, // both quotas of the one account in one call
        'vpcep.listEndpointServices': 3, // the baseline, per port; the creates skip their look (nothing of that name)
        'vpcep.createEndpointService': 3,
        'vpcep.createEndpoint': 3,
        // No vpcep.listEndpoints: each endpoint is its run's only create, answered on the first attempt, so
        // there is no second one to reconcile (a create retried or in doubt is reconciled: fault matrix).
      });
      expect(serviceLooks).toBeGreaterThanOrEqual(3);
      expect(endpointLooks).toBeGreaterThanOrEqual(3);

      const second = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(second.runId).not.toBe(first.runId);
      const ids = (o: typeof first) => o.ports.map(({ portId, serviceId, endpointId, endpointIp }) => ({ portId, serviceId, endpointId, endpointIp }));
      expect(ids(second)).toEqual(ids(first));
      // The second run created nothing: everything is reported as there before it.
      expect(second.result?.created).toEqual({ services: [], endpoints: [], securityGroupRule: null, aclRules: [] });
      expect(second.result?.kept.length).toBeGreaterThanOrEqual(6);
      const after = await callCounts(suite);
      for (const op of ['vpcep.createEndpointService', 'vpcep.createEndpoint', 'vpc.createSecurityGroupRule', 'dms.modifyCrossVpc', 'vpcep.permissionsAction']) {
        expect(count(after, op), op).toBe(count(before, op));
      }
      const r2 = await resources(suite);
      expect(r2.services).toHaveLength(3);
      expect(r2.endpoints).toHaveLength(3);
    });
  });

  it("one child's endpoint goes failed → everything rolled back, zero resources left", async () => {
    await addFault(suite, { kind: 'async-fail', match: { operation: 'vpcep.createEndpoint' }, skip: 1, times: 1, errorCode: 'EndPoint.0001', errorMessage: 'injected failure' });
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe(ErrorTypes.ProvisioningRolledBack);
      expect(outcome.error?.message).toMatch(/failed/);
      expect(outcome.error?.message).toMatch(/Undone: /);
      expect(outcome.error?.undone?.length).toBeGreaterThan(0);
      await expectNothingLeft(suite);
      await saveHistory(handle, 'rollback-parent');
    });
  });

  it('cancellation while polling → rolled back', async () => {
    await addFault(suite, { kind: 'async-stuck', match: { operation: 'vpcep.createEndpoint' } });
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      await eventually(async () => (await resources(suite)).endpoints.length === 3, 30_000, '3 endpoints created');
      // Let the children do some looks.
      await new Promise((r) => setTimeout(r, 1_500));
      await handle.cancel();
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe('Cancelled');
      // Said from the run's report (the server's own message is only "Workflow canceled").
      expect(outcome.error?.message).toMatch(/^cancelled while provisioning the endpoints; undone: /);
      await expectNothingLeft(suite);
      await saveHistory(handle, 'cancelled-while-polling');
    });
  });

  it('the approval gate times out → rolled back with ApprovalTimeout, nothing left', async () => {
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true, timeouts: { ...FAST_TIMEOUTS, approvalTimeoutMs: 1_500 } }));
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.failedStep).toBe('waiting for approval');
      expect(outcome.error?.causeType).toBe(ErrorTypes.ApprovalTimeout);
      await expectNothingLeft(suite);
      await saveHistory(handle, 'approval-timed-out');
    });
  });

  it('cancellation while reading the instance → rolled back with nothing created', async () => {
    await addFault(suite, { kind: 'latency', match: { operation: 'dms.getInstance' }, ms: 4_000, times: 1 });
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      await waitPhase(handle, 'reading-instance');
      await handle.cancel();
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe('Cancelled');
      // The run's report says where it was and that there was nothing to undo (not a bare "cancelled").
      expect(outcome.error?.message).toBe('cancelled while reading the instance; nothing was created');
      expect(outcome.error).toMatchObject({ failedStep: 'reading the instance', undone: [], kept: [] });
      expect((await handle.describe()).searchAttributes.CrossVpcPhase).toEqual(['rolled_back']);
      // The patch id is part of every such history: pinned here as written (a renamed id breaks their replay).
      expect(patchIds(await handle.fetchHistory())).toContain('cancel-before-creating-reports');
      const counts = await callCounts(suite);
      // (the IAM token request is a POST that creates nothing in the cloud)
      const mutating = Object.keys(counts).filter((op) => !op.startsWith('iam.') && /\.(create|delete|update|modify|permissions|add|remove|associate|disassociate)/i.test(op));
      expect(mutating).toEqual([]);
      await expectNothingLeft(suite);
      // (cancelled-while-reading-instance.json holds a run from before the report patch: the bare cancellation.)
      await saveHistory(handle, 'cancelled-while-reading-instance-reported');
    });
  });

  it('cancellation during the listener update → rolled back, original advertised IPs restored', async () => {
    await addFault(suite, { kind: 'latency', match: { operation: 'dms.modifyCrossVpc' }, ms: 4_000, times: 1 });
    await withWorkers(suite, async (tq) => {
      const handle = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      await waitPhase(handle, 'updating-listeners');
      await new Promise((r) => setTimeout(r, 500));
      await handle.cancel();
      const outcome = await awaitAccessOutcome(handle);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe('Cancelled');
      await expectNothingLeft(suite);
      await saveHistory(handle, 'cancelled-during-listener-update');
    });
  });

  it('cancellation during the verification → rolled back, original advertised IPs restored', async () => {
    // A probe that would take its whole deadline: the run is in `verifying` until the cancel stops the wait.
    let probing = false;
    const slowProbe = (o: { timeoutMs: number }): Promise<never> => {
      probing = true;
      return new Promise((_, reject) => setTimeout(() => reject(new Error('injected: no answer from the brokers')), o.timeoutMs));
    };
    await withWorkers(
      suite,
      async (tq) => {
        const handle = await start(suite, tq, defaultRequest(suite, { verify: { attempts: 1, timeoutMs: 30_000 } }));
        await waitPhase(handle, 'verifying');
        await eventually(async () => probing, 30_000, 'the probe running');
        await handle.cancel();
        const outcome = await awaitAccessOutcome(handle);
        expect(outcome.status).toBe('rolled_back');
        expect(outcome.error?.type).toBe('Cancelled');
        expect(outcome.error?.failedStep).toBe('verifying through the endpoints');
        await expectNothingLeft(suite);
        await saveHistory(handle, 'cancelled-while-verifying');
      },
      'crossvpc',
      { verifyDeps: { probe: slowProbe } },
    );
  });

  it('a second start while running joins the same run', async () => {
    await addFault(suite, { kind: 'latency', match: { operation: 'dms.modifyCrossVpc' }, ms: 1_500, times: 1 });
    await withWorkers(suite, async (tq) => {
      const a = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      const b = await start(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(b.workflowId).toBe(accessWorkflowId(suite.sandbox.ready.instances[0]?.instanceId ?? ''));
      expect(b.firstExecutionRunId).toBe(a.firstExecutionRunId);
      const [oa, ob] = await Promise.all([awaitAccessOutcome(a), awaitAccessOutcome(b)]);
      expect(ob).toEqual(oa);
      const counts = await callCounts(suite);
      expect(count(counts, 'vpcep.createEndpointService')).toBe(3);
      expect(count(counts, 'vpcep.createEndpoint')).toBe(3);
    });
  });

  it('bad input → clear error naming the field, nothing created', async () => {
    // At the CLI/client edge.
    const parsed = parseProvisionInput({ instanceId: 'x', clientVpcId: 'v', timeouts: { firstPollMs: 'soon' } });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.fields).toEqual(expect.arrayContaining(['clientSubnetId', 'timeouts.firstPollMs']));
      expect(parsed.message).toMatch(/clientSubnetId/);
    }
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runProvisionCli(['--instance-id', 'bad id!', '--client-vpc-id', 'v', '--client-subnet-id', 's', '--wait', '--json']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(2);
    const out = JSON.parse(lines.join('')) as { status: string; error: { message: string; fields: string[] } };
    expect(out.status).toBe('failed');
    expect(out.error.fields).toContain('instanceId');
    expect(out.error.message).toMatch(/instanceId/);

    // At the workflow edge (a client that skipped validation).
    await withWorkers(suite, async (tq) => {
      const handle = await suite.env.client.workflow.start(PROVISION_WORKFLOW_TYPE, {
        taskQueue: tq,
        workflowId: `crossvpc-badinput-${Date.now()}`,
        args: [{ instanceId: suite.sandbox.ready.instances[0]?.instanceId, clientVpcId: 'vpc', verify: { protocol: 'SASL_SSL' } }],
      });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(ErrorTypes.InvalidInput);
      expect((cause as ApplicationFailure).message).toMatch(/clientSubnetId/);
      expect((cause as ApplicationFailure).message).toMatch(/verify\.secretRef/);
    });
    const counts = await callCounts(suite);
    expect(Object.keys(counts).filter((op) => !op.startsWith('iam.'))).toEqual([]);
  });

  it('unknown instance → failed, nothing created', async () => {
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { instanceId: 'no-such-instance', verify: NO_VERIFY }));
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.message).toMatch(/no-such-instance|not exist/i);
    });
    const counts = await callCounts(suite);
    expect(count(counts, 'vpcep.createEndpointService') + count(counts, 'vpcep.createEndpoint')).toBe(0);
  });

  it('responses lost after commit (drop-response) → no duplicate resources', async () => {
    for (const operation of ['vpcep.createEndpointService', 'vpcep.createEndpoint', 'vpc.createSecurityGroupRule', 'dms.modifyCrossVpc']) {
      await addFault(suite, { kind: 'drop-response', match: { operation }, times: 1 });
    }
    await withWorkers(suite, async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite, { verify: NO_VERIFY }));
      expect(outcome.result?.status).toBe('unverified');
      const counts = await callCounts(suite);
      expect(counts['vpcep.createEndpointService']?.dropped).toBe(1);
      expect(counts['vpcep.createEndpoint']?.dropped).toBe(1);
      expect(counts['vpc.createSecurityGroupRule']?.dropped).toBe(1);
      const r = await resources(suite);
      expect(r.services).toHaveLength(3);
      expect(r.endpoints).toHaveLength(3);
      expect(r.sgRules9011).toBe(1);
      for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
      // The rule was still recognised as this run's (its marker; none before), so a rollback would remove it.
      expect(outcome.result?.securityGroupRule?.marked).toBe(true);
      expect(outcome.result?.created.securityGroupRule).toBe(outcome.result?.securityGroupRule?.ruleId);
    });
  });
});
