/**
 * The sandbox's DNS private zones (docs/dns-contract.md) and its per-VPC resolvers: a client of VPC X asks X's
 * resolver (`clientNetworks[].dnsServer`) and sees only the zones bound to X.
 */
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane } from './support/fake-data-plane.js';
import { claimAddressPrefix, clients, failure, fastScenario, raw, waitFor } from './support/sandbox-helpers.js';

let sb: Sandbox;
let ca: OtcClients;
let cb: OtcClients;

beforeAll(async () => {
  sb = await startSandbox({ scenario: fastScenario(), addressPrefix: await claimAddressPrefix(), dataPlane: createFakeDataPlane() });
  ca = clients(sb, 'A');
  cb = clients(sb, 'B');
});
afterAll(async () => {
  await sb?.stop();
});
beforeEach(async () => {
  await sb.reset();
  await fetch(`${sb.adminUrl}/admin/faults`, { method: 'DELETE' });
});

const net = (account: string) => {
  const n = sb.ready.clientNetworks.find((c) => c.account === account);
  if (!n) throw new Error(`no client network of ${account}`);
  return n;
};

/** Asks the resolver of a client network, as a client in that VPC would. */
async function lookup(account: string, name: string): Promise<string[] | string> {
  const r = new Resolver({ timeout: 2_000, tries: 1 });
  r.setServers([net(account).dnsServer]);
  try {
    return await r.resolve4(name);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

async function activeZone(c: OtcClients, id: string) {
  return waitFor('zone ACTIVE', async () => {
    const z = await c.dns.getZone(id);
    return z.status === 'ACTIVE' ? z : undefined;
  });
}

async function zoneWithRecord(c: OtcClients, vpcId: string, name: string, ip: string) {
  const zone = await c.dns.createPrivateZone({ name: 'kafka.internal.', router: { router_id: vpcId }, tags: [{ key: 'crossvpc-access', value: 'x' }] });
  expect(zone.status).toBe('PENDING_CREATE');
  await activeZone(c, zone.id);
  const rs = await c.dns.createRecordSet(zone.id, { name, type: 'A', records: [ip], ttl: 60 });
  await waitFor('record ACTIVE', async () => ((await c.dns.listAllRecordSets(zone.id, { name })).find((r) => r.id === rs.id)?.status === 'ACTIVE' ? true : undefined));
  return { zone, rs };
}

describe('DNS private zones', () => {
  it('is in the IAM catalog as dns, with a project-less URL', async () => {
    const res = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: sb.ready.accounts[0]?.username, password: sb.ready.accounts[0]?.password, domain: { name: sb.ready.accounts[0]?.domainName } } } },
          scope: { project: { id: sb.ready.accounts[0]?.projectId } },
        },
      },
    });
    const catalog = (res.json as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } }).token.catalog;
    expect(catalog.find((e) => e.type === 'dns')?.endpoints[0]?.url).toBe(sb.urls.dns);
  });

  it('resolves the same name per VPC: each VPC sees its own zone only, the other VPC its own or nothing', async () => {
    const a = net('A');
    const b = net('B');
    expect(a.dnsServer).not.toBe(b.dnsServer);
    await zoneWithRecord(ca, a.vpcId, 'b1.demo.kafka.internal.', '127.9.2.50');
    expect(await lookup('A', 'b1.demo.kafka.internal')).toEqual(['127.9.2.50']);
    // B has no zone yet: its resolver does not know the name (no leak of A's records).
    expect(await lookup('B', 'b1.demo.kafka.internal')).toBe('EREFUSED');
    // A name inside A's zone without a record set: NXDOMAIN.
    expect(await lookup('A', 'b9.demo.kafka.internal')).toBe('ENOTFOUND');

    // Account B binds a zone of the same name to its own VPC with other addresses: split horizon.
    await zoneWithRecord(cb, b.vpcId, 'b1.demo.kafka.internal.', '127.9.3.50');
    expect(await lookup('A', 'b1.demo.kafka.internal')).toEqual(['127.9.2.50']);
    expect(await lookup('B', 'b1.demo.kafka.internal')).toEqual(['127.9.3.50']);

    // A change of the record is what A's clients see next; B's answer does not move.
    const za = (await ca.dns.listAllPrivateZones({ name: 'kafka.internal.' }))[0];
    if (!za) throw new Error('zone of A not listed');
    const rs = (await ca.dns.listAllRecordSets(za.id, { name: 'b1.demo.kafka.internal.', type: 'A' }))[0];
    if (!rs) throw new Error('record set not listed');
    await ca.dns.updateRecordSet(za.id, rs.id, { records: ['127.9.2.51'] });
    expect(await lookup('A', 'b1.demo.kafka.internal')).toEqual(['127.9.2.51']);
    expect(await lookup('B', 'b1.demo.kafka.internal')).toEqual(['127.9.3.50']);

    // Deleting the zone takes the names away (after PENDING_DELETE).
    await ca.dns.deleteZone(za.id);
    expect((await ca.dns.getZone(za.id)).status).toBe('PENDING_DELETE');
    await waitFor('zone gone', () => ca.dns.getZone(za.id).then(() => undefined, (err: { status?: number }) => (err.status === 404 ? true : undefined)));
    expect(await lookup('A', 'b1.demo.kafka.internal')).toBe('EREFUSED');
    expect(await lookup('B', 'b1.demo.kafka.internal')).toEqual(['127.9.3.50']);
  });

  it('refuses a second same-name zone on one VPC, a VPC of another project, and disassociating the last VPC', async () => {
    const a = net('A');
    const { zone } = await zoneWithRecord(ca, a.vpcId, 'b1.x.kafka.internal.', '127.9.2.60');
    const twice = await failure(ca.dns.createPrivateZone({ name: 'kafka.internal.', router: { router_id: a.vpcId } }));
    expect(twice.status).toBe(409);
    const foreign = await failure(ca.dns.createPrivateZone({ name: 'other.internal.', router: { router_id: net('B').vpcId } }));
    expect(foreign.status).toBe(400);
    const last = await failure(ca.dns.disassociateRouter(zone.id, { router_id: a.vpcId }));
    expect(last.status).toBe(400);
    expect(last.message).toMatch(/only one VPC/);
    const bad = await failure(ca.dns.createRecordSet(zone.id, { name: 'b2.x.kafka.internal.', type: 'A', records: ['not-an-ip'] }));
    expect(bad.status).toBe(400);
    const outside = await failure(ca.dns.createRecordSet(zone.id, { name: 'b2.elsewhere.', type: 'A', records: ['127.9.2.61'] }));
    expect(outside.status).toBe(400);
  });

  it('answers faults like the other services, and logs DNS calls in the call log', async () => {
    const res = await fetch(`${sb.adminUrl}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'error', status: 503, code: 'DNS.0500', match: { operation: 'dns.createZone' }, times: 1 }),
    });
    expect(res.status).toBe(201);
    const err = await failure(ca.dns.createPrivateZone({ name: 'kafka.internal.', router: { router_id: net('A').vpcId } }));
    expect(err.status).toBe(503);
    expect(err.code).toBe('DNS.0500');
    expect(err.retryable).toBe(true);
    // The fault fired once: the next create goes through, and the state shows the zone.
    const zone = await ca.dns.createPrivateZone({ name: 'kafka.internal.', router: { router_id: net('A').vpcId } });
    const state = (await (await fetch(`${sb.adminUrl}/admin/state`)).json()) as { accounts: { name: string; projects: { dnsZones: { id: string }[] }[] }[] };
    expect(state.accounts.find((x) => x.name === 'A')?.projects[0]?.dnsZones.map((z) => z.id)).toEqual([zone.id]);
    const calls = sb.callLog.all().filter((c) => c.operation.startsWith('dns.'));
    expect(calls.map((c) => [c.operation, c.status])).toEqual([
      ['dns.createZone', '503'],
      ['dns.createZone', '202'],
    ]);
  });
});

describe('the per-VPC resolver on the wire', () => {
  it('answers NODATA for AAAA of a known name, FORMERR for a malformed query, REFUSED outside the zones', async () => {
    const { answerQuery } = await import('../../src/sandbox/dataplane/vpc-resolver.js');
    const resolve: Parameters<typeof answerQuery>[1] = (name) => (name === 'b1.x.kafka.internal' ? { kind: 'answer', ips: ['127.9.2.7'], ttl: 60 } : { kind: 'refused' });
    const query = (name: string, type: number): Buffer => {
      const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
      const q = Buffer.concat([...labels, Buffer.from([0, 0, type, 0, 1])]);
      return Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), q]);
    };
    const a = answerQuery(query('b1.x.kafka.internal', 1), resolve);
    expect(a?.readUInt16BE(0)).toBe(0x1234);
    expect((a?.readUInt16BE(2) ?? 0) & 0xf).toBe(0);
    expect(a?.readUInt16BE(6)).toBe(1);
    expect([...(a?.subarray(a.length - 4) ?? [])]).toEqual([127, 9, 2, 7]);
    const aaaa = answerQuery(query('b1.x.kafka.internal', 28), resolve);
    expect([(aaaa?.readUInt16BE(2) ?? 0) & 0xf, aaaa?.readUInt16BE(6)]).toEqual([0, 0]);
    expect((answerQuery(query('other.example', 1), resolve)?.readUInt16BE(2) ?? 0) & 0xf).toBe(5);
    expect((answerQuery(Buffer.from([0xab, 0xcd, 0x01]), resolve)?.readUInt16BE(2) ?? 0) & 0xf).toBe(1);
  });
});
