/**
 * DNS private zones (docs/dns-contract.md): zones bound to VPCs (`router`), record sets, associate/disassociate.
 * Project-less URLs (the project is the caller's: token scope, X-Project-Id, or the account's first). Creates and
 * deletes are asynchronous: `PENDING_CREATE` → `ACTIVE` (or `ERROR` under an `async-fail` fault), `PENDING_DELETE`
 * → gone, after DNS_SETTLE_MS. What the zones say is what the per-VPC resolvers (dataplane/vpc-resolver.ts) answer.
 *
 * Choices where the contract is unsure (marked UNSURE there): same-name zones may exist on different VPCs, not
 * twice on one VPC; the router must be a VPC of the caller's project; the last VPC cannot be disassociated.
 * Error body `{code, message}` with `DNS.*` codes (the exact codes are not documented in what we found).
 */
import { z } from 'zod';
import { implicitProject } from '../auth/authenticator.js';
import type { SandboxContext } from '../context.js';
import { jsonBody } from '../http/server.js';
import { HttpError, param, type RequestContext, type RouteDef } from '../http/types.js';
import { isoSeconds, type DnsRecordSet, type DnsZone, type Project } from '../state/world.js';
import { isIpv4 } from '../util/ip.js';

/** How long a zone, record set or router association stays PENDING_* before it settles. */
export const DNS_SETTLE_MS = 150;

export function dnsError(status: number, code: string, message: string): HttpError {
  return new HttpError(status, { code, message });
}

const routerSchema = z.looseObject({ router_id: z.string().min(1), router_region: z.string().optional() });
const zoneCreateSchema = z.looseObject({
  name: z.string().min(1),
  zone_type: z.string().optional(),
  router: routerSchema.optional(),
  email: z.string().optional(),
  description: z.string().max(255).optional(),
  ttl: z.number().int().min(1).max(2_147_483_647).optional(),
  tags: z.array(z.looseObject({ key: z.string().min(1).max(36), value: z.string().max(43).optional() })).max(20).optional(),
  proxy_pattern: z.string().optional(),
});
const routerBodySchema = z.looseObject({ router: routerSchema });
const recordCreateSchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  records: z.array(z.string()).min(1).max(50),
  ttl: z.number().int().min(1).max(2_147_483_647).optional(),
  description: z.string().max(255).optional(),
});
const recordUpdateSchema = z.looseObject({
  records: z.array(z.string()).min(1).max(50).optional(),
  ttl: z.number().int().min(1).max(2_147_483_647).optional(),
  description: z.string().max(255).optional(),
});

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Lower-case FQDN with the trailing dot, or undefined when not a valid domain name. */
export function fqdn(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.length === 0 || n.length > 253) return undefined;
  return n.split('.').every((l) => LABEL.test(l)) ? `${n}.` : undefined;
}

export function dnsRoutes(sb: SandboxContext): RouteDef[] {
  const w = () => sb.world();
  const invalid = (message: string) => dnsError(400, 'DNS.0303', message);
  const project = (ctx: RequestContext): Project => implicitProject(ctx.principal, (m) => dnsError(403, 'DNS.0030', m));
  const body = <T>(ctx: RequestContext, schema: z.ZodType<T>): T => {
    const r = schema.safeParse(jsonBody(ctx, invalid));
    if (!r.success) throw invalid(`Invalid request body: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
    return r.data;
  };
  const region = () => w().region;

  const renderRecordSet = (z0: DnsZone, r: DnsRecordSet) => ({
    id: r.id,
    zone_id: z0.id,
    zone_name: z0.name,
    name: r.name,
    type: r.type,
    records: [...r.records],
    ttl: r.ttl,
    description: r.description,
    status: r.status,
    default: false,
    project_id: z0.projectId,
    created_at: isoSeconds(r.createdAt),
    updated_at: isoSeconds(r.updatedAt),
    links: { self: `${sb.urls.dns}/v2/zones/${z0.id}/recordsets/${r.id}` },
  });
  const renderZone = (z0: DnsZone) => ({
    id: z0.id,
    name: z0.name,
    description: z0.description,
    email: z0.email,
    ttl: z0.ttl,
    serial: z0.serial,
    status: z0.status,
    zone_type: 'private',
    record_num: z0.recordsets.length,
    pool_id: '00000000570e54ee01570e9939b20019',
    project_id: z0.projectId,
    created_at: isoSeconds(z0.createdAt),
    updated_at: isoSeconds(z0.updatedAt),
    routers: z0.routers.map((r) => ({ ...r })),
    masters: [],
    tags: z0.tags.map((t) => ({ ...t })),
    links: { self: `${sb.urls.dns}/v2/zones/${z0.id}` },
  });

  const ownZone = (ctx: RequestContext, p: Project): DnsZone => {
    const z0 = w().zones.get(param(ctx, 'zone_id'));
    if (!z0 || z0.projectId !== p.id) throw dnsError(404, 'DNS.0101', 'The zone does not exist.');
    return z0;
  };
  const ownVpc = (p: Project, routerId: string) => {
    const vpc = w().vpcs.get(routerId);
    if (!vpc || vpc.projectId !== p.id) throw dnsError(400, 'DNS.0208', `The VPC ${routerId} does not exist in this project.`);
    return vpc;
  };
  /** A later transition of a resource still there and still in the state it was scheduled from. */
  const settle = (fn: () => void) => sb.scheduler.after(DNS_SETTLE_MS, fn);

  const createZone = (ctx: RequestContext) => {
    const p = project(ctx);
    const b = body(ctx, zoneCreateSchema);
    if ((b.zone_type ?? 'public') !== 'private') throw invalid('Only private zones are emulated: zone_type must be "private".');
    const name = fqdn(b.name);
    if (!name) throw invalid(`The zone name ${b.name} is not a valid domain name.`);
    if (!b.router) throw invalid('router is required for a private zone.');
    const vpc = ownVpc(p, b.router.router_id);
    for (const other of w().zones.values()) {
      if (other.projectId === p.id && other.name === name && other.status !== 'PENDING_DELETE' && other.routers.some((r) => r.router_id === vpc.id)) {
        throw dnsError(409, 'DNS.0405', `The VPC ${vpc.id} is already associated with a zone named ${name}.`);
      }
    }
    const now = sb.now();
    const zone: DnsZone = {
      id: sb.ids.next('dns-zone').replace(/-/g, ''),
      projectId: p.id,
      name,
      email: b.email ?? `hostmaster@${name.replace(/\.$/, '')}`,
      description: b.description ?? '',
      ttl: b.ttl ?? 300,
      serial: 1,
      status: 'PENDING_CREATE',
      routers: [{ router_id: vpc.id, router_region: b.router.router_region ?? region(), status: 'PENDING_CREATE' }],
      tags: (b.tags ?? []).map((t) => ({ key: t.key, value: t.value ?? '' })),
      recordsets: [],
      createdAt: now,
      updatedAt: now,
      seq: w().nextSeq(),
    };
    const soaNs = (type: string, records: string[]): DnsRecordSet => ({ id: sb.ids.next('dns-rs').replace(/-/g, ''), name, type, records, ttl: 300, description: '', status: 'ACTIVE', createdAt: now, updatedAt: now });
    zone.recordsets.push(soaNs('SOA', [`ns1.private.dns. ${zone.email.replace('@', '.')}. 1 7200 900 1209600 300`]), soaNs('NS', ['ns1.private.dns.']));
    w().zones.set(zone.id, zone);
    const fate = ctx.fate;
    settle(() => {
      const cur = w().zones.get(zone.id);
      if (!cur || cur.status !== 'PENDING_CREATE') return;
      cur.status = fate === 'fail' ? 'ERROR' : fate === 'stuck' ? 'PENDING_CREATE' : 'ACTIVE';
      for (const r of cur.routers) if (r.status === 'PENDING_CREATE' && fate === 'normal') r.status = 'ACTIVE';
      cur.updatedAt = sb.now();
    });
    return { status: 202, body: renderZone(zone) };
  };

  const listZones = (ctx: RequestContext) => {
    const p = project(ctx);
    const type = ctx.query.get('type');
    if (type && type !== 'private') return { status: 200, body: { zones: [], links: { self: `${sb.urls.dns}/v2/zones` }, metadata: { total_count: 0 } } };
    const name = ctx.query.get('name');
    const wanted = name ? fqdn(name) : undefined;
    const status = ctx.query.get('status');
    const tagQuery = ctx.query.get('tags');
    const tagPairs = tagQuery ? tagQuery.split('|').map((t) => t.split(',')) : [];
    let zones = [...w().zones.values()]
      .filter((z0) => z0.projectId === p.id)
      .filter((z0) => !name || z0.name === wanted)
      .filter((z0) => !status || z0.status === status)
      .filter((z0) => tagPairs.every(([k, v]) => z0.tags.some((t) => t.key === k && (v === undefined || v === '' || t.value === v))))
      .sort((a, b) => a.seq - b.seq);
    const total = zones.length;
    const marker = ctx.query.get('marker');
    if (marker) {
      const i = zones.findIndex((z0) => z0.id === marker);
      zones = i >= 0 ? zones.slice(i + 1) : [];
    }
    const limit = Math.min(Number(ctx.query.get('limit') ?? 500) || 500, 500);
    const page = zones.slice(0, limit);
    const last = page[page.length - 1];
    const next = zones.length > limit && last ? `${sb.urls.dns}/v2/zones?type=private&limit=${limit}&marker=${last.id}` : undefined;
    return { status: 200, body: { zones: page.map(renderZone), links: { self: `${sb.urls.dns}/v2/zones`, ...(next ? { next } : {}) }, metadata: { total_count: total } } };
  };

  const getZone = (ctx: RequestContext) => ({ status: 200, body: renderZone(ownZone(ctx, project(ctx))) });

  const deleteZone = (ctx: RequestContext) => {
    const z0 = ownZone(ctx, project(ctx));
    if (z0.status === 'PENDING_DELETE') return { status: 202, body: renderZone(z0) };
    z0.status = 'PENDING_DELETE';
    z0.updatedAt = sb.now();
    const fate = ctx.fate;
    settle(() => {
      const cur = w().zones.get(z0.id);
      if (!cur || cur.status !== 'PENDING_DELETE') return;
      if (fate === 'fail') cur.status = 'ERROR';
      else if (fate === 'normal') w().zones.delete(cur.id);
    });
    return { status: 202, body: renderZone(z0) };
  };

  const associate = (ctx: RequestContext) => {
    const p = project(ctx);
    const z0 = ownZone(ctx, p);
    const b = body(ctx, routerBodySchema);
    const vpc = ownVpc(p, b.router.router_id);
    if (z0.routers.some((r) => r.router_id === vpc.id)) throw dnsError(400, 'DNS.0220', `The VPC ${vpc.id} is already associated with the zone.`);
    for (const other of w().zones.values()) {
      if (other.id !== z0.id && other.projectId === p.id && other.name === z0.name && other.routers.some((r) => r.router_id === vpc.id)) {
        throw dnsError(409, 'DNS.0405', `The VPC ${vpc.id} is already associated with a zone named ${z0.name}.`);
      }
    }
    const router = { router_id: vpc.id, router_region: b.router.router_region ?? region(), status: 'PENDING_CREATE' };
    z0.routers.push(router);
    settle(() => {
      if (router.status === 'PENDING_CREATE') router.status = 'ACTIVE';
    });
    return { status: 202, body: { ...router } };
  };

  const disassociate = (ctx: RequestContext) => {
    const p = project(ctx);
    const z0 = ownZone(ctx, p);
    const b = body(ctx, routerBodySchema);
    const router = z0.routers.find((r) => r.router_id === b.router.router_id);
    if (!router) throw dnsError(400, 'DNS.0221', `The VPC ${b.router.router_id} is not associated with the zone.`);
    if (z0.routers.length === 1) throw dnsError(400, 'DNS.0222', 'A private zone associated with only one VPC cannot be disassociated from it.');
    router.status = 'PENDING_DELETE';
    settle(() => {
      const i = z0.routers.indexOf(router);
      if (i >= 0 && router.status === 'PENDING_DELETE') z0.routers.splice(i, 1);
    });
    return { status: 202, body: { ...router } };
  };

  const checkRecords = (type: string, records: string[]) => {
    if (type === 'A' && records.some((r) => !isIpv4(r))) throw invalid(`An A record set takes IPv4 addresses: ${records.join(', ')}.`);
  };

  const createRecordSet = (ctx: RequestContext) => {
    const z0 = ownZone(ctx, project(ctx));
    if (z0.status === 'PENDING_DELETE') throw dnsError(400, 'DNS.0102', 'The zone is being deleted.');
    const b = body(ctx, recordCreateSchema);
    const name = fqdn(b.name);
    const type = b.type.toUpperCase();
    if (!name || !(name === z0.name || name.endsWith(`.${z0.name}`))) throw invalid(`The record set name ${b.name} is not inside the zone ${z0.name}.`);
    if (!['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'PTR'].includes(type)) throw invalid(`Unsupported record set type ${b.type}.`);
    checkRecords(type, b.records);
    if (z0.recordsets.some((r) => r.name === name && r.type === type && r.status !== 'PENDING_DELETE')) throw dnsError(409, 'DNS.0312', `A record set ${name} of type ${type} already exists.`);
    const now = sb.now();
    const rs: DnsRecordSet = { id: sb.ids.next('dns-rs').replace(/-/g, ''), name, type, records: [...b.records], ttl: b.ttl ?? z0.ttl, description: b.description ?? '', status: 'PENDING_CREATE', createdAt: now, updatedAt: now };
    z0.recordsets.push(rs);
    z0.serial += 1;
    const fate = ctx.fate;
    settle(() => {
      if (rs.status === 'PENDING_CREATE') rs.status = fate === 'fail' ? 'ERROR' : fate === 'stuck' ? 'PENDING_CREATE' : 'ACTIVE';
    });
    return { status: 202, body: renderRecordSet(z0, rs) };
  };

  const ownRecordSet = (ctx: RequestContext, z0: DnsZone): DnsRecordSet => {
    const rs = z0.recordsets.find((r) => r.id === param(ctx, 'recordset_id'));
    if (!rs) throw dnsError(404, 'DNS.0313', 'The record set does not exist.');
    return rs;
  };

  const listRecordSets = (ctx: RequestContext) => {
    const z0 = ownZone(ctx, project(ctx));
    const name = ctx.query.get('name');
    const wanted = name ? fqdn(name) : undefined;
    const type = ctx.query.get('type')?.toUpperCase();
    const all = z0.recordsets.filter((r) => (!name || r.name === wanted) && (!type || r.type === type));
    let rest = all;
    const marker = ctx.query.get('marker');
    if (marker) {
      const i = all.findIndex((r) => r.id === marker);
      rest = i >= 0 ? all.slice(i + 1) : [];
    }
    const limit = Math.min(Number(ctx.query.get('limit') ?? 500) || 500, 500);
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    const next = rest.length > limit && last ? `${sb.urls.dns}/v2/zones/${z0.id}/recordsets?limit=${limit}&marker=${last.id}` : undefined;
    return { status: 200, body: { recordsets: page.map((r) => renderRecordSet(z0, r)), links: { self: `${sb.urls.dns}/v2/zones/${z0.id}/recordsets`, ...(next ? { next } : {}) }, metadata: { total_count: all.length } } };
  };

  const getRecordSet = (ctx: RequestContext) => {
    const z0 = ownZone(ctx, project(ctx));
    return { status: 200, body: renderRecordSet(z0, ownRecordSet(ctx, z0)) };
  };

  const updateRecordSet = (ctx: RequestContext) => {
    const z0 = ownZone(ctx, project(ctx));
    const rs = ownRecordSet(ctx, z0);
    const b = body(ctx, recordUpdateSchema);
    if (b.records) {
      checkRecords(rs.type, b.records);
      rs.records = [...b.records];
    }
    if (b.ttl !== undefined) rs.ttl = b.ttl;
    if (b.description !== undefined) rs.description = b.description;
    rs.updatedAt = sb.now();
    z0.serial += 1;
    return { status: 202, body: renderRecordSet(z0, rs) };
  };

  const deleteRecordSet = (ctx: RequestContext) => {
    const z0 = ownZone(ctx, project(ctx));
    const rs = ownRecordSet(ctx, z0);
    if (rs.type === 'SOA' || rs.type === 'NS') throw dnsError(400, 'DNS.0314', 'The default SOA and NS record sets cannot be deleted.');
    rs.status = 'PENDING_DELETE';
    z0.serial += 1;
    settle(() => {
      const i = z0.recordsets.indexOf(rs);
      if (i >= 0 && rs.status === 'PENDING_DELETE') z0.recordsets.splice(i, 1);
    });
    return { status: 202, body: renderRecordSet(z0, rs) };
  };

  return [
    { method: 'POST', pattern: '/v2/zones', operation: 'dns.createZone', auth: true, handler: createZone },
    { method: 'GET', pattern: '/v2/zones', operation: 'dns.listZones', auth: true, handler: listZones },
    { method: 'GET', pattern: '/v2/zones/{zone_id}', operation: 'dns.getZone', auth: true, handler: getZone },
    { method: 'DELETE', pattern: '/v2/zones/{zone_id}', operation: 'dns.deleteZone', auth: true, handler: deleteZone },
    { method: 'POST', pattern: '/v2/zones/{zone_id}/associaterouter', operation: 'dns.associateRouter', auth: true, handler: associate },
    { method: 'POST', pattern: '/v2/zones/{zone_id}/disassociaterouter', operation: 'dns.disassociateRouter', auth: true, handler: disassociate },
    { method: 'POST', pattern: '/v2/zones/{zone_id}/recordsets', operation: 'dns.createRecordSet', auth: true, handler: createRecordSet },
    { method: 'GET', pattern: '/v2/zones/{zone_id}/recordsets', operation: 'dns.listRecordSets', auth: true, handler: listRecordSets },
    { method: 'GET', pattern: '/v2/zones/{zone_id}/recordsets/{recordset_id}', operation: 'dns.getRecordSet', auth: true, handler: getRecordSet },
    { method: 'PUT', pattern: '/v2/zones/{zone_id}/recordsets/{recordset_id}', operation: 'dns.updateRecordSet', auth: true, handler: updateRecordSet },
    { method: 'DELETE', pattern: '/v2/zones/{zone_id}/recordsets/{recordset_id}', operation: 'dns.deleteRecordSet', auth: true, handler: deleteRecordSet },
  ];
}

/**
 * What a resolver in `vpcId` answers for `name` (type A): the records of the ACTIVE zone bound (ACTIVE router)
 * to that VPC whose name is the longest suffix of `name`. `nxdomain`: a zone of the VPC covers the name but has
 * no such A record set; `refused`: no zone of this VPC covers it (the real resolver would recurse to the public
 * DNS; ours answers nothing outside the private zones).
 */
export function resolveInVpc(zones: Iterable<DnsZone>, vpcId: string, name: string): { kind: 'answer'; ips: string[]; ttl: number } | { kind: 'nxdomain' } | { kind: 'refused' } {
  const q = fqdn(name);
  if (!q) return { kind: 'refused' };
  let best: DnsZone | undefined;
  for (const z0 of zones) {
    if (z0.status !== 'ACTIVE' || !z0.routers.some((r) => r.router_id === vpcId && r.status !== 'PENDING_CREATE')) continue;
    if (!(q === z0.name || q.endsWith(`.${z0.name}`))) continue;
    if (!best || z0.name.length > best.name.length) best = z0;
  }
  if (!best) return { kind: 'refused' };
  const rs = best.recordsets.find((r) => r.name === q && r.type === 'A' && (r.status === 'ACTIVE' || r.status === 'PENDING_UPDATE'));
  return rs ? { kind: 'answer', ips: [...rs.records], ttl: rs.ttl } : { kind: 'nxdomain' };
}
