/**
 * VPC Endpoint v1 (otc-vpcep-api.md): endpoint services, whitelist, describe, endpoints, connections, quotas.
 * Errors are `{"error_code","error_msg"}` with the reference's HTTP codes (§9).
 */
import { z } from 'zod';
import { callerProject } from '../auth/authenticator.js';
import type { SandboxContext } from '../context.js';
import type { QuotaResource } from '../faults/fault-injector.js';
import { jsonBody } from '../http/server.js';
import { HttpError, param, type RequestContext, type RouteDef } from '../http/types.js';
import { timestamps, type VpcepLifecycle } from '../lifecycle/vpcep-lifecycle.js';
import { isoSeconds, type Endpoint, type EndpointService, type PermissionRecord, type PortMapping, type Project, type Tag, type World } from '../state/world.js';
import { cidrContainsIp, isCidr, isIpv4 } from '../util/ip.js';
import { uuidFrom } from '../util/random.js';

const SERVICE_STATUSES = ['creating', 'available', 'failed', 'deleting'];
const ENDPOINT_STATUSES = ['creating', 'pendingAcceptance', 'accepted', 'rejected', 'failed', 'deleting'];

const tagSchema = z.looseObject({ key: z.string(), value: z.string().optional() });
const portSchema = z.looseObject({
  client_port: z.number().optional(),
  server_port: z.number().optional(),
  protocol: z.string().optional(),
});
const serviceCreateSchema = z.looseObject({
  port_id: z.string().optional(),
  vpc_id: z.string().optional(),
  server_type: z.string().optional(),
  ports: z.array(portSchema).optional(),
  approval_enabled: z.boolean().optional(),
  service_type: z.string().optional(),
  service_name: z.string().optional(),
  tcp_proxy: z.string().optional(),
  pool_id: z.string().optional(),
  vip_port_id: z.string().optional(),
  tags: z.array(tagSchema).optional(),
  description: z.string().optional(),
});
const serviceUpdateSchema = serviceCreateSchema.pick({
  approval_enabled: true,
  service_name: true,
  ports: true,
  port_id: true,
  tcp_proxy: true,
  description: true,
  vip_port_id: true,
});
const permissionsActionSchema = z.looseObject({ permissions: z.array(z.string()).optional(), action: z.string().optional() });
const connectionsActionSchema = z.looseObject({ endpoints: z.array(z.string()).optional(), action: z.string().optional() });
const endpointCreateSchema = z.looseObject({
  endpoint_service_id: z.string().optional(),
  vpc_id: z.string().optional(),
  subnet_id: z.string().optional(),
  port_ip: z.string().optional(),
  ip: z.string().optional(),
  enable_dns: z.boolean().optional(),
  whitelist: z.array(z.string()).optional(),
  enable_whitelist: z.boolean().optional(),
  specification_name: z.string().optional(),
  tags: z.array(tagSchema).optional(),
  description: z.string().optional(),
});

interface ListParams {
  limit: number;
  offset: number;
  sortKey: 'created_at' | 'updated_at';
  sortDir: 'asc' | 'desc';
}

export function vpcepRoutes(sb: SandboxContext, lifecycle: VpcepLifecycle): RouteDef[] {
  /** Quota of `resource` in `projectId` (scenario `quotas`, lowered while a `quota-exceeded` fault holds it) and its use. */
  const quotaOf = (ctx: RequestContext, resource: QuotaResource, projectId: string): { used: number; quota: number; faultId?: string } => {
    const used = resource === 'endpoint_service' ? [...w().services.values()].filter((s) => s.projectId === projectId).length : [...w().endpoints.values()].filter((e) => e.projectId === projectId).length;
    const base = resource === 'endpoint_service' ? sb.scenario.quotas.endpointServices : sb.scenario.quotas.endpoints;
    const held = sb.faults.quotaOverride(resource, ctx.principal?.account.name, used);
    return held && held.quota < base ? { used, quota: held.quota, faultId: held.faultId } : { used, quota: base };
  };
  /** 400 Endpoint.1018 "Quota exceeded." (casing as documented) when nothing more may be created. */
  const checkQuota = (ctx: RequestContext, resource: QuotaResource, projectId: string): void => {
    const q = quotaOf(ctx, resource, projectId);
    if (q.used < q.quota) return;
    if (q.faultId) {
      sb.faults.quotaRefused(q.faultId);
      ctx.fired.push(q.faultId);
    }
    throw err(400, 'Endpoint.1018', 'Quota exceeded.', ctx);
  };

  const behaviour = () => sb.scenario.behaviour.vpcep;
  const err = (status: number, code: string, message: string, ctx?: RequestContext): HttpError =>
    new HttpError(status, { error_code: code, error_msg: message, ...(behaviour().errorRequestId && ctx ? { request_id: ctx.requestId } : {}) });
  const w = (): World => sb.world();
  const project = (ctx: RequestContext): Project =>
    callerProject(ctx.principal, w(), param(ctx, 'project_id'), (m) => err(403, 'EndPoint.0004', `Access denied: ${m}`, ctx));
  const body = <T>(ctx: RequestContext, schema: z.ZodType<T>): T => {
    const raw = jsonBody(ctx, (m) => err(400, 'EndPoint.0002', `Parameter error: ${m}`, ctx));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw err(400, 'EndPoint.0002', `Parameter error: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid body'}`, ctx);
    }
    return parsed.data;
  };

  const listParams = (ctx: RequestContext, maxLimit = 1000): ListParams => {
    const q = ctx.query;
    const int = (name: string, code: string, min: number, max: number, dflt: number): number => {
      const v = q.get(name);
      if (v === null || v === '') return dflt;
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw err(400, code, `Invalid ${name}.`, ctx);
      return Number(v);
    };
    const limit = int('limit', 'EndPoint.0006', 0, maxLimit, 10);
    const offset = int('offset', 'EndPoint.0010', 0, Number.MAX_SAFE_INTEGER, 0);
    const sortKey = q.get('sort_key') ?? 'created_at';
    if (sortKey !== 'created_at' && sortKey !== 'updated_at') throw err(400, 'EndPoint.0017', 'Invalid sort_key.', ctx);
    const sortDir = (q.get('sort_dir') ?? 'desc').toLowerCase();
    if (sortDir !== 'asc' && sortDir !== 'desc') throw err(400, 'EndPoint.0018', 'Invalid sort_dir.', ctx);
    return { limit, offset, sortKey, sortDir };
  };
  const page = <T extends { createdAt: Date; updatedAt: Date; seq: number }>(items: T[], p: ListParams): T[] => {
    const key = p.sortKey === 'created_at' ? 'createdAt' : 'updatedAt';
    const sorted = [...items].sort((a, b) => a[key].getTime() - b[key].getTime() || a.seq - b.seq);
    if (p.sortDir === 'desc') sorted.reverse();
    return sorted.slice(p.offset, p.offset + p.limit);
  };
  const statusFilter = (ctx: RequestContext, allowed: string[]): string | undefined => {
    const s = ctx.query.get('status');
    if (s === null || s === '') return undefined;
    if (!allowed.some((a) => a.toLowerCase() === s.toLowerCase())) throw err(400, 'EndPoint.0019', 'Invalid status.', ctx);
    return s.toLowerCase();
  };

  const fullName = (svc: EndpointService): string => `${w().region}.${svc.shortName ? `${svc.shortName}.` : ''}${svc.id}`;
  const connectionCount = (svc: EndpointService): number =>
    [...w().endpoints.values()].filter((e) => e.serviceId === svc.id && (e.status === 'creating' || e.status === 'accepted')).length;
  const renderService = (svc: EndpointService, mode: 'create' | 'get' | 'list') => ({
    id: svc.id,
    port_id: svc.portId,
    ...(svc.vipPortId ? { vip_port_id: svc.vipPortId } : {}),
    ...(svc.poolId ? { pool_id: svc.poolId } : {}),
    service_name: fullName(svc),
    service_type: svc.serviceType,
    server_type: svc.serverType,
    vpc_id: svc.vpcId,
    approval_enabled: svc.approvalEnabled,
    status: svc.status,
    ...timestamps(svc),
    project_id: svc.projectId,
    ...(mode === 'list' ? { domain_id: svc.domainId } : {}),
    ports: svc.ports.map((p) => ({ ...p })),
    tcp_proxy: svc.tcpProxy,
    tags: svc.tags.map((t) => ({ ...t })),
    description: svc.description,
    enable_policy: false,
    ...(mode !== 'create' ? { connection_count: connectionCount(svc) } : {}),
    ...(svc.error ? { error: svc.error } : {}),
  });
  const renderEndpoint = (ep: Endpoint) => ({
    id: ep.id,
    service_type: ep.serviceType,
    status: ep.status,
    active_status: ['active'],
    endpoint_service_name: ep.serviceName,
    endpoint_service_id: ep.serviceId,
    marker_id: ep.markerId,
    vpc_id: ep.vpcId,
    subnet_id: ep.subnetId,
    project_id: ep.projectId,
    ...(ep.ip ? { ip: ep.ip } : {}),
    enable_dns: ep.enableDns,
    ...(ep.enableDns && ep.ip ? { dns_names: [`${ep.id}.${ep.serviceName.split('.').slice(0, -1).join('.')}.vpcep.sandbox.internal`] } : {}),
    enable_whitelist: ep.enableWhitelist,
    whitelist: [...ep.whitelist],
    routetables: [],
    tags: ep.tags.map((t) => ({ ...t })),
    description: ep.description,
    specification_name: ep.specificationName,
    enable_status: 'enable',
    endpoint_pool_id: uuidFrom(`pool:${ep.id}`),
    ...timestamps(ep),
    ...(ep.error ? { error: ep.error } : {}),
  });
  const renderConnection = (ep: Endpoint) => ({
    id: ep.id,
    marker_id: ep.markerId,
    ...timestamps(ep),
    domain_id: ep.domainId,
    status: ep.status,
    description: ep.description,
    ...(ep.error ? { error: ep.error } : {}),
  });

  const ownService = (ctx: RequestContext, p: Project): EndpointService => {
    const svc = w().services.get(param(ctx, 'service_id'));
    if (!svc || svc.projectId !== p.id) throw err(404, 'EndPoint.0005', 'The resource does not exist.', ctx);
    return svc;
  };

  const checkTags = (ctx: RequestContext, tags: z.infer<typeof tagSchema>[] | undefined): Tag[] => {
    if (!tags) return [];
    if (tags.length > 20) throw err(400, 'EndPoint.3069', 'Too many tags (at most 20).', ctx);
    const seen = new Set<string>();
    const charset = /^[\p{L}\p{N}_@-]*$/u;
    return tags.map((t) => {
      const value = t.value ?? '';
      if (t.key === '') throw err(400, 'EndPoint.3066', 'The tag key is empty.', ctx);
      if (seen.has(t.key)) throw err(400, 'EndPoint.3067', `Duplicate tag key ${t.key}.`, ctx);
      seen.add(t.key);
      if ([...t.key].length > 36 || !charset.test(t.key)) throw err(400, 'EndPoint.3068', `Invalid tag key ${t.key}.`, ctx);
      if ([...value].length > 43 || !charset.test(value)) throw err(400, 'EndPoint.3070', `Invalid tag value for ${t.key}.`, ctx);
      return { key: t.key, value };
    });
  };
  const checkDescription = (ctx: RequestContext, d: string | undefined): string => {
    if (d === undefined) return '';
    if (d.length > 128 || /[<>]/.test(d)) throw err(400, 'EndPoint.0002', 'Parameter error: description (at most 128 characters, no < or >).', ctx);
    return d;
  };
  const checkName = (ctx: RequestContext, n: string | undefined): string | undefined => {
    if (n === undefined || n === '') return undefined;
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(n)) throw err(400, 'EndPoint.1003', 'Invalid service name.', ctx);
    return n;
  };
  const checkPorts = (ctx: RequestContext, ports: z.infer<typeof portSchema>[] | undefined): PortMapping[] => {
    if (!ports || ports.length === 0) throw err(400, 'EndPoint.3043', 'Invalid service port: ports is required.', ctx);
    if (ports.length > 200) throw err(400, 'EndPoint.3074', 'Too many ports.', ctx);
    const out: PortMapping[] = [];
    for (const p of ports) {
      const protocol = (p.protocol ?? 'TCP').toUpperCase();
      if (protocol !== 'TCP' && !(protocol === 'UDP' && behaviour().allowUdp)) throw err(400, 'EndPoint.3075', `Invalid protocol ${p.protocol ?? ''}.`, ctx);
      const ok = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n >= 1 && n <= 65535;
      if (!ok(p.client_port) || !ok(p.server_port)) throw err(400, 'EndPoint.3043', 'Invalid service port.', ctx);
      const m = { client_port: p.client_port as number, server_port: p.server_port as number, protocol };
      if (out.some((o) => (o.client_port === m.client_port || o.server_port === m.server_port) && o.protocol === m.protocol)) {
        throw err(400, 'EndPoint.3043', 'Invalid service port: duplicate mapping.', ctx);
      }
      out.push(m);
    }
    return out;
  };
  const checkPortConflict = (ctx: RequestContext, portId: string, ports: PortMapping[], self?: string) => {
    for (const other of w().services.values()) {
      if (other.id === self || other.portId !== portId || other.status === 'failed') continue;
      if (other.ports.some((o) => ports.some((p) => p.server_port === o.server_port && p.protocol === o.protocol))) {
        throw err(400, 'EndPoint.3044', `The ports conflict with endpoint service ${other.id}.`, ctx);
      }
    }
  };
  const checkPortId = (ctx: RequestContext, p: Project, portId: string, vpcId: string) => {
    const port = w().ports.get(portId);
    if (!port || port.projectId !== p.id) throw err(400, 'EndPoint.3008', 'The port does not exist.', ctx);
    if (port.vpcId !== vpcId) throw err(400, 'EndPoint.3042', 'The port ID does not belong to the current VPC.', ctx);
  };
  const permitted = (svc: EndpointService, domainId: string): boolean =>
    svc.domainId === domainId || svc.permissions.some((r) => r.permission === '*' || r.permission === `iam:domain::${domainId}`);

  // ---- endpoint services ----
  const createService = (ctx: RequestContext) => {
    const p = project(ctx);
    const b = body(ctx, serviceCreateSchema);
    if (!b.port_id) throw err(400, 'EndPoint.3063', 'Invalid port ID: port_id is required.', ctx);
    if (!b.vpc_id) throw err(400, 'EndPoint.2011', 'The VPC ID is empty.', ctx);
    const vpc = w().vpcs.get(b.vpc_id);
    if (!vpc || vpc.projectId !== p.id) throw err(400, 'EndPoint.2001', 'The VPC does not exist.', ctx);
    const serverType = (b.server_type ?? '').toUpperCase();
    if (!['LB', 'VM', 'VIP', 'BMS'].includes(serverType)) throw err(400, 'EndPoint.3021', 'Invalid serverType.', ctx);
    const serviceType = b.service_type ?? 'interface';
    if (serviceType !== 'interface') throw err(400, 'EndPoint.0002', 'Parameter error: only interface services can be created.', ctx);
    const shortName = checkName(ctx, b.service_name);
    const ports = checkPorts(ctx, b.ports);
    const tcpProxy = b.tcp_proxy ?? 'close';
    if (!['close', 'toa_open', 'proxy_open', 'open', 'proxy_vni'].includes(tcpProxy)) throw err(400, 'EndPoint.0002', 'Parameter error: tcp_proxy.', ctx);
    const tags = checkTags(ctx, b.tags);
    const description = checkDescription(ctx, b.description);
    checkPortId(ctx, p, b.port_id, b.vpc_id);
    checkPortConflict(ctx, b.port_id, ports);
    checkQuota(ctx, 'endpoint_service', p.id);
    const now = sb.now();
    const svc: EndpointService = {
      id: sb.ids.next('service'),
      projectId: p.id,
      domainId: p.domainId,
      shortName,
      portId: b.port_id,
      vipPortId: b.vip_port_id,
      poolId: b.pool_id,
      vpcId: b.vpc_id,
      serverType,
      serviceType,
      ports,
      approvalEnabled: b.approval_enabled ?? true,
      tcpProxy,
      description,
      tags,
      status: 'creating',
      error: undefined,
      permissions: [],
      createdAt: now,
      updatedAt: now,
      seq: w().nextSeq(),
    };
    w().services.set(svc.id, svc);
    lifecycle.serviceCreated(svc, ctx.fate, ctx.fateError);
    return { status: 200, body: renderService(svc, 'create') };
  };

  const listServices = (ctx: RequestContext) => {
    const p = project(ctx);
    const lp = listParams(ctx);
    const name = ctx.query.get('endpoint_service_name')?.toLowerCase();
    const id = ctx.query.get('id');
    const status = statusFilter(ctx, SERVICE_STATUSES);
    const all = [...w().services.values()].filter(
      (s) => s.projectId === p.id && (!name || fullName(s).toLowerCase().includes(name)) && (!id || s.id === id) && (!status || s.status === status),
    );
    return { status: 200, body: { endpoint_services: page(all, lp).map((s) => renderService(s, 'list')), total_count: all.length } };
  };

  const describeService = (ctx: RequestContext) => {
    const p = project(ctx);
    const name = ctx.query.get('endpoint_service_name');
    const id = ctx.query.get('id');
    if (!name && !id) throw err(400, 'EndPoint.0002', 'Parameter error: endpoint_service_name or id is required.', ctx);
    const svc = [...w().services.values()].find((s) => (id ? s.id === id : fullName(s).toLowerCase() === (name ?? '').toLowerCase()));
    if (!svc || (behaviour().describeRequiresWhitelist && !permitted(svc, p.domainId))) {
      throw err(404, 'EndPoint.0005', 'The endpoint service does not exist.', ctx);
    }
    return {
      status: 200,
      body: { id: svc.id, service_name: fullName(svc), service_type: svc.serviceType, server_type: svc.serverType, created_at: isoSeconds(svc.createdAt), is_charge: false },
    };
  };

  const updateService = (ctx: RequestContext) => {
    const p = project(ctx);
    const svc = ownService(ctx, p);
    const b = body(ctx, serviceUpdateSchema);
    if (svc.status !== 'available') throw err(400, 'EndPoint.3045', 'Other properties cannot be changed in the current state.', ctx);
    const shortName = b.service_name !== undefined ? checkName(ctx, b.service_name) : svc.shortName;
    const ports = b.ports !== undefined ? checkPorts(ctx, b.ports) : svc.ports;
    const portId = b.port_id ?? svc.portId;
    if (b.port_id !== undefined) checkPortId(ctx, p, b.port_id, svc.vpcId);
    if (b.ports !== undefined || b.port_id !== undefined) checkPortConflict(ctx, portId, ports, svc.id);
    const description = b.description !== undefined ? checkDescription(ctx, b.description) : svc.description;
    const forwardingChanged = portId !== svc.portId || JSON.stringify(ports) !== JSON.stringify(svc.ports);
    svc.shortName = shortName;
    svc.ports = ports;
    svc.portId = portId;
    svc.description = description;
    if (b.approval_enabled !== undefined) svc.approvalEnabled = b.approval_enabled;
    if (b.tcp_proxy !== undefined) svc.tcpProxy = b.tcp_proxy;
    if (b.vip_port_id !== undefined) svc.vipPortId = b.vip_port_id;
    svc.updatedAt = sb.now();
    lifecycle.serviceUpdated(svc, forwardingChanged);
    return { status: 200, body: renderService(svc, 'get') };
  };

  const deleteService = (ctx: RequestContext) => {
    const p = project(ctx);
    const svc = ownService(ctx, p);
    if (svc.status === 'deleting') {
      if (behaviour().deleteWhileDeleting === 'error') throw err(400, 'EndPoint.2018', 'The endpoint service is being deleted.', ctx);
      // A deletion held by a stuck fault resumes when the DELETE is sent again and the fault no longer fires.
      if (lifecycle.isStuckDeleting(svc.id) && ctx.fate !== 'stuck') lifecycle.serviceDeleting(svc, ctx.fate);
      return { status: 204 };
    }
    if (connectionCount(svc) > 0) throw err(400, 'EndPoint.3006', 'The endpoint service is being used.', ctx);
    lifecycle.serviceDeleting(svc, ctx.fate);
    return { status: 204 };
  };

  // ---- whitelist ----
  const permissionsAction = (ctx: RequestContext) => {
    const p = project(ctx);
    const svc = ownService(ctx, p);
    const b = body(ctx, permissionsActionSchema);
    if (b.action !== 'add' && b.action !== 'remove') throw err(400, 'EndPoint.3035', 'Invalid action.', ctx);
    if (!b.permissions || b.permissions.length === 0) throw err(400, 'EndPoint.3036', 'The permission list is empty.', ctx);
    for (const perm of b.permissions) {
      const ok = perm === '*' || /^iam:domain::[A-Za-z0-9]{1,64}$/.test(perm);
      if (!ok) throw err(400, 'EndPoint.3002', 'Invalid permission.', ctx);
    }
    if (b.action === 'add') {
      const fresh = b.permissions.filter((perm, i, all) => all.indexOf(perm) === i && !svc.permissions.some((r) => r.permission === perm));
      if (svc.permissions.length + fresh.length > sb.scenario.quotas.whitelistRecords) {
        throw err(400, 'EndPoint.3049', 'The maximum number of whitelist records has been reached.', ctx);
      }
      for (const perm of fresh) {
        svc.permissions.push({ id: sb.ids.next('permission'), permission: perm, description: '', createdAt: sb.now(), seq: w().nextSeq() });
      }
    } else {
      svc.permissions = svc.permissions.filter((r) => !b.permissions?.includes(r.permission));
    }
    svc.updatedAt = sb.now();
    const permissions = behaviour().permissionsActionResponse === 'full' ? svc.permissions.map((r) => r.permission) : b.permissions;
    return { status: 200, body: { permissions } };
  };

  const renderPermission = (r: PermissionRecord) => ({
    id: r.id,
    permission: r.permission,
    description: r.description,
    permission_type: 'domainId',
    created_at: isoSeconds(r.createdAt),
  });
  const listPermissions = (ctx: RequestContext) => {
    const p = project(ctx);
    const svc = ownService(ctx, p);
    const lp = listParams(ctx, 500);
    const filter = ctx.query.get('permission')?.toLowerCase();
    const records: (PermissionRecord & { updatedAt: Date })[] = svc.permissions.map((r) => ({ ...r, updatedAt: r.createdAt }));
    if (behaviour().ownDomainInPermissionList) {
      records.unshift({ id: uuidFrom(`own:${svc.id}`), permission: `iam:domain::${svc.domainId}`, description: '', createdAt: svc.createdAt, updatedAt: svc.createdAt, seq: 0 });
    }
    const all = records.filter((r) => !filter || r.permission.toLowerCase().includes(filter));
    return { status: 200, body: { permissions: page(all, lp).map(renderPermission), total_count: all.length } };
  };

  // ---- connections ----
  const listConnections = (ctx: RequestContext) => {
    const p = project(ctx);
    const svc = ownService(ctx, p);
    const lp = listParams(ctx);
    const id = ctx.query.get('id');
    const marker = ctx.query.get('marker_id');
    const status = statusFilter(ctx, ENDPOINT_STATUSES);
    const all = [...w().endpoints.values()].filter(
      (e) => e.serviceId === svc.id && (!id || e.id === id) && (!marker || String(e.markerId) === marker) && (!status || e.status.toLowerCase() === status),
    );
    return { status: 200, body: { connections: page(all, lp).map(renderConnection), total_count: all.length } };
  };

  const connectionAction = (ctx: RequestContext) => {
    const p = project(ctx);
    const svc = ownService(ctx, p);
    const b = body(ctx, connectionsActionSchema);
    if (!b.endpoints || b.endpoints.length === 0) throw err(400, 'EndPoint.0002', 'Parameter error: endpoints is required.', ctx);
    if (b.endpoints.length > 1) throw err(400, 'EndPoint.2031', 'Only one endpoint is allowed.', ctx);
    if (b.action !== 'receive' && b.action !== 'reject') throw err(400, 'EndPoint.2027', 'Invalid action.', ctx);
    const ep = w().endpoints.get(b.endpoints[0] ?? '');
    if (!ep || ep.serviceId !== svc.id) throw err(400, 'EndPoint.2013', 'The endpoint does not belong to the endpoint service.', ctx);
    if (ep.status === 'creating') throw err(400, 'EndPoint.2019', 'The endpoint is being created.', ctx);
    if (ep.status === 'deleting') throw err(400, 'EndPoint.2018', 'The endpoint is being deleted.', ctx);
    if (ep.status === 'failed') throw err(400, 'EndPoint.0002', 'Parameter error: the endpoint is in status failed.', ctx);
    if (b.action === 'receive' && ep.status !== 'accepted') lifecycle.accept(ep);
    if (b.action === 'reject' && ep.status !== 'rejected') lifecycle.reject(ep);
    return { status: 200, body: { connections: [renderConnection(ep)] } };
  };

  // ---- endpoints ----
  const createEndpoint = (ctx: RequestContext) => {
    const p = project(ctx);
    const b = body(ctx, endpointCreateSchema);
    if (!b.endpoint_service_id) throw err(400, 'EndPoint.0002', 'Parameter error: endpoint_service_id is required.', ctx);
    if (!b.vpc_id) throw err(400, 'EndPoint.2011', 'The VPC ID is empty.', ctx);
    const svc = w().services.get(b.endpoint_service_id);
    if (!svc || svc.status === 'deleting') throw err(400, 'EndPoint.2003', 'The endpoint service does not exist.', ctx);
    if (svc.serviceType === 'interface' && !b.subnet_id) throw err(400, 'EndPoint.2010', 'The subnet ID is empty.', ctx);
    const vpc = w().vpcs.get(b.vpc_id);
    if (!vpc || vpc.projectId !== p.id) throw err(400, 'EndPoint.2001', 'The VPC does not exist.', ctx);
    const subnet = b.subnet_id ? w().subnets.get(b.subnet_id) : undefined;
    if (!subnet || subnet.projectId !== p.id || subnet.vpcId !== vpc.id) throw err(400, 'EndPoint.2037', 'The network does not belong to the VPC.', ctx);
    if (svc.status !== 'available') throw err(400, 'EndPoint.2004', 'The endpoint service is unavailable.', ctx);
    if (!permitted(svc, p.domainId)) throw err(400, 'EndPoint.2012', 'You have no permission to connect to the VPC endpoint service.', ctx);
    checkQuota(ctx, 'endpoint', p.id);
    const portIp = b.port_ip ?? b.ip;
    if (portIp !== undefined) {
      if (!isIpv4(portIp)) throw err(400, 'EndPoint.2041', 'The port IP is invalid.', ctx);
      if (!cidrContainsIp(subnet.cidr, portIp)) throw err(400, 'EndPoint.2043', 'The port IP is not in the subnet.', ctx);
      if (w().usedIps(subnet.id).has(portIp)) throw err(400, 'EndPoint.2042', 'The port IP is in use.', ctx);
    }
    const whitelist = b.whitelist ?? [];
    if (whitelist.length > 20) throw err(400, 'EndPoint.2045', 'The endpoint whitelist is full.', ctx);
    if (whitelist.some((x) => !isIpv4(x) && !isCidr(x))) throw err(400, 'EndPoint.2044', 'Invalid endpoint whitelist.', ctx);
    const tags = checkTags(ctx, b.tags);
    const description = checkDescription(ctx, b.description);
    const now = sb.now();
    const ep: Endpoint = {
      id: sb.ids.next('endpoint'),
      projectId: p.id,
      domainId: p.domainId,
      serviceId: svc.id,
      serviceName: fullName(svc),
      serviceType: svc.serviceType,
      vpcId: vpc.id,
      subnetId: subnet.id,
      requestedIp: portIp,
      ip: undefined,
      status: 'creating',
      markerId: w().nextMarkerId(),
      enableDns: b.enable_dns ?? false,
      whitelist,
      enableWhitelist: b.enable_whitelist ?? false,
      description,
      tags,
      specificationName: b.specification_name ?? 'default',
      error: undefined,
      forwarding: false,
      createdAt: now,
      updatedAt: now,
      seq: w().nextSeq(),
    };
    w().endpoints.set(ep.id, ep);
    lifecycle.endpointCreated(ep, ctx.fate, ctx.fateError);
    return { status: 200, body: renderEndpoint(ep) };
  };

  const ownEndpoint = (ctx: RequestContext, p: Project): Endpoint => {
    const ep = w().endpoints.get(param(ctx, 'endpoint_id'));
    if (!ep || ep.projectId !== p.id) throw err(404, 'EndPoint.2006', 'The requested endpoint does not exist.', ctx);
    return ep;
  };

  const listEndpoints = (ctx: RequestContext) => {
    const p = project(ctx);
    const lp = listParams(ctx);
    const name = ctx.query.get('endpoint_service_name')?.toLowerCase();
    const vpcId = ctx.query.get('vpc_id') ?? ctx.query.get('router_id');
    const id = ctx.query.get('id');
    const status = statusFilter(ctx, ENDPOINT_STATUSES);
    const all = [...w().endpoints.values()].filter(
      (e) =>
        e.projectId === p.id &&
        (!name || e.serviceName.toLowerCase().includes(name)) &&
        (!vpcId || e.vpcId === vpcId) &&
        (!id || e.id === id) &&
        (!status || e.status.toLowerCase() === status),
    );
    return { status: 200, body: { endpoints: page(all, lp).map(renderEndpoint), total_count: all.length } };
  };

  const deleteEndpoint = (ctx: RequestContext) => {
    const p = project(ctx);
    const ep = ownEndpoint(ctx, p);
    if (ep.status === 'deleting') {
      if (behaviour().deleteWhileDeleting === 'error') throw err(400, 'EndPoint.2018', 'The endpoint is being deleted.', ctx);
      if (lifecycle.isStuckDeleting(ep.id) && ctx.fate !== 'stuck') lifecycle.endpointDeleting(ep, ctx.fate);
      return { status: 204 };
    }
    lifecycle.endpointDeleting(ep, ctx.fate);
    return { status: 204 };
  };

  const quotas = (ctx: RequestContext) => {
    const p = project(ctx);
    const type = ctx.query.get('type');
    if (type !== null && type !== 'endpoint_service' && type !== 'endpoint') throw err(400, 'EndPoint.0002', 'Parameter error: type.', ctx);
    const resources = (['endpoint_service', 'endpoint'] as const)
      .filter((r) => type === null || r === type)
      .map((r) => {
        const q = quotaOf(ctx, r, p.id);
        return { type: r, used: q.used, quota: q.quota };
      });
    return { status: 200, body: { quotas: { resources } } };
  };

  const versions = () => ({
    status: 200,
    body: {
      versions: [
        { id: 'v1', links: [], version: '', status: 'CURRENT', updated: '2018-09-30T00:00:00Z', min_version: '' },
        { id: 'v2', links: [], version: '', status: 'CURRENT', updated: '2018-09-30T00:00:00Z', min_version: '' },
      ],
    },
  });

  const S = '/v1/{project_id}/vpc-endpoint-services';
  const E = '/v1/{project_id}/vpc-endpoints';
  return [
    { method: 'GET', pattern: '/', operation: 'vpcep.listVersions', auth: false, handler: versions },
    { method: 'POST', pattern: S, operation: 'vpcep.createEndpointService', auth: true, handler: createService },
    { method: 'GET', pattern: S, operation: 'vpcep.listEndpointServices', auth: true, handler: listServices },
    { method: 'GET', pattern: `${S}/describe`, operation: 'vpcep.describeEndpointService', auth: true, handler: describeService },
    {
      method: 'GET',
      pattern: `${S}/public`,
      operation: 'vpcep.listPublicEndpointServices',
      auth: true,
      handler: (ctx) => {
        project(ctx);
        return { status: 200, body: { endpoint_services: [], total_count: 0 } };
      },
    },
    {
      method: 'GET',
      pattern: `${S}/{service_id}`,
      operation: 'vpcep.getEndpointService',
      auth: true,
      handler: (ctx) => ({ status: 200, body: renderService(ownService(ctx, project(ctx)), 'get') }),
    },
    { method: 'PUT', pattern: `${S}/{service_id}`, operation: 'vpcep.updateEndpointService', auth: true, handler: updateService },
    { method: 'DELETE', pattern: `${S}/{service_id}`, operation: 'vpcep.deleteEndpointService', auth: true, handler: deleteService },
    { method: 'POST', pattern: `${S}/{service_id}/permissions/action`, operation: 'vpcep.permissionsAction', auth: true, handler: permissionsAction },
    { method: 'GET', pattern: `${S}/{service_id}/permissions`, operation: 'vpcep.listPermissions', auth: true, handler: listPermissions },
    { method: 'GET', pattern: `${S}/{service_id}/connections`, operation: 'vpcep.listConnections', auth: true, handler: listConnections },
    { method: 'POST', pattern: `${S}/{service_id}/connections/action`, operation: 'vpcep.connectionAction', auth: true, handler: connectionAction },
    { method: 'POST', pattern: E, operation: 'vpcep.createEndpoint', auth: true, handler: createEndpoint },
    { method: 'GET', pattern: E, operation: 'vpcep.listEndpoints', auth: true, handler: listEndpoints },
    {
      method: 'GET',
      pattern: `${E}/{endpoint_id}`,
      operation: 'vpcep.getEndpoint',
      auth: true,
      handler: (ctx) => ({ status: 200, body: renderEndpoint(ownEndpoint(ctx, project(ctx))) }),
    },
    { method: 'DELETE', pattern: `${E}/{endpoint_id}`, operation: 'vpcep.deleteEndpoint', auth: true, handler: deleteEndpoint },
    { method: 'GET', pattern: '/v1/{project_id}/quotas', operation: 'vpcep.getQuotas', auth: true, handler: quotas },
  ];
}
