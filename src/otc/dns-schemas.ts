/**
 * DNS v2 private-zone request and response shapes (docs/dns-contract.md). Wire names kept, unknown keys kept.
 */
import { z } from 'zod';
import { optNumber, optString } from './common-schemas.js';

export const DnsRouterSchema = z.looseObject({ router_id: z.string(), router_region: optString, status: optString });
export type DnsRouter = z.infer<typeof DnsRouterSchema>;

const TagSchema = z.looseObject({ key: z.string(), value: z.string().optional().default('') });

export const DnsZoneSchema = z.looseObject({
  id: z.string(),
  /** FQDN with the trailing dot. */
  name: z.string(),
  status: z.string(),
  zone_type: optString,
  description: optString,
  ttl: optNumber,
  record_num: optNumber,
  project_id: optString,
  created_at: optString,
  updated_at: optString,
  routers: z.array(DnsRouterSchema).optional().default([]),
  tags: z.array(TagSchema).optional().default([]),
});
export type DnsZone = z.infer<typeof DnsZoneSchema>;

const LinksSchema = z.looseObject({ next: z.string().nullish() }).optional();

export const DnsZoneListSchema = z.looseObject({ zones: z.array(DnsZoneSchema), links: LinksSchema });

export const DnsRecordSetSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  records: z.array(z.string()).optional().default([]),
  status: z.string(),
  ttl: optNumber,
  zone_id: optString,
  description: optString,
});
export type DnsRecordSet = z.infer<typeof DnsRecordSetSchema>;

export const DnsRecordSetListSchema = z.looseObject({ recordsets: z.array(DnsRecordSetSchema), links: LinksSchema });

export const DnsRouterAnswerSchema = DnsRouterSchema;

export interface CreatePrivateZoneInput {
  name: string;
  router: { router_id: string; router_region?: string };
  description?: string;
  email?: string;
  ttl?: number;
  tags?: { key: string; value: string }[];
}

export interface CreateRecordSetInput {
  name: string;
  type: 'A';
  records: string[];
  ttl?: number;
  description?: string;
}
