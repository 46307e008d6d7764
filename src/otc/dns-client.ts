/**
 * DNS v2 client: private zones bound to VPCs, their record sets, associate/disassociate (docs/dns-contract.md).
 *
 * URLs carry no project: with AK/SK the project is named in `X-Project-Id` (added by the authorizer), with a
 * token it is the token's scope. Lists follow `links.next` (its `marker`), as Designate pages.
 */
import { collectMarkerPages } from './pagination.js';
import { seg, type CallOptions, type OtcTransport, type QueryParams } from './transport.js';
import {
  DnsRecordSetListSchema,
  DnsRecordSetSchema,
  DnsRouterAnswerSchema,
  DnsZoneListSchema,
  DnsZoneSchema,
  type CreatePrivateZoneInput,
  type CreateRecordSetInput,
  type DnsRecordSet,
  type DnsRouter,
  type DnsZone,
} from './dns-schemas.js';

export const DNS_PAGE_LIMIT = 500;

function markerOf(next: string | null | undefined): string | undefined {
  if (!next) return undefined;
  try {
    return new URL(next).searchParams.get('marker') ?? undefined;
  } catch {
    return undefined;
  }
}

export class DnsClient {
  constructor(private readonly transport: OtcTransport) {}

  /** POST /v2/zones (zone_type private, bound to `router`); 202 with the zone in PENDING_CREATE. */
  async createPrivateZone(body: CreatePrivateZoneInput, options?: CallOptions): Promise<DnsZone> {
    return this.transport.json({ operation: 'createZone', method: 'POST', path: '/v2/zones', body: { ...body, zone_type: 'private' }, ...options }, DnsZoneSchema);
  }

  async getZone(id: string, options?: CallOptions): Promise<DnsZone> {
    return this.transport.json({ operation: 'getZone', method: 'GET', path: `/v2/zones/${seg(id)}`, ...options }, DnsZoneSchema);
  }

  /** Every private zone (optionally of one name), all pages. */
  async listAllPrivateZones(query: { name?: string } = {}, options?: CallOptions): Promise<DnsZone[]> {
    return collectMarkerPages(async (marker) => {
      const q: QueryParams = { type: 'private', limit: DNS_PAGE_LIMIT, ...(query.name ? { name: query.name } : {}), ...(marker ? { marker } : {}) };
      const page = await this.transport.json({ operation: 'listZones', method: 'GET', path: '/v2/zones', query: q, ...options }, DnsZoneListSchema);
      return { items: page.zones, nextMarker: markerOf(page.links?.next) };
    });
  }

  /** DELETE /v2/zones/{id}; 202, the zone goes PENDING_DELETE (its record sets with it). */
  async deleteZone(id: string, options?: CallOptions): Promise<void> {
    await this.transport.json({ operation: 'deleteZone', method: 'DELETE', path: `/v2/zones/${seg(id)}`, ...options }, DnsZoneSchema.or(DnsZoneSchema.partial()));
  }

  async associateRouter(zoneId: string, router: { router_id: string; router_region?: string }, options?: CallOptions): Promise<DnsRouter> {
    return this.transport.json({ operation: 'associateRouter', method: 'POST', path: `/v2/zones/${seg(zoneId)}/associaterouter`, body: { router }, ...options }, DnsRouterAnswerSchema);
  }

  /** Refused by the cloud when `router` is the zone's only VPC. */
  async disassociateRouter(zoneId: string, router: { router_id: string; router_region?: string }, options?: CallOptions): Promise<DnsRouter> {
    return this.transport.json({ operation: 'disassociateRouter', method: 'POST', path: `/v2/zones/${seg(zoneId)}/disassociaterouter`, body: { router }, ...options }, DnsRouterAnswerSchema);
  }

  async createRecordSet(zoneId: string, body: CreateRecordSetInput, options?: CallOptions): Promise<DnsRecordSet> {
    return this.transport.json({ operation: 'createRecordSet', method: 'POST', path: `/v2/zones/${seg(zoneId)}/recordsets`, body, ...options }, DnsRecordSetSchema);
  }

  async listAllRecordSets(zoneId: string, query: { name?: string; type?: string } = {}, options?: CallOptions): Promise<DnsRecordSet[]> {
    return collectMarkerPages(async (marker) => {
      const q: QueryParams = { limit: DNS_PAGE_LIMIT, ...(query.name ? { name: query.name } : {}), ...(query.type ? { type: query.type } : {}), ...(marker ? { marker } : {}) };
      const page = await this.transport.json({ operation: 'listRecordSets', method: 'GET', path: `/v2/zones/${seg(zoneId)}/recordsets`, query: q, ...options }, DnsRecordSetListSchema);
      return { items: page.recordsets, nextMarker: markerOf(page.links?.next) };
    });
  }

  async updateRecordSet(zoneId: string, id: string, body: { records?: string[]; ttl?: number; description?: string }, options?: CallOptions): Promise<DnsRecordSet> {
    return this.transport.json({ operation: 'updateRecordSet', method: 'PUT', path: `/v2/zones/${seg(zoneId)}/recordsets/${seg(id)}`, body, ...options }, DnsRecordSetSchema);
  }

  async deleteRecordSet(zoneId: string, id: string, options?: CallOptions): Promise<void> {
    await this.transport.json({ operation: 'deleteRecordSet', method: 'DELETE', path: `/v2/zones/${seg(zoneId)}/recordsets/${seg(id)}`, ...options }, DnsRecordSetSchema.partial());
  }
}
