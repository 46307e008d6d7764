/**
 * VPCEP v1 request and response shapes (otc-vpcep-api.md §2–7). Wire names kept.
 */
import { z } from 'zod';
import { LenientBooleanSchema, MarkerIdSchema, optBoolean, optNumber, optString, TagSchema, type Tag } from './common-schemas.js';

export const PortMappingSchema = z.looseObject({
  client_port: z.number().int(),
  server_port: z.number().int(),
  protocol: optString,
});
export interface PortMapping {
  client_port: number;
  server_port: number;
  /** `TCP` (the docs say only TCP is supported since 2023-03). */
  protocol: 'TCP' | 'UDP';
}

/** `error[]` of a failed service/endpoint/connection (note: `error_message`, not `error_msg`). */
export const ResourceErrorSchema = z.looseObject({ error_code: optString, error_message: optString });

export const EndpointServiceSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  port_id: optString,
  vip_port_id: optString,
  pool_id: optString,
  /** Full name `{region}.{name}.{id}` (or `{region}.{id}`); present in every documented service object. */
  service_name: z.string(),
  service_type: optString,
  server_type: optString,
  vpc_id: optString,
  approval_enabled: optBoolean,
  created_at: optString,
  updated_at: optString,
  project_id: optString,
  domain_id: optString,
  ports: z.array(PortMappingSchema).nullish(),
  tcp_proxy: optString,
  tags: z.array(TagSchema).nullish(),
  description: optString,
  connection_count: optNumber,
  error: z.array(ResourceErrorSchema).nullish(),
});
export type EndpointService = z.output<typeof EndpointServiceSchema>;

export const EndpointServiceListSchema = z.looseObject({
  endpoint_services: z.array(EndpointServiceSchema),
  total_count: optNumber,
});
export type EndpointServiceList = z.output<typeof EndpointServiceListSchema>;

/** Describe (basic info for consumers): a bare object. `is_charge` parsed from boolean or "true". */
export const EndpointServiceBasicSchema = z.looseObject({
  id: z.string(),
  service_name: z.string(),
  service_type: optString,
  server_type: optString,
  created_at: optString,
  is_charge: LenientBooleanSchema.nullish(),
});
export type EndpointServiceBasic = z.output<typeof EndpointServiceBasicSchema>;

export const PermissionActionResultSchema = z.looseObject({ permissions: z.array(z.string()) });
export type PermissionActionResult = z.output<typeof PermissionActionResultSchema>;

export const PermissionRecordSchema = z.looseObject({
  id: optString,
  permission: z.string(),
  description: optString,
  permission_type: optString,
  created_at: optString,
});
export const PermissionListSchema = z.looseObject({
  permissions: z.array(PermissionRecordSchema),
  total_count: optNumber,
});
export type PermissionList = z.output<typeof PermissionListSchema>;

export const EndpointSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  endpoint_service_id: optString,
  endpoint_service_name: optString,
  marker_id: MarkerIdSchema.nullish(),
  vpc_id: optString,
  subnet_id: optString,
  /** Only present once the connection is accepted. */
  ip: optString,
  service_type: optString,
  project_id: optString,
  enable_dns: optBoolean,
  dns_names: z.array(z.string()).nullish(),
  whitelist: z.array(z.string()).nullish(),
  enable_whitelist: optBoolean,
  active_status: z.array(z.string()).nullish(),
  enable_status: optString,
  specification_name: optString,
  tags: z.array(TagSchema).nullish(),
  description: optString,
  created_at: optString,
  updated_at: optString,
  error: z.array(ResourceErrorSchema).nullish(),
});
export type Endpoint = z.output<typeof EndpointSchema>;

export const EndpointListSchema = z.looseObject({ endpoints: z.array(EndpointSchema), total_count: optNumber });
export type EndpointList = z.output<typeof EndpointListSchema>;

export const ConnectionSchema = z.looseObject({
  /** The endpoint id. */
  id: z.string(),
  marker_id: MarkerIdSchema.nullish(),
  status: z.string(),
  /** The consumer account. */
  domain_id: optString,
  description: optString,
  created_at: optString,
  updated_at: optString,
  error: z.array(ResourceErrorSchema).nullish(),
});
export type Connection = z.output<typeof ConnectionSchema>;

export const ConnectionListSchema = z.looseObject({ connections: z.array(ConnectionSchema), total_count: optNumber });
export type ConnectionList = z.output<typeof ConnectionListSchema>;

export const ConnectionActionResultSchema = z.looseObject({ connections: z.array(ConnectionSchema) });
export type ConnectionActionResult = z.output<typeof ConnectionActionResultSchema>;

export const QuotaSchema = z.looseObject({
  quotas: z.looseObject({
    resources: z.array(z.looseObject({ type: z.string(), used: z.number(), quota: z.number() })),
  }),
});
export type Quotas = z.output<typeof QuotaSchema>;

// ---- inputs (what our code sends) ----

export type ServerType = 'VM' | 'LB' | 'VIP' | 'BMS';

export interface CreateEndpointServiceInput {
  port_id: string;
  vpc_id: string;
  server_type: ServerType;
  ports: PortMapping[];
  /** Required on purpose: the server default is `true`, and leaving it out caused TF#1471. */
  approval_enabled: boolean;
  service_type?: 'interface' | 'gateway';
  /** At most 16 characters of `[A-Za-z0-9_-]`; the final name is `{region}.{name}.{id}`. */
  service_name?: string;
  tcp_proxy?: 'close' | 'toa_open' | 'proxy_open' | 'open' | 'proxy_vni';
  pool_id?: string;
  vip_port_id?: string;
  tags?: Tag[];
  description?: string;
}

export interface UpdateEndpointServiceInput {
  approval_enabled?: boolean;
  service_name?: string;
  /** The full replacement list. */
  ports?: PortMapping[];
  port_id?: string;
  vip_port_id?: string;
  tcp_proxy?: CreateEndpointServiceInput['tcp_proxy'];
  description?: string;
}

export interface ListQueryBase {
  sort_key?: 'created_at' | 'updated_at';
  sort_dir?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface ListEndpointServicesQuery extends ListQueryBase {
  /** Case-insensitive FUZZY match: always re-check the exact name client-side. */
  endpoint_service_name?: string;
  id?: string;
  status?: string;
}

export interface ListPermissionsQuery extends ListQueryBase {
  permission?: string;
}

export interface CreateEndpointInput {
  endpoint_service_id: string;
  vpc_id: string;
  /** The VPC-API subnet id (= Neutron network id), not the Neutron subnet id. */
  subnet_id?: string;
  port_ip?: string;
  enable_dns?: boolean;
  whitelist?: string[];
  enable_whitelist?: boolean;
  routetables?: string[];
  specification_name?: string;
  tags?: Tag[];
  description?: string;
}

export interface ListEndpointsQuery extends ListQueryBase {
  endpoint_service_name?: string;
  vpc_id?: string;
  id?: string;
}

export interface ListConnectionsQuery extends ListQueryBase {
  /** Endpoint id. */
  id?: string;
  marker_id?: string;
  status?: string;
}

export type ConnectionActionName = 'receive' | 'reject';
export type DescribeEndpointServiceQuery = { endpoint_service_name: string } | { id: string };
export type QuotaType = 'endpoint_service' | 'endpoint';
