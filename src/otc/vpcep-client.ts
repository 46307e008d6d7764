/**
 * VPC Endpoint (VPCEP) v1 client: endpoint services, whitelist, describe, endpoints, connections, quotas.
 * Paths `/v1/{project_id}/…` (otc-vpcep-api.md). Lists page with offset/limit and `total_count`.
 */
import { LOSSLESS_KEYS } from './common-schemas.js';
import { collectOffsetPages } from './pagination.js';
import type { ProjectIdSource } from './project-id.js';
import { seg, type CallOptions, type OtcTransport, type QueryParams } from './transport.js';
import {
  ConnectionActionResultSchema,
  ConnectionListSchema,
  EndpointListSchema,
  EndpointSchema,
  EndpointServiceBasicSchema,
  EndpointServiceListSchema,
  EndpointServiceSchema,
  PermissionActionResultSchema,
  PermissionListSchema,
  QuotaSchema,
  type ConnectionActionName,
  type ConnectionActionResult,
  type ConnectionList,
  type CreateEndpointInput,
  type CreateEndpointServiceInput,
  type DescribeEndpointServiceQuery,
  type Endpoint,
  type EndpointList,
  type EndpointService,
  type EndpointServiceBasic,
  type EndpointServiceList,
  type ListConnectionsQuery,
  type ListEndpointServicesQuery,
  type ListEndpointsQuery,
  type ListPermissionsQuery,
  type PermissionActionResult,
  type PermissionList,
  type QuotaType,
  type Quotas,
  type UpdateEndpointServiceInput,
} from './vpcep-schemas.js';

/** VPCEP list limit maximum (0..1000). */
export const VPCEP_PAGE_LIMIT = 1000;

/** `iam:domain::<domainId>`; `*` (everyone) must be sent bare (`iam:domain::*` is rejected with EndPoint.3002). */
export function domainPermission(domainId: string): string {
  return domainId === '*' ? '*' : `iam:domain::${domainId}`;
}

export class VpcepClient {
  constructor(
    private readonly transport: OtcTransport,
    private readonly projectId: ProjectIdSource,
  ) {}

  private async base(options: CallOptions | undefined): Promise<string> {
    return `/v1/${seg(await this.projectId(options?.signal))}`;
  }

  private static q(query: object | undefined): QueryParams {
    return { ...(query ?? {}) } as QueryParams;
  }

  // ---- endpoint services ----

  /** POST …/vpc-endpoint-services. Asynchronous: the answer says `creating`; poll until `available`. */
  async createEndpointService(body: CreateEndpointServiceInput, options?: CallOptions): Promise<EndpointService> {
    if (typeof body.approval_enabled !== 'boolean') throw new TypeError('createEndpointService: approval_enabled must be given explicitly');
    const { approval_enabled, ...rest } = body;
    return this.transport.json(
      { operation: 'createEndpointService', method: 'POST', path: `${await this.base(options)}/vpc-endpoint-services`, body: { ...rest, approval_enabled }, ...options },
      EndpointServiceSchema,
    );
  }

  async getEndpointService(id: string, options?: CallOptions): Promise<EndpointService> {
    return this.transport.json(
      { operation: 'getEndpointService', method: 'GET', path: `${await this.base(options)}/vpc-endpoint-services/${seg(id)}`, ...options },
      EndpointServiceSchema,
    );
  }

  async updateEndpointService(id: string, body: UpdateEndpointServiceInput, options?: CallOptions): Promise<EndpointService> {
    return this.transport.json(
      { operation: 'updateEndpointService', method: 'PUT', path: `${await this.base(options)}/vpc-endpoint-services/${seg(id)}`, body, ...options },
      EndpointServiceSchema,
    );
  }

  /** One page. `endpoint_service_name` is a fuzzy filter: match exactly on the result. */
  async listEndpointServices(query: ListEndpointServicesQuery = {}, options?: CallOptions): Promise<EndpointServiceList> {
    return this.transport.json(
      { operation: 'listEndpointServices', method: 'GET', path: `${await this.base(options)}/vpc-endpoint-services`, query: VpcepClient.q(query), ...options },
      EndpointServiceListSchema,
    );
  }

  /** Every page (limit/offset of `query` are managed here). */
  async listAllEndpointServices(query: Omit<ListEndpointServicesQuery, 'limit' | 'offset'> = {}, options?: CallOptions): Promise<EndpointService[]> {
    return collectOffsetPages(
      async (offset, limit) => {
        const page = await this.listEndpointServices({ ...query, offset, limit }, options);
        return { items: page.endpoint_services, total: page.total_count ?? undefined };
      },
      { limit: VPCEP_PAGE_LIMIT },
    );
  }

  /** DELETE (204). Fails with 400 EndPoint.3006 while endpoints are Creating/Accepted. */
  async deleteEndpointService(id: string, options?: CallOptions): Promise<void> {
    await this.transport.send({ operation: 'deleteEndpointService', method: 'DELETE', path: `${await this.base(options)}/vpc-endpoint-services/${seg(id)}`, ...options });
  }

  /** GET …/vpc-endpoint-services/describe?endpoint_service_name=… | ?id=… (consumer-side "Verify"). */
  async describeEndpointService(query: DescribeEndpointServiceQuery, options?: CallOptions): Promise<EndpointServiceBasic> {
    return this.transport.json(
      { operation: 'describeEndpointService', method: 'GET', path: `${await this.base(options)}/vpc-endpoint-services/describe`, query: VpcepClient.q(query), ...options },
      EndpointServiceBasicSchema,
    );
  }

  // ---- whitelist ----

  /**
   * POST …/permissions/action `{"permissions":[…],"action":"add"}`. Entries are sent as given: use
   * {@link domainPermission}. Whether the answer echoes the input or lists the whole whitelist is UNCONFIRMED.
   */
  async addPermissions(serviceId: string, perms: readonly string[], options?: CallOptions): Promise<PermissionActionResult> {
    return this.permissionAction(serviceId, perms, 'add', options);
  }

  async removePermissions(serviceId: string, perms: readonly string[], options?: CallOptions): Promise<PermissionActionResult> {
    return this.permissionAction(serviceId, perms, 'remove', options);
  }

  private async permissionAction(serviceId: string, perms: readonly string[], action: 'add' | 'remove', options?: CallOptions): Promise<PermissionActionResult> {
    return this.transport.json(
      {
        operation: 'permissionsAction',
        method: 'POST',
        path: `${await this.base(options)}/vpc-endpoint-services/${seg(serviceId)}/permissions/action`,
        body: { permissions: [...perms], action },
        ...options,
      },
      PermissionActionResultSchema,
    );
  }

  async listPermissions(serviceId: string, query: ListPermissionsQuery = {}, options?: CallOptions): Promise<PermissionList> {
    return this.transport.json(
      { operation: 'listPermissions', method: 'GET', path: `${await this.base(options)}/vpc-endpoint-services/${seg(serviceId)}/permissions`, query: VpcepClient.q(query), ...options },
      PermissionListSchema,
    );
  }

  // ---- endpoints ----

  /** POST …/vpc-endpoints. Asynchronous: `creating`, then `accepted` or `pendingAcceptance`; `ip` only after acceptance. */
  async createEndpoint(body: CreateEndpointInput, options?: CallOptions): Promise<Endpoint> {
    return this.transport.json(
      { operation: 'createEndpoint', method: 'POST', path: `${await this.base(options)}/vpc-endpoints`, body, ...options },
      EndpointSchema,
      LOSSLESS_KEYS,
    );
  }

  async getEndpoint(id: string, options?: CallOptions): Promise<Endpoint> {
    return this.transport.json(
      { operation: 'getEndpoint', method: 'GET', path: `${await this.base(options)}/vpc-endpoints/${seg(id)}`, ...options },
      EndpointSchema,
      LOSSLESS_KEYS,
    );
  }

  async listEndpoints(query: ListEndpointsQuery = {}, options?: CallOptions): Promise<EndpointList> {
    return this.transport.json(
      { operation: 'listEndpoints', method: 'GET', path: `${await this.base(options)}/vpc-endpoints`, query: VpcepClient.q(query), ...options },
      EndpointListSchema,
      LOSSLESS_KEYS,
    );
  }

  async listAllEndpoints(query: Omit<ListEndpointsQuery, 'limit' | 'offset'> = {}, options?: CallOptions): Promise<Endpoint[]> {
    return collectOffsetPages(
      async (offset, limit) => {
        const page = await this.listEndpoints({ ...query, offset, limit }, options);
        return { items: page.endpoints, total: page.total_count ?? undefined };
      },
      { limit: VPCEP_PAGE_LIMIT },
    );
  }

  /** DELETE (204); the endpoint goes `deleting`, then GET answers 404. */
  async deleteEndpoint(id: string, options?: CallOptions): Promise<void> {
    await this.transport.send({ operation: 'deleteEndpoint', method: 'DELETE', path: `${await this.base(options)}/vpc-endpoints/${seg(id)}`, ...options });
  }

  // ---- connections (provider side) ----

  async listConnections(serviceId: string, query: ListConnectionsQuery = {}, options?: CallOptions): Promise<ConnectionList> {
    return this.transport.json(
      { operation: 'listConnections', method: 'GET', path: `${await this.base(options)}/vpc-endpoint-services/${seg(serviceId)}/connections`, query: VpcepClient.q(query), ...options },
      ConnectionListSchema,
      LOSSLESS_KEYS,
    );
  }

  /** Accept (`receive`) or reject one endpoint; the API allows exactly one endpoint per request. */
  async connectionAction(serviceId: string, endpointId: string, action: ConnectionActionName, options?: CallOptions): Promise<ConnectionActionResult> {
    return this.transport.json(
      {
        operation: 'connectionAction',
        method: 'POST',
        path: `${await this.base(options)}/vpc-endpoint-services/${seg(serviceId)}/connections/action`,
        body: { endpoints: [endpointId], action },
        ...options,
      },
      ConnectionActionResultSchema,
      LOSSLESS_KEYS,
    );
  }

  // ---- quotas ----

  async getQuotas(type?: QuotaType, options?: CallOptions): Promise<Quotas> {
    return this.transport.json({ operation: 'getQuotas', method: 'GET', path: `${await this.base(options)}/quotas`, query: { type }, ...options }, QuotaSchema);
  }
}
