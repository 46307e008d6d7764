/**
 * Named access (docs/decisions/named-access.md): per client VPC one private zone bound to that VPC, in the
 * client's account (`clientCredentials`), with one A record set per broker name → that VPC's endpoint IP of the
 * broker's port. Contract: docs/dns-contract.md.
 *
 * Idempotent: a zone is found by its name, its router (the client VPC) and our tag `crossvpc-access=<instanceId>`
 * before one is created; a create without an answer is reported in doubt (the workflow looks for the late
 * commit before asking again); record sets are reconciled by name (create the missing, update the changed,
 * delete our own stale ones), so an attempt after a lost answer converges instead of duplicating.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DnsZone } from '../src/otc/dns-schemas.js';
import { isConflict, isNotFound } from '../src/otc/errors.js';
import { ErrorTypes } from '../workflows/errors.js';
import { zoneFqdn } from '../workflows/broker-names.js';
import type { Clients, OtcClientSet } from './clients.js';
import { cloudCall, createOnce, deleteIgnoringNotFound, type CloudScope, type Ensured } from './cloud-call.js';
import { TAG_ACCESS, tagValue } from './naming.js';
import type { CredentialSetName } from './types.js';

export const TAG_CLIENT_VPC = 'crossvpc-vpc';
/** Record TTL: short, so a change (heal, migration back) reaches clients quickly. */
export const RECORD_TTL_S = 60;

export interface ZoneArgs {
  clientCredentials: CredentialSetName;
  instanceId: string;
  clientVpcId: string;
  /** Without the trailing dot. */
  zone: string;
}

export interface ZoneView {
  zoneId: string;
  status: string;
  /** VPC ids bound to the zone. */
  routers: string[];
}

export interface BrokerRecord {
  /** FQDN without the trailing dot. */
  name: string;
  ip: string;
}

export interface RecordsArgs {
  clientCredentials: CredentialSetName;
  instanceId: string;
  zoneId: string;
  records: BrokerRecord[];
}

export interface ZoneRecordsView {
  zone: ZoneView | null;
  /** Our A records (name without dot → its addresses and status). */
  records: { name: string; ips: string[]; status: string }[];
}

function dnsOf(c: OtcClientSet): NonNullable<OtcClientSet['dns']> {
  if (!c.dns) throw ApplicationFailure.create({ type: ErrorTypes.CredentialsNotConfigured, nonRetryable: true, message: 'this worker has no DNS client (named access needs the dns service)' });
  return c.dns;
}

const view = (z: DnsZone): ZoneView => ({ zoneId: z.id, status: z.status, routers: z.routers.map((r) => r.router_id) });
const bare = (name: string): string => name.replace(/\.$/, '');
const recordMarker = (instanceId: string): string => `kafka-crossvpc ${TAG_ACCESS}=${instanceId}`;

async function zonesOnVpc(c: OtcClientSet, scope: CloudScope, args: ZoneArgs): Promise<DnsZone[]> {
  const all = await dnsOf(c).listAllPrivateZones({ name: zoneFqdn(args.zone) }, scope.read());
  return all.filter((z) => z.name === zoneFqdn(args.zone) && z.status !== 'PENDING_DELETE' && z.routers.some((r) => r.router_id === args.clientVpcId));
}

const ours = (z: DnsZone, instanceId: string): boolean => tagValue(z.tags, TAG_ACCESS) === instanceId;

export function createDnsActivities(clients: Clients) {
  return {
    /** Our zone of this name bound to the client VPC, or null. */
    async findClientZone(args: ZoneArgs): Promise<ZoneView | null> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const found = (await zonesOnVpc(c, scope, args)).find((z) => ours(z, args.instanceId));
        return found ? view(found) : null;
      });
    },

    /** Find (name, router, our tag) or create the private zone bound to the client VPC. */
    async ensureClientZone(args: ZoneArgs): Promise<Ensured<ZoneView>> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const onVpc = await zonesOnVpc(c, scope, args);
        const found = onVpc.find((z) => ours(z, args.instanceId));
        if (found) return { state: 'done', value: view(found) };
        const foreign = onVpc[0];
        if (foreign) {
          throw ApplicationFailure.create({
            type: ErrorTypes.ResourceConflict,
            nonRetryable: true,
            message: `VPC ${args.clientVpcId} already has a private zone ${zoneFqdn(args.zone)} (${foreign.id}) that is not this access's; a VPC takes one zone of a name: choose another access.zone`,
          });
        }
        const r = await createOnce(scope, 'createPrivateZone', (o) =>
          dnsOf(c).createPrivateZone(
            {
              name: zoneFqdn(args.zone),
              router: { router_id: args.clientVpcId },
              description: `kafka-crossvpc named access of ${args.instanceId} for VPC ${args.clientVpcId}`,
              ttl: RECORD_TTL_S,
              tags: [
                { key: TAG_ACCESS, value: args.instanceId },
                { key: TAG_CLIENT_VPC, value: args.clientVpcId },
              ],
            },
            o,
          ),
        );
        return r.state === 'done' ? { state: 'done', value: view(r.value) } : r;
      });
    },

    /**
     * Binds our zone to the client VPC again (`associaterouter`): the heal of a zone unbound from its VPC. Done
     * when the VPC is among the zone's routers already (a late commit of an earlier attempt included); the other
     * VPCs bound to it are left as they are (we did not bind them). Returns the VPC's router status on the zone.
     */
    async bindClientZone(args: ZoneArgs & { zoneId: string }): Promise<{ status: string }> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const dns = dnsOf(c);
        const routerOf = (z: DnsZone) => z.routers.find((r) => r.router_id === args.clientVpcId);
        const before = routerOf(await dns.getZone(args.zoneId, scope.read()));
        if (before) return { status: before.status ?? 'ACTIVE' };
        try {
          const r = await scope.mutate('associateRouter', (o) => dns.associateRouter(args.zoneId, { router_id: args.clientVpcId }, o));
          return { status: r.status ?? 'PENDING_CREATE' };
        } catch (err) {
          const after = routerOf(await dns.getZone(args.zoneId, scope.read()));
          if (after) return { status: after.status ?? 'ACTIVE' };
          if (isConflict(err)) {
            throw ApplicationFailure.create({
              type: ErrorTypes.ResourceConflict,
              nonRetryable: true,
              message: `VPC ${args.clientVpcId} has another private zone ${zoneFqdn(args.zone)} meanwhile; our zone ${args.zoneId} cannot be bound to it again`,
            });
          }
          throw err;
        }
      });
    },

    /** The client VPC's router status on the zone: `unbound` when not among its routers, `gone` when the zone is. */
    async getZoneRouterStatus(args: { clientCredentials: CredentialSetName; zoneId: string; clientVpcId: string }): Promise<{ status: string }> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        try {
          const z = await dnsOf(c).getZone(args.zoneId, scope.read());
          const r = z.routers.find((x) => x.router_id === args.clientVpcId);
          return { status: r ? (r.status ?? 'ACTIVE') : 'unbound' };
        } catch (err) {
          if (isNotFound(err)) return { status: 'gone' };
          throw err;
        }
      });
    },

    /** The zone's status (`gone` when deleted). */
    async getZoneStatus(args: { clientCredentials: CredentialSetName; zoneId: string }): Promise<{ status: string }> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        try {
          return { status: (await dnsOf(c).getZone(args.zoneId, scope.read())).status };
        } catch (err) {
          if (isNotFound(err)) return { status: 'gone' };
          throw err;
        }
      });
    },

    /**
     * One A record set per broker name with exactly its endpoint IP: missing ones created, changed ones (drift)
     * updated, our own record sets for names no longer wanted deleted. Returns the names it changed.
     */
    async ensureBrokerRecords(args: RecordsArgs): Promise<{ created: string[]; updated: string[]; deleted: string[] }> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const dns = dnsOf(c);
        const out = { created: [] as string[], updated: [] as string[], deleted: [] as string[] };
        const existing = (await dns.listAllRecordSets(args.zoneId, { type: 'A' }, scope.read())).filter((r) => r.type === 'A' && r.status !== 'PENDING_DELETE');
        for (const want of args.records) {
          const have = existing.find((r) => bare(r.name) === want.name);
          if (have) {
            if (have.records.length !== 1 || have.records[0] !== want.ip) {
              await scope.mutate('updateRecordSet', (o) => dns.updateRecordSet(args.zoneId, have.id, { records: [want.ip], ttl: RECORD_TTL_S }, o));
              out.updated.push(want.name);
            }
            continue;
          }
          try {
            await scope.mutate('createRecordSet', (o) =>
              dns.createRecordSet(args.zoneId, { name: `${want.name}.`, type: 'A', records: [want.ip], ttl: RECORD_TTL_S, description: recordMarker(args.instanceId) }, o),
            );
            out.created.push(want.name);
          } catch (err) {
            // A late commit of an earlier attempt: it exists now; the next attempt reconciles its value.
            if (isConflict(err)) throw ApplicationFailure.create({ type: ErrorTypes.OtcApiError, nonRetryable: false, message: `record set ${want.name} appeared meanwhile; reconciling again` });
            throw err;
          }
        }
        const wanted = new Set(args.records.map((r) => r.name));
        for (const r of existing) {
          if (wanted.has(bare(r.name)) || r.description !== recordMarker(args.instanceId)) continue;
          await deleteIgnoringNotFound(scope, 'deleteRecordSet', (o) => dns.deleteRecordSet(args.zoneId, r.id, o));
          out.deleted.push(bare(r.name));
        }
        return out;
      });
    },

    /** What the zone holds: its status and routers, and its A records (independent read for verify and drift). */
    async readZoneRecords(args: { clientCredentials: CredentialSetName; zoneId: string }): Promise<ZoneRecordsView> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const dns = dnsOf(c);
        let zone: DnsZone;
        try {
          zone = await dns.getZone(args.zoneId, scope.read());
        } catch (err) {
          if (isNotFound(err)) return { zone: null, records: [] };
          throw err;
        }
        const rs = await dns.listAllRecordSets(args.zoneId, { type: 'A' }, scope.read());
        return { zone: view(zone), records: rs.filter((r) => r.type === 'A').map((r) => ({ name: bare(r.name), ips: [...r.records], status: r.status })) };
      });
    },

    /** Deletes the zone (its record sets go with it); already gone is fine. */
    async deleteClientZone(args: { clientCredentials: CredentialSetName; zoneId: string }): Promise<void> {
      const c = clients.of(args.clientCredentials);
      return cloudCall((scope) => deleteIgnoringNotFound(scope, 'deleteZone', (o) => dnsOf(c).deleteZone(args.zoneId, o)));
    },

    /**
     * Teardown: every private zone tagged for this access in the accounts of the given credential sets
     * (`optional` sets only when configured on this worker), whatever VPC it is bound to.
     */
    async discoverAccessZones(args: { instanceId: string; credentialSets: CredentialSetName[]; optional: CredentialSetName[] }): Promise<{ zones: { credentials: CredentialSetName; zoneId: string; vpcIds: string[]; forVpc?: string }[] }> {
      const sets = [...new Set([...args.credentialSets, ...args.optional.filter((s) => clients.isConfigured(s))])];
      return cloudCall(async (scope) => {
        const out: { credentials: CredentialSetName; zoneId: string; vpcIds: string[]; forVpc?: string }[] = [];
        const seen = new Set<string>();
        for (const set of sets) {
          const c = clients.of(set);
          if (!c.dns) continue;
          for (const z of await c.dns.listAllPrivateZones({}, scope.read())) {
            if (!ours(z, args.instanceId) || seen.has(z.id) || z.status === 'PENDING_DELETE') continue;
            seen.add(z.id);
            const forVpc = tagValue(z.tags, TAG_CLIENT_VPC);
            out.push({ credentials: set, zoneId: z.id, vpcIds: z.routers.map((r) => r.router_id), ...(forVpc ? { forVpc } : {}) });
          }
        }
        return { zones: out };
      });
    },
  };
}
