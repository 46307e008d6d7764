/**
 * DMS for Kafka v2 (otc-dms-vpc-iam-api.md §1, §2, §7): show/list instances and crossvpc/modify, which moves
 * what the real brokers advertise through the data plane; and the out-of-date v1.0 instance reads the catalog's
 * `dms` entry points at (OTC api-ref `out-of-date_apis/api_v1/.../querying_an_instance.rst`,
 * `querying_all_instances.rst`).
 */
import { z } from 'zod';
import { callerProject } from '../auth/authenticator.js';
import type { SandboxContext } from '../context.js';
import { jsonBody } from '../http/server.js';
import { HttpError, param, type RequestContext, type RouteDef } from '../http/types.js';
import { holdInstanceStatus } from '../lifecycle/instance-status.js';
import type { KafkaInstance, Project, World } from '../state/world.js';
import { isHostname, isIpv4 } from '../util/ip.js';
import { uuidFrom } from '../util/random.js';

export function dmsError(status: number, code: string, message: string): HttpError {
  return new HttpError(status, { error_code: code, error_msg: message });
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const modifySchema = z.looseObject({ advertised_ip_contents: z.record(z.string(), z.string()) });

export function crossVpcInfo(inst: KafkaInstance): string {
  const info: Record<string, { advertised_ip: string; port: number; port_id: string }> = {};
  for (const b of inst.brokers) info[b.listenerIp] = { advertised_ip: b.advertisedIp, port: b.port, port_id: b.portId };
  return JSON.stringify(info);
}

export function renderInstance(world: World, inst: KafkaInstance): Record<string, unknown> {
  const vpc = world.vpcs.get(inst.vpcId);
  const subnet = world.subnets.get(inst.subnetId);
  const sg = world.securityGroups.get(inst.securityGroupId);
  const account = world.accountOfProject(inst.projectId);
  const ips = inst.brokers.map((b) => b.listenerIp);
  const sasl = inst.security.protocol === 'SASL_SSL';
  const storage = 300 * inst.brokers.length;
  return {
    name: inst.name,
    engine: 'kafka',
    engine_version: inst.engineVersion,
    description: '',
    specification: `${inst.brokers.length} brokers`,
    storage_space: storage - 114,
    partition_num: '750',
    used_storage_space: 0,
    connect_address: ips.join(','),
    port: 9092,
    status: inst.status,
    instance_id: inst.id,
    resource_spec_code: '',
    charging_mode: 1,
    vpc_id: inst.vpcId,
    vpc_name: vpc?.name ?? '',
    created_at: String(inst.createdAt.getTime()),
    product_id: 'c6.2u4g.cluster',
    security_group_id: inst.securityGroupId,
    security_group_name: sg?.name ?? '',
    subnet_id: inst.subnetId,
    subnet_name: subnet?.name ?? '',
    subnet_cidr: subnet?.cidr ?? '',
    available_zones: [uuidFrom('az:eu-de-01')],
    available_zone_names: [`${world.region}-01`],
    user_id: account?.userId ?? '',
    user_name: account?.username ?? '',
    access_user: inst.security.protocol === 'SASL_SSL' ? (inst.security.users[0]?.username ?? '') : '',
    kafka_manager_user: '',
    maintain_begin: '22:00:00',
    maintain_end: '02:00:00',
    enable_publicip: false,
    public_connect_address: '',
    kafka_public_status: 'closed',
    public_access_enabled: 'false',
    management_connect_address: `https://${ips[0] ?? ''}:9999`,
    ssl_enable: sasl,
    broker_ssl_enable: false,
    ...(inst.security.protocol === 'SASL_SSL'
      ? { kafka_security_protocol: 'SASL_SSL', sasl_enabled_mechanisms: [...inst.security.mechanisms] }
      : { sasl_enabled_mechanisms: [] }),
    ssl_two_way_enable: false,
    cert_replaced: false,
    new_auth_cert: false,
    enterprise_project_id: '0',
    is_logical_volume: true,
    extend_times: 0,
    ipv6_enable: false,
    ipv6_connect_addresses: [],
    connector_enable: false,
    rest_enable: false,
    message_query_inst_enable: true,
    vpc_client_plain: false,
    support_features: '',
    trace_enable: false,
    agent_enable: false,
    enable_log_collection: false,
    storage_resource_id: uuidFrom(`storage:${inst.id}`),
    storage_spec_code: 'dms.physical.storage.ultra.v2',
    service_type: 'advanced',
    storage_type: 'hec',
    disk_encrypted: false,
    kafka_private_connect_address: ips.map((ip) => `${ip}:9092`).join(','),
    ces_version: 'linux',
    node_num: inst.brokers.length,
    broker_num: inst.brokers.length,
    type: 'cluster',
    total_storage_space: storage,
    cross_vpc_info: crossVpcInfo(inst),
    tags: [],
  };
}

/**
 * The v1.0 instance body (`GET /v1.0/{project_id}/instances/{instance_id}`): the documented v1.0 field set, from
 * the same state as v2. Fields v1.0 documents that v2 does not carry are filled as the doc example shows them
 * (`enable_auto_topic`, `retention_policy`, `public_bandwidth`, a v1 `resource_spec_code`); v2-only fields
 * (`broker_num`, `available_zone_names`, SASL mechanisms, …) are left out. The port is 9093 with SASL, as in the
 * doc example, else 9092.
 */
const V1_FIELDS = [
  'name', 'engine', 'engine_version', 'specification', 'storage_space', 'partition_num', 'used_storage_space', 'connect_address', 'port',
  'status', 'instance_id', 'resource_spec_code', 'type', 'charging_mode', 'vpc_id', 'vpc_name', 'created_at', 'product_id',
  'security_group_id', 'security_group_name', 'subnet_id', 'subnet_name', 'subnet_cidr', 'available_zones', 'user_id', 'user_name',
  'access_user', 'maintain_begin', 'maintain_end', 'enable_publicip', 'ssl_enable', 'extend_times', 'enable_auto_topic',
  'total_storage_space', 'storage_resource_id', 'storage_spec_code', 'service_type', 'storage_type', 'retention_policy',
  'kafka_public_status', 'public_bandwidth', 'public_connect_address', 'enable_log_collection', 'cross_vpc_info', 'ipv6_enable',
  'ipv6_connect_addresses', 'rest_enable', 'rest_connect_address', 'message_query_inst_enable', 'vpc_client_plain', 'support_features',
  'trace_enable', 'pod_connect_address', 'disk_encrypted', 'kafka_private_connect_address', 'ces_version', 'tags',
] as const;

export function renderInstanceV1(world: World, inst: KafkaInstance): Record<string, unknown> {
  const v2 = renderInstance(world, inst);
  const v1: Record<string, unknown> = {
    ...v2,
    specification: '100MB',
    resource_spec_code: 'dms.instance.kafka.cluster.c3.mini',
    product_id: '00300-30308-0--0',
    port: inst.security.protocol === 'SASL_SSL' ? 9093 : 9092,
    enable_auto_topic: true,
    retention_policy: 'time_base',
    public_bandwidth: 0,
    rest_connect_address: '',
    pod_connect_address: '',
  };
  return Object.fromEntries(V1_FIELDS.map((k) => [k, v1[k]]));
}

export function dmsRoutes(sb: SandboxContext): RouteDef[] {
  const w = () => sb.world();
  const project = (ctx: RequestContext): Project =>
    callerProject(ctx.principal, w(), param(ctx, 'project_id'), (m) => dmsError(401, 'DMS.10240104', `The project does not match the token: ${m}`));
  const instance = (ctx: RequestContext, p: Project): KafkaInstance => {
    const id = param(ctx, 'instance_id');
    if (!UUID_RE.test(id)) throw dmsError(400, 'DMS.00400030', 'Invalid instance ID.');
    const inst = w().instances.get(id);
    if (!inst || inst.projectId !== p.id) throw dmsError(404, 'DMS.00404022', 'This instance does not exist.');
    const window = ctx.dms.statusWindow;
    if (window?.when === 'before') holdInstanceStatus(sb, inst, window.status, window.ms);
    return inst;
  };
  /** Fault `instance-not-running` with `when: 'after'`: once the call has done its work, the instance is busy a while. */
  const busyAfter = (ctx: RequestContext, inst: KafkaInstance): void => {
    const window = ctx.dms.statusWindow;
    if (window?.when === 'after') holdInstanceStatus(sb, inst, window.status, window.ms);
  };
  const show = (ctx: RequestContext, render: (world: World, inst: KafkaInstance) => Record<string, unknown>) => {
    const inst = instance(ctx, project(ctx));
    const body = render(w(), inst);
    busyAfter(ctx, inst);
    return { status: 200, body };
  };
  /** Serialises modifications per instance (the brokers apply one change at a time). */
  const applying = new Set<string>();

  const list = (ctx: RequestContext) => {
    const p = project(ctx);
    const q = ctx.query;
    const engine = q.get('engine');
    if (!engine) throw dmsError(400, 'DMS.00400800', 'Invalid request parameter: engine is required.');
    const intParam = (name: string, min: number, max: number, dflt: number): number => {
      const v = q.get(name);
      if (v === null || v === '') return dflt;
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw dmsError(400, 'DMS.00400800', `Invalid request parameter: ${name}.`);
      return Number(v);
    };
    const offset = intParam('offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = intParam('limit', 1, 50, 10);
    const name = q.get('name');
    const exact = q.get('exact_match_name') === 'true';
    const id = q.get('instance_id');
    const status = q.get('status');
    const all = [...w().instances.values()]
      .filter(
        (i) =>
          i.projectId === p.id &&
          engine.toLowerCase() === 'kafka' &&
          (!name || (exact ? i.name === name : i.name.toLowerCase().includes(name.toLowerCase()))) &&
          (!id || i.id === id) &&
          (!status || i.status === status),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.name.localeCompare(b.name));
    return { status: 200, body: { instances: all.slice(offset, offset + limit).map((i) => renderInstance(w(), i)), instance_num: all.length } };
  };

  /** v1.0 list: `engine` optional, `name`, `status`, `id`, `exactMatchName`, `includeFailure`, paging `start` (1-based) / `limit`. */
  const listV1 = (ctx: RequestContext) => {
    const p = project(ctx);
    const q = ctx.query;
    const intParam = (name: string, min: number, dflt: number): number => {
      const v = q.get(name);
      if (v === null || v === '') return dflt;
      if (!/^\d+$/.test(v) || Number(v) < min) throw dmsError(400, 'DMS.00400800', `Invalid request parameter: ${name}.`);
      return Number(v);
    };
    const start = intParam('start', 1, 1);
    const limit = intParam('limit', 1, 10);
    const engine = q.get('engine');
    const name = q.get('name');
    const exact = q.get('exactMatchName') === 'true';
    const id = q.get('id');
    const status = q.get('status');
    const all = [...w().instances.values()]
      .filter(
        (i) =>
          i.projectId === p.id &&
          (!engine || engine.toLowerCase() === 'kafka') &&
          (!name || (exact ? i.name === name : i.name.toLowerCase().includes(name.toLowerCase()))) &&
          (!id || i.id === id) &&
          (!status || i.status === status),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.name.localeCompare(b.name));
    return { status: 200, body: { instances: all.slice(start - 1, start - 1 + limit).map((i) => renderInstanceV1(w(), i)), instance_num: all.length } };
  };

  const modify = async (ctx: RequestContext) => {
    const p = project(ctx);
    const inst = instance(ctx, p);
    const settings = sb.scenario.behaviour.dms;
    const invalid = (m: string) => dmsError(400, settings.crossVpcInvalidCode, `Invalid request parameter: ${m}`);
    const raw = jsonBody(ctx, (m) => dmsError(400, ctx.rawBody.trim() === '' ? 'DMS.00400004' : 'DMS.00400005', m));
    const parsed = modifySchema.safeParse(raw);
    if (!parsed.success) throw invalid('advertised_ip_contents must be an object of listener IP to IP or domain name.');
    const contents = parsed.data.advertised_ip_contents;
    if (inst.status !== 'RUNNING') throw dmsError(400, 'DMS.00400026', 'This operation is not allowed due to the instance status.');
    if (applying.has(inst.id)) throw dmsError(400, 'DMS.00400017', 'A background task of this instance is still running.');
    const keys = Object.keys(contents);
    if (keys.length === 0) throw invalid('advertised_ip_contents is empty.');
    for (const [listener, value] of Object.entries(contents)) {
      if (!inst.brokers.some((b) => b.listenerIp === listener)) throw invalid(`unknown listener IP ${listener}.`);
      if (!isIpv4(value) && !isHostname(value)) throw invalid(`malformed advertised IP ${value} for ${listener}.`);
    }
    const omitted = inst.brokers.filter((b) => !(b.listenerIp in contents));
    if (omitted.length > 0 && settings.crossVpcOmittedListeners === 'reject') {
      throw invalid(`every listener IP must be given (missing ${omitted.map((b) => b.listenerIp).join(', ')}).`);
    }
    const target: Record<string, string> = {};
    for (const b of inst.brokers) {
      const v = contents[b.listenerIp];
      target[b.listenerIp] = v ?? (settings.crossVpcOmittedListeners === 'reset' ? b.listenerIp : b.advertisedIp);
    }
    // Faults: nothing applied (yet `success:true`), or some brokers fail to take their change (`success:false`).
    const failing = new Set(
      inst.brokers.filter((b) => ctx.dms.failBrokers.includes(b.index) && target[b.listenerIp] !== b.advertisedIp).map((b) => b.listenerIp),
    );
    for (const b of inst.brokers) if (ctx.dms.notApplied || failing.has(b.listenerIp)) target[b.listenerIp] = b.advertisedIp;
    const changed = Object.fromEntries(Object.entries(target).filter(([ip, v]) => inst.brokers.find((b) => b.listenerIp === ip)?.advertisedIp !== v));
    const previous = Object.fromEntries(inst.brokers.map((b) => [b.listenerIp, b.advertisedIp]));
    const world = w();
    for (const b of inst.brokers) b.advertisedIp = target[b.listenerIp] ?? b.advertisedIp;
    const transient = settings.crossVpcStatusWhileApplying;
    if (transient) inst.status = transient;
    // Marked before the work starts: a change with nothing to apply finishes synchronously.
    applying.add(inst.id);
    const apply = (async () => {
      try {
        if (Object.keys(changed).length > 0) await sb.dataPlane.setAdvertisedIps(inst.id, changed);
      } catch (e) {
        if (w() === world) for (const b of inst.brokers) b.advertisedIp = previous[b.listenerIp] ?? b.advertisedIp;
        throw e;
      } finally {
        if (transient && inst.status === transient) inst.status = 'RUNNING';
        applying.delete(inst.id);
      }
    })();
    let success = true;
    if (settings.crossVpcWaitForDataPlane) {
      try {
        await apply;
      } catch (e) {
        sb.log(`crossvpc/modify ${inst.id}: data plane failed: ${e instanceof Error ? e.message : String(e)}`);
        success = false;
      }
    } else sb.scheduler.track(apply);
    const results = keys.map((listener) => ({ advertised_ip: contents[listener] ?? '', success: success && !failing.has(listener), ip: listener }));
    if (success) busyAfter(ctx, inst);
    return { status: 200, body: { success: success && failing.size === 0, results } };
  };

  return [
    { method: 'GET', pattern: '/v2/{project_id}/instances', operation: 'dms.listInstances', auth: true, handler: list },
    {
      method: 'GET',
      pattern: '/v2/{project_id}/instances/{instance_id}',
      operation: 'dms.getInstance',
      auth: true,
      handler: (ctx) => show(ctx, renderInstance),
    },
    { method: 'POST', pattern: '/v2/{project_id}/instances/{instance_id}/crossvpc/modify', operation: 'dms.modifyCrossVpc', auth: true, handler: modify },
    { method: 'GET', pattern: '/v1.0/{project_id}/instances', operation: 'dms.listInstancesV1', auth: true, handler: listV1 },
    {
      method: 'GET',
      pattern: '/v1.0/{project_id}/instances/{instance_id}',
      operation: 'dms.getInstanceV1',
      auth: true,
      handler: (ctx) => show(ctx, renderInstanceV1),
    },
  ];
}
