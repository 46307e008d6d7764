/**
 * Named access (issue 15, docs/decisions/named-access.md): one Kafka instance, several client VPCs (one of
 * them in another account), brokers advertising b<n>.<short-id>.kafka.internal, a private zone per client VPC.
 * Judged by the sandbox's own state (admin API) and by clients resolving through each VPC's own resolver.
 */
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeKafka } from '../../src/kafka/kafka-probe.js';
import { withDnsServer } from '../../src/kafka/vpc-resolver.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { startOrJoinClientVpc, startOrJoinRemoveClient } from '../../src/temporal/access-client.js';
import type { NamedAccessResult } from '../../workflows/named-access-workflow.js';
import type { RemoveClientResult } from '../../workflows/remove-client-workflow.js';
import type { NamedReverifyResult } from '../../workflows/named-reverify-workflow.js';
import { namedReverifyWorkflowId } from '../../workflows/input.js';
import { parseProvisionInput } from '../../workflows/input.js';
import { brokerName } from '../../workflows/broker-names.js';
import { REVERIFY_WORKFLOW_TYPE, reverifyWorkflowId, TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId, type ReverifyResult, type TeardownResult } from '../../workflows/ops-input.js';
import { addFault, admin, defaultRequest, FAST_TIMEOUTS, namedRequest, provision, saveHistory, start, startSuite, withVpcWorkers, type Suite } from './support.js';
import { awaitAccessOutcome } from '../../src/temporal/access-client.js';

/** The default cloud plus a second client VPC in account A ({prefix}.4.0/24). */
function threeVpcScenario(): ScenarioInput {
  const s = structuredClone(defaultScenario);
  const a = s.accounts.find((x) => x.name === 'A');
  if (!a) throw new Error('default scenario has account A');
  a.vpcs = [...(a.vpcs ?? []), { name: 'client-vpc-a2', cidr: '{prefix}.4.0/24', subnets: [{ name: 'client-subnet-a2', cidr: '{prefix}.4.0/24', client: true }] }];
  return { ...s, delays: { serviceCreate: 300, serviceUpdate: 100, serviceDelete: 600, endpointCreate: 300, endpointDelete: 600 } };
}

type FailureOf = { cause?: { type?: string; details?: { undone?: string[]; leftovers?: unknown[] }[] } };

interface Dump {
  accounts: {
    name: string;
    projects: {
      kafkaInstances: { instance_id: string; cross_vpc_info: Record<string, { advertised_ip: string; port_id: string }> }[];
      endpoints: { id: string; status: string; ip?: string; vpcId: string; createdAt: string; updatedAt: string }[];
      endpointServices: { id: string; permissions: { permission: string }[] }[];
      dnsZones: { id: string; name: string; status: string; routers: { router_id: string }[]; recordsets: { name: string; type: string; records: string[] }[] }[];
    }[];
  }[];
}

let suite: Suite;
const nets = () => suite.sandbox.ready.clientNetworks;
const net = (account: 'A' | 'B', index = 0) => {
  const n = nets().filter((x) => x.account === account)[index];
  if (!n) throw new Error(`no network ${account}[${index}]`);
  return n;
};
const instance = () => {
  const i = suite.sandbox.ready.instances[0];
  if (!i) throw new Error('no instance');
  return i;
};
const names = () => instance().listeners.map((_, i) => brokerName(instance().instanceId, 'kafka.internal', i));
const bootstrap = () => names().map((n) => `${n}:9011`).join(',');

async function dump(): Promise<Dump> {
  return admin<Dump>(suite, 'GET', '/admin/state');
}
const projects = (d: Dump) => d.accounts.flatMap((a) => a.projects);
const endpointIpsIn = (d: Dump, vpcId: string) =>
  projects(d)
    .flatMap((p) => p.endpoints)
    .filter((e) => e.vpcId === vpcId && e.status === 'accepted')
    .map((e) => e.ip ?? '')
    .sort();
const zonesOf = (d: Dump, vpcId: string) => projects(d).flatMap((p) => p.dnsZones).filter((z) => z.routers.some((r) => r.router_id === vpcId));

async function resolveIn(dnsServer: string, name: string): Promise<string[] | string> {
  const r = new Resolver({ timeout: 2_000, tries: 1 });
  r.setServers([dnsServer]);
  return r.resolve4(name).catch((err: { code?: string }) => err.code ?? 'error');
}

/** A client inside a VPC: bootstrap with the names, resolved by that VPC's resolver only. */
async function clientProbe(dnsServer: string) {
  return withDnsServer(dnsServer, () => probeKafka({ bootstrapServers: bootstrap().split(','), security: { protocol: 'PLAINTEXT' }, topic: 'crossvpc-verify', timeoutMs: 20_000, expectBrokerHosts: names() }));
}

/** Adds a client VPC; `fixture` saves the run's history as a replay fixture (test/workflow/histories). */
async function addVpc(taskQueue: string, account: 'A' | 'B', index = 0, fixture?: string): Promise<NamedAccessResult> {
  const parsed = parseProvisionInput(namedRequest(suite, account, index, { timeouts: FAST_TIMEOUTS, verify: { timeoutMs: 20_000, attempts: 2 } }));
  if (!parsed.ok) throw new Error(parsed.message);
  const h = await startOrJoinClientVpc(suite.env.client, taskQueue, parsed.input);
  const result = (await h.result()) as NamedAccessResult;
  if (fixture) await saveHistory(h, fixture);
  return result;
}

async function removeVpc(taskQueue: string, account: 'A' | 'B', index = 0, fixture?: string): Promise<RemoveClientResult> {
  const n = net(account, index);
  const h = await startOrJoinRemoveClient(suite.env.client, taskQueue, {
    instanceId: instance().instanceId,
    clientVpcId: n.vpcId,
    ...(account === 'B' ? { clientCredentials: 'client' } : {}),
    timeouts: FAST_TIMEOUTS,
  });
  try {
    return (await h.result()) as RemoveClientResult;
  } finally {
    if (fixture) await saveHistory(h, fixture);
  }
}

/** `access.mode: "ip"` for VPC A: the migration of a named access back to IPs. */
async function migrateBack(taskQueue: string, fixture?: string) {
  const h = await start(suite, taskQueue, defaultRequest(suite, { access: { mode: 'ip' }, timeouts: FAST_TIMEOUTS, verify: { timeoutMs: 20_000, attempts: 2 } }));
  const outcome = await awaitAccessOutcome(h);
  if (fixture) await saveHistory(h, fixture);
  return outcome;
}

const advertisedNow = (d: Dump) => Object.values(projects(d).flatMap((p) => p.kafkaInstances)[0]?.cross_vpc_info ?? {}).map((v) => v.advertised_ip).sort();
const whitelistOf = (d: Dump, domainId: string) =>
  projects(d)
    .flatMap((p) => p.endpointServices)
    .filter((s) => s.permissions.some((x) => x.permission === `iam:domain::${domainId}`))
    .map((s) => s.id);
const DMS_REFUSES_ONCE = { kind: 'error', status: 400, code: 'DMS.00400001', times: 1, match: { operation: 'dms.modifyCrossVpc' } };

async function reverify(taskQueue: string, heal: boolean): Promise<NamedReverifyResult> {
  const h = await suite.env.client.workflow.start('reverifyNamedClientVpc', {
    taskQueue,
    workflowId: namedReverifyWorkflowId(instance().instanceId, net('A').vpcId),
    args: [{ instanceId: instance().instanceId, clientVpcId: net('A').vpcId, heal, timeouts: FAST_TIMEOUTS, verify: { timeoutMs: 20_000, attempts: 2 } }],
  });
  return (await h.result()) as NamedReverifyResult;
}

async function teardownAll(taskQueue: string): Promise<TeardownResult> {
  const h = await suite.env.client.workflow.start(TEARDOWN_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: teardownWorkflowId(instance().instanceId),
    args: [{ instanceId: instance().instanceId, timeouts: FAST_TIMEOUTS }],
  });
  return (await h.result()) as TeardownResult;
}

/** Nothing of the access is left: no endpoint, service, zone; every broker advertises its listener IP. */
async function expectClean(): Promise<void> {
  const d = await dump();
  expect(projects(d).flatMap((p) => p.endpoints).filter((e) => e.status !== 'deleted')).toEqual([]);
  expect(projects(d).flatMap((p) => p.endpointServices)).toEqual([]);
  expect(projects(d).flatMap((p) => p.dnsZones)).toEqual([]);
  const info = projects(d).flatMap((p) => p.kafkaInstances)[0]?.cross_vpc_info ?? {};
  for (const [listener, v] of Object.entries(info)) expect(v.advertised_ip).toBe(listener);
}

/**
 * Produce/consume rounds from one VPC until stopped: counts of successes and the errors seen. `bootstrapWith`:
 * another bootstrap list than the names (the endpoint IPs), the brokers' advertised addresses then not checked —
 * a client across a migration, whichever addresses the metadata names.
 */
function traffic(dnsServer: string, bootstrapWith?: string) {
  let stop = false;
  const out = { ok: 0, errors: [] as string[], errorsAt: [] as number[] };
  const probe = () =>
    bootstrapWith === undefined
      ? clientProbe(dnsServer)
      : withDnsServer(dnsServer, () => probeKafka({ bootstrapServers: bootstrapWith.split(','), security: { protocol: 'PLAINTEXT' }, topic: 'crossvpc-verify', timeoutMs: 20_000 }));
  const done = (async () => {
    while (!stop) {
      try {
        await probe();
        out.ok += 1;
      } catch (err) {
        out.errors.push(err instanceof Error ? err.message : String(err));
        out.errorsAt.push(Date.now());
      }
    }
  })();
  return {
    out,
    async stop() {
      stop = true;
      await done;
      return out;
    },
  };
}

beforeAll(async () => {
  suite = await startSuite({ scenario: threeVpcScenario() });
}, 180_000);
afterAll(async () => {
  await suite?.stop();
});

describe('named access: one instance, many client VPCs', () => {
  it('two client VPCs (one cross-account) share one bootstrap list; each resolves the names to its own endpoints; a third VPC joins while both carry traffic; a removed VPC leaves nothing behind', async () => {
    await withVpcWorkers(suite, async (tq) => {
      // ---- VPC A (same account): the first VPC switches the listeners to the names ------------------------
      const a = await addVpc(tq, 'A');
      expect(a).toMatchObject({ status: 'verified', switchedListeners: true, bootstrapServers: bootstrap(), created: { zone: true } });
      // ---- VPC B (account B): the listeners are already names, nothing of A moves ------------------------
      const b = await addVpc(tq, 'B');
      expect(b).toMatchObject({ status: 'verified', switchedListeners: false, bootstrapServers: a.bootstrapServers, created: { zone: true, services: [] } });

      let d = await dump();
      const advertised = Object.values(projects(d).flatMap((p) => p.kafkaInstances)[0]?.cross_vpc_info ?? {}).map((v) => v.advertised_ip);
      expect(advertised.sort()).toEqual([...names()].sort());
      const ipsA = endpointIpsIn(d, net('A').vpcId);
      const ipsB = endpointIpsIn(d, net('B').vpcId);
      expect(ipsA).toHaveLength(3);
      expect(ipsB).toHaveLength(3);
      expect(ipsA.some((ip) => ipsB.includes(ip))).toBe(false);
      // One zone per VPC, in the VPC's own account, records = that VPC's endpoint IPs.
      for (const [account, ips] of [['A', ipsA], ['B', ipsB]] as const) {
        const zs = zonesOf(d, net(account).vpcId);
        expect(zs).toHaveLength(1);
        expect(d.accounts.find((x) => x.name === account)?.projects[0]?.dnsZones.map((z) => z.id)).toContain(zs[0]?.id);
        const recs = (zs[0]?.recordsets ?? []).filter((r) => r.type === 'A');
        expect(recs.map((r) => r.name.replace(/\.$/, '')).sort()).toEqual([...names()].sort());
        expect(recs.flatMap((r) => r.records).sort()).toEqual(ips);
      }
      // Each VPC's resolver answers with that VPC's endpoint IPs only.
      for (const n of names()) {
        const inA = await resolveIn(net('A').dnsServer, n);
        const inB = await resolveIn(net('B').dnsServer, n);
        expect(ipsA).toEqual(expect.arrayContaining(inA as string[]));
        expect(ipsB).toEqual(expect.arrayContaining(inB as string[]));
        expect(inA).not.toEqual(inB);
      }
      // Clients in both VPCs: same bootstrap list, metadata lists the names, bytes go both ways.
      for (const n of [net('A'), net('B')]) {
        const r = await clientProbe(n.dnsServer);
        expect(r.consumed).toBe(true);
        expect(r.brokers.map((x) => x.host).sort()).toEqual([...names()].sort());
      }

      // ---- a third VPC joins while A and B carry traffic: no error in A or B ----------------------------
      const ta = traffic(net('A').dnsServer);
      const tb = traffic(net('B').dnsServer);
      const started = Date.now();
      const c = await addVpc(tq, 'A', 1, 'named-add-client-vpc');
      const addMs = Date.now() - started;
      const [ra, rb] = [await ta.stop(), await tb.stop()];
      expect(c).toMatchObject({ status: 'verified', switchedListeners: false });
      expect(ra.errors).toEqual([]);
      expect(rb.errors).toEqual([]);
      expect(ra.ok).toBeGreaterThan(0);
      expect(rb.ok).toBeGreaterThan(0);
      d = await dump();
      const epsC = projects(d).flatMap((p) => p.endpoints).filter((e) => e.vpcId === net('A', 1).vpcId);
      const criticalMs = Math.max(...epsC.map((e) => Date.parse(e.updatedAt) - Date.parse(e.createdAt)));
      console.log(`[figure] add client VPC: ${addMs} ms end to end (incl. verification); its endpoints' critical path (create → accepted, slowest port): ${criticalMs} ms; produce/consume rounds during the add: A ${ra.ok} ok / ${ra.errors.length} errors, B ${rb.ok} ok / ${rb.errors.length} errors`);

      // ---- VPC A removed: its endpoints, zone and records gone; B and A2 keep flowing ---------------------
      const tb2 = traffic(net('B').dnsServer);
      const removed = await removeVpc(tq, 'A', 0, 'named-remove-client-vpc');
      const rb2 = await tb2.stop();
      expect(removed.removed.zones).toHaveLength(1);
      expect(removed.removed.endpoints).toHaveLength(3);
      expect(rb2.errors).toEqual([]);
      d = await dump();
      expect(projects(d).flatMap((p) => p.endpoints).filter((e) => e.vpcId === net('A').vpcId)).toEqual([]);
      expect(zonesOf(d, net('A').vpcId)).toEqual([]);
      expect(await resolveIn(net('A').dnsServer, names()[0] ?? '')).toBe('EREFUSED');
      expect((await clientProbe(net('B').dnsServer)).consumed).toBe(true);
      expect((await clientProbe(net('A', 1).dnsServer)).consumed).toBe(true);
      console.log(`[figure] remove client VPC: produce/consume rounds in B during the removal: ${rb2.ok} ok / ${rb2.errors.length} errors`);

      // Removing it again finds nothing: the saga is idempotent.
      expect(await removeVpc(tq, 'A')).toMatchObject({ alreadyClean: true });

      // ---- teardown of the whole access: the zones of both accounts, endpoints, services, the names --------
      const td = await teardownAll(tq);
      expect(td.removed.zones).toHaveLength(2);
      expect(td.restoredAdvertisedIps).toBe(true);
      await expectClean();
    });
  }, 240_000);

  it('migrates a single-VPC IP access to names and back with no error for the client of that VPC; faults in each migration, an add and a remove leave the other VPCs working and report exactly what is left; a removed cross-account VPC takes its whitelist entry along', async () => {
    await withVpcWorkers(suite, async (tq) => {
      // An IP-mode access on VPC A (the default, unchanged).
      const ip = await provision(suite, tq, defaultRequest(suite, { timeouts: FAST_TIMEOUTS, verify: { timeoutMs: 20_000, attempts: 2 } }));
      expect(ip.status).toBe('verified');
      const ipBootstrap = ip.bootstrapServers ?? '';
      const ipsOfA = endpointIpsIn(await dump(), net('A').vpcId);

      // ---- IP → names, faults: the zone create refused, then the listener switch refused; the IP client flows -
      const tf = traffic(net('A').dnsServer, ipBootstrap);
      await addFault(suite, { kind: 'error', status: 400, code: 'DNS.0303', times: 1, match: { operation: 'dns.createZone', account: 'A' } });
      const zoneRefused = await addVpc(tq, 'A').then(() => undefined, (err: unknown) => err as FailureOf);
      await addFault(suite, DMS_REFUSES_ONCE);
      const switchRefused = await addVpc(tq, 'A').then(() => undefined, (err: unknown) => err as FailureOf);
      const rf = await tf.stop();
      await admin(suite, 'DELETE', '/admin/faults');
      for (const f of [zoneRefused, switchRefused]) {
        expect(f?.cause?.type).toBe('ProvisioningRolledBack');
        expect(f?.cause?.details?.[0]?.leftovers).toEqual([]);
      }
      expect(switchRefused?.cause?.details?.[0]?.undone?.join(' ')).toMatch(/private zone/);
      expect(rf.errors).toEqual([]);
      let d = await dump();
      expect(advertisedNow(d)).toEqual([...ipsOfA].sort());
      expect(zonesOf(d, net('A').vpcId)).toEqual([]);
      expect(endpointIpsIn(d, net('A').vpcId)).toEqual(ipsOfA);

      // ---- IP → names: a client in VPC A bootstrapping with the endpoint IPs keeps working across the switch ---
      const t1 = traffic(net('A').dnsServer, ipBootstrap);
      const m = await addVpc(tq, 'A');
      const r1 = await t1.stop();
      expect(m).toMatchObject({ status: 'verified', switchedListeners: true, created: { zone: true, services: [], endpoints: [] } });
      expect(r1.errors).toEqual([]);
      expect(r1.ok).toBeGreaterThan(0);
      d = await dump();
      expect(endpointIpsIn(d, net('A').vpcId)).toEqual(Object.values(m.records).sort());

      // A DNS fault while adding VPC B (record sets refused for good): B's saga rolls back its endpoints and
      // zone; A keeps flowing all along.
      const ta = traffic(net('A').dnsServer);
      await addFault(suite, { kind: 'error', status: 400, code: 'DNS.0303', match: { operation: 'dns.createRecordSet', account: 'B' } });
      const failed = await addVpc(tq, 'B').then(() => undefined, (err: unknown) => err as FailureOf);
      const ra = await ta.stop();
      await admin(suite, 'DELETE', '/admin/faults');
      expect(failed?.cause?.type).toBe('ProvisioningRolledBack');
      expect(failed?.cause?.details?.[0]?.leftovers).toEqual([]);
      expect(failed?.cause?.details?.[0]?.undone?.join(' ')).toMatch(/private zone/);
      expect(ra.errors).toEqual([]);
      const afterFault = await dump();
      expect(zonesOf(afterFault, net('B').vpcId)).toEqual([]);
      expect(projects(afterFault).flatMap((p) => p.endpoints).filter((e) => e.vpcId === net('B').vpcId && e.status !== 'deleting')).toEqual([]);

      // ---- with B attached (cross-account), back to IPs is refused before anything changes, naming B -----------
      expect((await addVpc(tq, 'B')).status).toBe('verified');
      const domainB = suite.sandbox.ready.accounts.find((x) => x.name === 'B')?.domainId ?? '';
      expect(whitelistOf(await dump(), domainB)).toHaveLength(3);
      const before = await dump();
      const refused = await migrateBack(tq);
      expect(refused).toMatchObject({ status: 'failed', error: { type: 'PreflightFailed' } });
      expect(refused.error?.message).toContain(net('B').vpcId);
      d = await dump();
      expect(advertisedNow(d)).toEqual(advertisedNow(before));
      expect(zonesOf(d, net('A').vpcId).map((z) => z.id)).toEqual(zonesOf(before, net('A').vpcId).map((z) => z.id));

      // ---- B removed, its zone delete refused: the zone is the one leftover, exactly; its endpoints go, and with
      // them B's account leaves every service's whitelist (no endpoint of account B is attached any more) ----
      await addFault(suite, { kind: 'error', status: 400, code: 'DNS.0303', match: { operation: 'dns.deleteZone', account: 'B' } });
      const incomplete = await removeVpc(tq, 'B', 0, 'named-remove-cross-account').then(
        () => undefined,
        (err: unknown) => err as { cause?: { type?: string; details?: { leftovers?: { kind: string }[]; removed?: { endpoints: string[]; whitelist?: string[] } }[] } },
      );
      await admin(suite, 'DELETE', '/admin/faults');
      expect(incomplete?.cause?.type).toBe('TeardownIncomplete');
      expect(incomplete?.cause?.details?.[0]?.leftovers?.map((l) => l.kind)).toEqual(['dns-zone']);
      d = await dump();
      expect(zonesOf(d, net('B').vpcId)).toHaveLength(1);
      expect(projects(d).flatMap((p) => p.endpoints).filter((e) => e.vpcId === net('B').vpcId)).toEqual([]);
      expect(incomplete?.cause?.details?.[0]?.removed?.whitelist?.sort()).toEqual(projects(d).flatMap((p) => p.endpointServices).map((x) => x.id).sort());
      expect(whitelistOf(d, domainB)).toEqual([]);
      const removedB = await removeVpc(tq, 'B');
      expect(removedB.removed).toMatchObject({ endpoints: [], whitelist: [] });
      expect(removedB.removed.zones).toHaveLength(1);
      expect(zonesOf(await dump(), net('B').vpcId)).toEqual([]);
      expect((await clientProbe(net('A').dnsServer)).consumed).toBe(true);

      // ---- names → IPs, fault: the listener switch refused; nothing changed, A keeps flowing by names ----------
      const t2 = traffic(net('A').dnsServer);
      await addFault(suite, DMS_REFUSES_ONCE);
      const backRefused = await migrateBack(tq);
      const r2 = await t2.stop();
      await admin(suite, 'DELETE', '/admin/faults');
      expect(backRefused).toMatchObject({ status: 'rolled_back', error: { type: 'ProvisioningRolledBack' } });
      expect(backRefused.error?.leftovers ?? []).toEqual([]);
      expect(r2.errors).toEqual([]);
      d = await dump();
      expect(advertisedNow(d)).toEqual([...names()].sort());
      expect(zonesOf(d, net('A').vpcId)).toHaveLength(1);

      // ---- names → IPs: verified by IP, then the zone goes. A client bootstrapping by the endpoint IPs sees no
      // error at all; one bootstrapping by the names none until the zone is deleted (then the names are gone: its
      // bootstrap list must be the IPs by then) ----------------------------------------------------------------
      const t3 = traffic(net('A').dnsServer, ipBootstrap);
      const t4 = traffic(net('A').dnsServer, bootstrap());
      const back = await migrateBack(tq, 'named-migrate-back-to-ip');
      const [r3, r4] = [await t3.stop(), await t4.stop()];
      expect(back.status).toBe('verified');
      expect(back.bootstrapServers).toBe(ipBootstrap);
      expect(back.result?.migratedFromNames?.zoneId).toBe(m.zoneId);
      expect(back.result?.leftovers).toBeUndefined();
      expect(back.result?.created).toMatchObject({ services: [], endpoints: [] });
      expect(r3.errors).toEqual([]);
      expect(r3.ok).toBeGreaterThan(0);
      const calls = await admin<{ calls: { at: string; status: string }[] }>(suite, 'GET', '/admin/calls?operation=dns.deleteZone&status=202');
      const zoneDeletedAt = Math.max(...calls.calls.map((c) => Date.parse(c.at)));
      expect(r4.errors.filter((_, i) => (r4.errorsAt[i] ?? 0) < zoneDeletedAt)).toEqual([]);
      expect(r4.ok).toBeGreaterThan(0);
      d = await dump();
      expect(advertisedNow(d)).toEqual([...ipsOfA].sort());
      expect(zonesOf(d, net('A').vpcId)).toEqual([]);
      console.log(
        `[figure] migration produce/consume rounds in VPC A: IP → names ${r1.ok} ok / ${r1.errors.length} errors (bootstrap by IP); names → IP ${r3.ok} ok / ${r3.errors.length} errors (bootstrap by IP), ${r4.ok} ok / ${r4.errors.length} errors (bootstrap by name; ${r4.errorsAt.filter((t) => t < zoneDeletedAt).length} before the zone deletion)`,
      );

      // An ordinary IP access now: its re-verification reads it from the cloud and finds it healthy.
      const rv = await suite.env.client.workflow.execute(REVERIFY_WORKFLOW_TYPE, {
        taskQueue: tq,
        workflowId: `${reverifyWorkflowId(instance().instanceId)}-after-migration`,
        args: [{ instanceId: instance().instanceId, timeouts: FAST_TIMEOUTS, verify: { timeoutMs: 20_000, attempts: 2 } }],
      });
      expect((rv as ReverifyResult).health).toBe('healthy');

      expect((await teardownAll(tq)).restoredAdvertisedIps).toBe(true);
      await expectClean();
    });
  }, 300_000);

  it('re-verification finds drift in the zone (a record changed, a record deleted, the zone deleted, the zone unbound from the VPC), heals it, and the names resolve to the endpoints again', async () => {
    await withVpcWorkers(suite, async (tq) => {
      const a = await addVpc(tq, 'A');
      expect(a.status).toBe('verified');
      expect(await reverify(tq, false)).toMatchObject({ health: 'healthy', drift: [], verified: true });

      // Someone changes b1 and deletes b2 in VPC A's zone (with the account's own credentials).
      const dns = suite.clients('default').dns;
      if (!dns) throw new Error('no DNS client');
      const [n1 = '', n2 = ''] = names();
      const sets = await dns.listAllRecordSets(a.zoneId, { type: 'A' });
      const r1 = sets.find((r) => r.name === `${n1}.`);
      const r2 = sets.find((r) => r.name === `${n2}.`);
      if (!r1 || !r2) throw new Error('records not found');
      await dns.updateRecordSet(a.zoneId, r1.id, { records: ['127.9.9.9'] });
      await dns.deleteRecordSet(a.zoneId, r2.id);
      await new Promise((r) => setTimeout(r, 400));
      expect(await resolveIn(net('A').dnsServer, n1)).toEqual(['127.9.9.9']);

      const found = await reverify(tq, false);
      expect(found.health).toBe('drifted');
      expect(found.drift.map((d) => d.kind).sort()).toEqual(['record-changed', 'record-missing']);
      expect(found.verified).toBe(false);

      const healed = await reverify(tq, true);
      expect(healed).toMatchObject({ health: 'healed', verified: true });
      expect(await resolveIn(net('A').dnsServer, n1)).toEqual([a.records[n1]]);
      expect(await resolveIn(net('A').dnsServer, n2)).toEqual([a.records[n2]]);

      // The zone deleted: found missing, created and bound again by the heal.
      await dns.deleteZone(a.zoneId);
      await new Promise((r) => setTimeout(r, 400));
      expect((await reverify(tq, false)).drift.map((d) => d.kind)).toEqual(['zone-missing']);
      expect(await reverify(tq, true)).toMatchObject({ health: 'healed', verified: true });
      expect(await resolveIn(net('A').dnsServer, n1)).toEqual([a.records[n1]]);

      // The zone unbound from VPC A: someone binds it to VPC A2 and unbinds A (a zone keeps at least one VPC).
      // Found as its own kind; the heal binds our zone to A again (same zone, same records) and leaves A2's
      // binding, which we did not make, as found.
      const [recreated] = zonesOf(await dump(), net('A').vpcId);
      if (!recreated) throw new Error('no zone on VPC A');
      await dns.associateRouter(recreated.id, { router_id: net('A', 1).vpcId });
      await new Promise((r) => setTimeout(r, 400));
      await dns.disassociateRouter(recreated.id, { router_id: net('A').vpcId });
      await new Promise((r) => setTimeout(r, 400));
      expect(await resolveIn(net('A').dnsServer, n1)).toBe('EREFUSED');
      const unbound = await reverify(tq, false);
      expect(unbound).toMatchObject({ health: 'drifted', verified: false });
      expect(unbound.drift).toEqual([{ kind: 'zone-unbound', what: expect.stringContaining(recreated.id) as string }]);
      expect(await reverify(tq, true)).toMatchObject({ health: 'healed', verified: true, healed: [expect.stringMatching(/bound the private zone .* again/) as string] });
      const rebound = await dump();
      expect(zonesOf(rebound, net('A').vpcId).map((z) => z.id)).toEqual([recreated.id]);
      expect(zonesOf(rebound, net('A', 1).vpcId).map((z) => z.id)).toEqual([recreated.id]);
      for (const n of [n1, n2]) expect(await resolveIn(net('A').dnsServer, n)).toEqual([a.records[n]]);
      expect(await reverify(tq, false)).toMatchObject({ health: 'healthy', drift: [], verified: true });

      expect((await teardownAll(tq)).restoredAdvertisedIps).toBe(true);
      await expectClean();
    });
  }, 180_000);
});
