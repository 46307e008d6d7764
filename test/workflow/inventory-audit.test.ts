/**
 * Inventory (`listAccesses`, `crossvpc list`) and audit trail (`accessHistory`, `crossvpc history`) over three
 * accesses of one sandbox (no Kafka: verification off): A provisioned through its approval gate and then
 * checked with --heal, B cancelled at its gate (rolled back), C provisioned and torn down. Every operation is
 * made by a client with an identity of its own (alice starts, bob approves, carol cancels — with the CLI's
 * --identity —, dave tears down, erin heals); the trail must name each, and the list must agree with the
 * sandbox's own state.
 */
import { Client } from '@temporalio/client';
import { hostname, userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CrossVpcClient, type AccessListEntry, type HistoryEntry } from '../../src/client/index.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { defaultIdentity } from '../../src/temporal/identity.js';
import { cli } from '../cli/support.js';
import { defaultRequest, eventually, FAST_TIMEOUTS, resources, saveHistory, startSuite, withWorkers, type Suite } from './support.js';

const NO_VERIFY = { enabled: false };

/** The default scenario plus two more 2-broker instances (own subnets, same security group). */
function threeInstances(): ScenarioInput {
  const s = structuredClone(defaultScenario) as ScenarioInput & { accounts: { vpcs?: { name: string; subnets: unknown[] }[]; kafkaInstances?: unknown[] }[] };
  const a = s.accounts[0];
  if (!a?.vpcs || !a.kafkaInstances) throw new Error('default scenario changed');
  for (const [i, name] of [[11, 'kafka-two'], [12, 'kafka-three']] as const) {
    a.vpcs[0]?.subnets.push({ name: `kafka-subnet-${i}`, cidr: `{prefix}.${i}.0/24` });
    a.kafkaInstances.push({ name, vpc: 'kafka-vpc', subnet: `kafka-subnet-${i}`, securityGroup: 'kafka-sg', brokers: 2, security: { protocol: 'PLAINTEXT' } });
  }
  return { ...s, name: 'default+3-instances' };
}

describe('list and history of accesses, with the identity of each caller', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startSuite({ kafka: false, scenario: threeInstances() });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('names who started, approved, cancelled, healed and tore down each access, and lists phase, health and ports as the cloud has them', async () => {
    const [a, b, c] = suite.sandbox.ready.instances.map((i) => i.instanceId);
    if (!a || !b || !c) throw new Error('three instances expected');
    const ours = (xs: AccessListEntry[]): AccessListEntry[] => xs.filter((x) => [a, b, c].includes(x.instanceId));

    await withWorkers(suite, async (tq) => {
      const as = (identity: string): CrossVpcClient => CrossVpcClient.fromClient(new Client({ connection: suite.env.connection, namespace: 'default', identity }), { taskQueue: tq });
      const [alice, bob, dave, erin] = ['alice@ops', 'bob@ops', 'dave@ops', 'erin@ops'].map(as) as [CrossVpcClient, CrossVpcClient, CrossVpcClient, CrossVpcClient];
      const atGate = async (id: string): Promise<void> => {
        await eventually(async () => (await alice.getProgress(id).catch(() => undefined))?.awaitingApproval, 30_000, `${id} at its gate`);
      };

      // A: through the approval gate (approved by bob), then checked and healed on demand by erin.
      await alice.startAccess(defaultRequest(suite, { instanceId: a, verify: NO_VERIFY, approvalGate: true }));
      await atGate(a);
      await bob.approve(a);
      expect((await alice.waitForOutcome(a)).result?.status).toBe('unverified');
      await saveHistory(alice.temporal.workflow.getHandle(`crossvpc-${a}`), 'approval-approved');
      const check = await erin.verify({ instanceId: a, heal: true, verify: NO_VERIFY, timeouts: FAST_TIMEOUTS });
      expect(check.result?.health).toBe('healthy');

      // B: cancelled by carol at its gate, through the CLI with --identity: rolled back (exit 0: as asked).
      await alice.startAccess(defaultRequest(suite, { instanceId: b, verify: NO_VERIFY, approvalGate: true }));
      await atGate(b);
      const cancelled = await cli(['cancel', '--instance-id', b, '--wait', '--identity', 'carol@ops', '--json'], tq);
      expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(0);

      // C: provisioned, then torn down by dave.
      await alice.startAccess(defaultRequest(suite, { instanceId: c, verify: NO_VERIFY }));
      expect((await alice.waitForOutcome(c)).result?.status).toBe('unverified');
      expect((await dave.teardown({ instanceId: c, timeouts: FAST_TIMEOUTS })).status).toBe('completed');

      // ---- list: agrees with the sandbox (visibility is eventually consistent) ---------------------------
      const listed = await eventually(async () => {
        const all = ours(await alice.listAccesses());
        const byId = new Map(all.map((x) => [x.instanceId, x]));
        return byId.get(a)?.health === 'healthy' && byId.get(b)?.phase === 'rolled_back' && byId.get(c)?.phase === 'torn-down' ? byId : undefined;
      }, 30_000, 'the three accesses listed');
      const la = listed.get(a);
      const lb = listed.get(b);
      const lc = listed.get(c);
      const net = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'A');
      expect(la).toMatchObject({ phase: 'unverified', workflowStatus: 'COMPLETED', clientVpcId: net?.vpcId, startedBy: 'alice@ops', health: 'healthy', tornDownAt: null });
      expect(la?.lastVerifiedAt).toBeTruthy();
      expect(lb).toMatchObject({ phase: 'rolled_back', clientVpcId: net?.vpcId, startedBy: 'alice@ops', health: null, lastVerifiedAt: null });
      expect(lc).toMatchObject({ phase: 'torn-down', startedBy: 'alice@ops', health: null, ports: [] });
      expect(lc?.tornDownAt).toBeTruthy();
      // The ports of A are the endpoints the cloud has for A (and only A has any left).
      const endpoints = (await resources(suite)).endpoints;
      const accessOf = (e: (typeof endpoints)[number]): string | undefined => e.tags?.find((t) => t.key === 'crossvpc-access')?.value;
      expect(endpoints.every((e) => accessOf(e) === a)).toBe(true);
      expect(la?.ports.map((p) => ({ endpointId: p.endpointId, endpointIp: p.endpointIp })).sort((x, y) => String(x.endpointId).localeCompare(String(y.endpointId)))).toEqual(
        endpoints.map((e) => ({ endpointId: e.id, endpointIp: e.ip })).sort((x, y) => String(x.endpointId).localeCompare(String(y.endpointId))),
      );
      expect(la?.ports).toHaveLength(suite.sandbox.ready.instances[0]?.brokers ?? 0);

      // Filters.
      expect(ours(await alice.listAccesses({ phase: 'torn-down' })).map((x) => x.instanceId)).toEqual([c]);
      expect(ours(await alice.listAccesses({ health: 'healthy' })).map((x) => x.instanceId)).toEqual([a]);
      expect(ours(await alice.listAccesses({ status: 'running' }))).toEqual([]);
      expect((await alice.listAccesses({ instanceId: b })).map((x) => x.instanceId)).toEqual([b]);
      await expect(alice.listAccesses({ health: 'sick' as 'healthy' })).rejects.toMatchObject({ code: 'InvalidInput', field: 'health' });

      // ---- history: who, when, what, how it ended ------------------------------------------------------
      const trail = async (id: string): Promise<Pick<HistoryEntry, 'action' | 'by' | 'outcome'>[]> =>
        (await alice.accessHistory(id)).map(({ action, by, outcome }) => ({ action, by, ...(outcome ? { outcome: { status: outcome.status } } : {}) }));
      expect(await trail(a)).toEqual([
        { action: 'provision', by: 'alice@ops' },
        { action: 'approve', by: 'bob@ops' },
        { action: 'ended', by: null, outcome: { status: 'unverified' } },
        { action: 'heal', by: 'erin@ops' },
        { action: 'ended', by: null, outcome: { status: 'healthy' } },
      ]);
      expect(await trail(b)).toEqual([
        { action: 'provision', by: 'alice@ops' },
        { action: 'cancel', by: 'carol@ops' },
        { action: 'ended', by: null, outcome: { status: 'rolled_back' } },
      ]);
      const tc = await trail(c);
      expect(tc.slice(0, 2)).toEqual([
        { action: 'provision', by: 'alice@ops' },
        { action: 'ended', by: null, outcome: { status: 'unverified' } },
      ]);
      expect(tc[2]).toEqual({ action: 'teardown', by: 'dave@ops' });
      expect(tc[tc.length - 1]).toEqual({ action: 'ended', by: null, outcome: { status: 'torn down' } });

      const full = await alice.accessHistory(a);
      expect(full[0]?.input).toMatchObject({ instanceId: a, clientVpcId: net?.vpcId, approvalGate: true });
      const times = full.map((e) => Date.parse(e.at));
      expect(times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= (times[i - 1] ?? 0)))).toBe(true);
      // No secret of the cloud appears anywhere in the trail or the list.
      const text = JSON.stringify([full, await alice.accessHistory(b), await alice.accessHistory(c), [...listed.values()]]);
      for (const acc of suite.sandbox.ready.accounts) {
        expect(text).not.toContain(acc.sk);
        expect(text).not.toContain(acc.ak);
        expect(text).not.toContain(acc.password);
      }
      await expect(alice.accessHistory('f0000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NotFound' });

      // ---- the CLI: same data, --json, and the identity a start records -----------------------------
      const list = await cli(['list', '--instance-id', c, '--json'], tq);
      expect(list.code).toBe(0);
      expect((list.last.accesses as AccessListEntry[]).map((x) => [x.instanceId, x.phase])).toEqual([[c, 'torn-down']]);
      const hist = await cli(['history', '--instance-id', b, '--json'], tq);
      expect(hist.code).toBe(0);
      expect((hist.last.events as HistoryEntry[]).map((e) => [e.action, e.by])).toEqual([
        ['provision', 'alice@ops'],
        ['cancel', 'carol@ops'],
        ['ended', null],
      ]);
      const text2 = await cli(['history', '--instance-id', a], tq);
      expect(text2.stdout).toMatch(/approve by bob@ops/);
      expect((await cli(['history', '--instance-id', 'f0000000-0000-4000-8000-000000000000', '--json'], tq)).code).toBe(4);
      expect((await cli(['list', '--running', '--closed'], tq)).code).toBe(2);
    });
  });

  it('the identity defaults to the OS user@host; --identity / identity override it', async () => {
    expect(defaultIdentity()).toBe(`${userInfo().username}@${hostname()}`);
    const cv = await CrossVpcClient.connect({ address: inject('temporalAddress'), env: {} });
    try {
      expect(cv.identity).toBe(defaultIdentity());
    } finally {
      await cv.close();
    }
    const named = await CrossVpcClient.connect({ address: inject('temporalAddress'), identity: 'pipeline-42', env: {} });
    try {
      expect(named.identity).toBe('pipeline-42');
    } finally {
      await named.close();
    }
    await expect(CrossVpcClient.connect({ address: inject('temporalAddress'), identity: '  ', env: {} })).rejects.toMatchObject({ code: 'InvalidInput', field: 'identity' });
    expect((await cli(['list', '--identity', '', '--json'])).code).toBe(2);
  });
});
