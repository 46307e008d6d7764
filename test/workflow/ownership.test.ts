/**
 * Per-run ownership, with real Kafka: a run undoes only what it created and puts back the advertised IPs it
 * found. Judged by the sandbox's own state and by bytes through the old bootstrap servers, never by the
 * workflow's report alone (the report is checked against that state).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeKafka } from '../../src/kafka/kafka-probe.js';
import { CrossVpcClient } from '../../src/client/index.js';
import { awaitAccessOutcome, type ProvisionOutcome } from '../../src/temporal/access-client.js';
import { progressQuery } from '../../workflows/definitions.js';
import { ErrorTypes } from '../../workflows/errors.js';
import { defaultRequest, eventually, provision, resetSandbox, resources, saveHistory, start, startSuite, withWorkers, type Suite } from './support.js';

interface CloudView {
  services: string[];
  endpoints: string[];
  advertised: Record<string, string>;
}

describe('per-run ownership (real Kafka)', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  const cloud = async (): Promise<CloudView> => {
    const r = await resources(suite);
    return { services: r.services.map((s) => s.id).sort(), endpoints: r.endpoints.map((e) => e.id).sort(), advertised: r.advertised };
  };

  const verifiedAccess = async (tq: string): Promise<ProvisionOutcome> => {
    const o = await provision(suite, tq, defaultRequest(suite));
    expect(o.status, o.error?.message).toBe('verified');
    return o;
  };

  /** Bytes through the endpoint IPs, by the test itself (not the product's verification). */
  const bytesFlow = async (bootstrapServers: string): Promise<void> => {
    const r = await probeKafka({ bootstrapServers: bootstrapServers.split(','), security: { protocol: 'PLAINTEXT' }, topic: 'ownership-check', timeoutMs: 30_000 });
    expect(r.consumed).toBe(true);
  };

  const expectUnchanged = async (before: CloudView, first: ProvisionOutcome): Promise<void> => {
    const after = await cloud();
    expect(after.services, 'endpoint services').toEqual(before.services);
    expect(after.endpoints, 'endpoints').toEqual(before.endpoints);
    expect(after.advertised, 'advertised IPs').toEqual(before.advertised);
    for (const p of first.ports) expect(after.advertised[p.listenerIp], `broker ${p.listenerIp} advertises its own port's endpoint`).toBe(p.endpointIp);
    await bytesFlow(first.bootstrapServers ?? '');
  };

  const waitPhase = (h: WorkflowHandle, phase: string) => eventually(async () => (await h.query(progressQuery)).phase === phase, 60_000, `phase ${phase}`);

  it('a re-run of a verified access, cancelled at the approval gate, leaves it verified: same services, endpoints and advertised IPs by port id; bytes flow', async () => {
    await withWorkers(suite, async (tq) => {
      const first = await verifiedAccess(tq);
      const before = await cloud();
      const rerun = await start(suite, tq, defaultRequest(suite, { approvalGate: true }));
      await waitPhase(rerun, 'awaiting-approval');
      // The gate shows the switch as a diff; a re-run changes nothing.
      const gate = await rerun.query(progressQuery);
      expect(gate.advertisedChange?.every((c) => c.before === c.after)).toBe(true);
      await rerun.cancel();
      const outcome = await awaitAccessOutcome(rerun);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.type).toBe(ErrorTypes.Cancelled);
      expect(outcome.error?.leftovers ?? []).toEqual([]);
      // Nothing of this run's making was there to undo; everything of the access is reported as kept.
      expect(outcome.error?.undone?.join(' ') ?? '').not.toMatch(/deleted|removed/);
      expect(outcome.error?.kept?.filter((k) => /^endpoint [0-9a-f-]+ of port/.test(k))).toHaveLength(3);
      expect(outcome.error?.kept?.filter((k) => /^endpoint service /.test(k))).toHaveLength(3);
      await expectUnchanged(before, first);

      // The CLI/typed client and the UI read the same report (memo + failure details).
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      const status = await cv.describeAccess(suite.sandbox.ready.instances[0]?.instanceId ?? '');
      expect(status.progress.kept).toEqual(outcome.error?.kept);
      expect(status.progress.undone ?? []).toEqual(outcome.error?.undone ?? []);
      await saveHistory(rerun, 'rerun-cancelled-at-gate');
    });
  });

  it('a re-run whose verification fails rolls back to the same verified access', async () => {
    let first: ProvisionOutcome | undefined;
    let before: CloudView | undefined;
    await withWorkers(suite, async (tq) => {
      first = await verifiedAccess(tq);
      before = await cloud();
    });
    // A verify worker whose probe fails: the re-run's verification fails, the access itself is fine.
    const failingProbe = async (): Promise<never> => {
      throw new Error('injected: the probe cannot reach the brokers');
    };
    await withWorkers(
      suite,
      async (tq) => {
        const outcome = await provision(suite, tq, defaultRequest(suite, { verify: { attempts: 1, timeoutMs: 5_000 } }));
        expect(outcome.status).toBe('rolled_back');
        expect(outcome.error?.type).toBe(ErrorTypes.ProvisioningRolledBack);
        expect(outcome.error?.failedStep).toBe('verifying through the endpoints');
        expect(outcome.error?.leftovers ?? []).toEqual([]);
      },
      'crossvpc',
      { verifyDeps: { probe: failingProbe } },
    );
    if (!first || !before) throw new Error('first run expected');
    await expectUnchanged(before, first);
  });

  it('--force over brokers advertising foreign IPs, then rolled back: the foreign IPs are back, nothing of the run is left', async () => {
    const inst = suite.sandbox.ready.instances[0];
    if (!inst) throw new Error('default scenario expected');
    const entries = (await suite.clients('default').dms.getInstance(inst.instanceId)).crossVpcEntries;
    const prefix = entries[0]?.listenerIp.split('.').slice(0, 2).join('.') ?? '';
    const foreign = Object.fromEntries(entries.map((e, i) => [e.listenerIp, `${prefix}.2.${240 + i}`]));
    await suite.clients('default').dms.modifyCrossVpc(inst.instanceId, foreign);
    await withWorkers(suite, async (tq) => {
      const refused = await provision(suite, tq, defaultRequest(suite));
      expect(refused.error?.type).toBe(ErrorTypes.InstanceOwnedElsewhere);
      const forced = await start(suite, tq, defaultRequest(suite, { force: true, approvalGate: true }));
      await waitPhase(forced, 'awaiting-approval');
      await forced.cancel();
      const outcome = await awaitAccessOutcome(forced);
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error?.leftovers ?? []).toEqual([]);
    });
    const after = await cloud();
    expect(after.services).toEqual([]);
    expect(after.endpoints).toEqual([]);
    expect(after.advertised).toEqual(foreign);
  });

  it('--force, switched, then verification fails: the undo puts the foreign IPs back (not the listener IPs)', async () => {
    const inst = suite.sandbox.ready.instances[0];
    if (!inst) throw new Error('default scenario expected');
    const entries = (await suite.clients('default').dms.getInstance(inst.instanceId)).crossVpcEntries;
    const prefix = entries[0]?.listenerIp.split('.').slice(0, 2).join('.') ?? '';
    const foreign = Object.fromEntries(entries.map((e, i) => [e.listenerIp, `${prefix}.2.${240 + i}`]));
    await suite.clients('default').dms.modifyCrossVpc(inst.instanceId, foreign);
    const failingProbe = async (): Promise<never> => {
      throw new Error('injected verification failure');
    };
    await withWorkers(
      suite,
      async (tq) => {
        const outcome = await provision(suite, tq, defaultRequest(suite, { force: true, verify: { attempts: 1, timeoutMs: 5_000 } }));
        expect(outcome.status).toBe('rolled_back');
        expect(outcome.error?.advertisedAfter).toEqual(foreign);
      },
      'crossvpc',
      { verifyDeps: { probe: failingProbe } },
    );
    const after = await cloud();
    expect(after.endpoints).toEqual([]);
    expect(after.services).toEqual([]);
    expect(after.advertised).toEqual(foreign);
  });
});
