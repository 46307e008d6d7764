/**
 * DMS Kafka v2 instance shapes (otc-dms-vpc-iam-api.md §1–2). Wire names kept; the one derived field is
 * `crossVpcEntries`, parsed from the JSON text in `cross_vpc_info`.
 */
import { z } from 'zod';
import { optBoolean, optNumber, optString, TagSchema } from './common-schemas.js';

export interface CrossVpcEntry {
  /** Broker listener private IP (the key of `cross_vpc_info`, the key of `advertised_ip_contents`). */
  listenerIp: string;
  /** Current advertised IP or domain name (defaults to the listener IP). */
  advertisedIp: string;
  /** Cross-VPC port, 9011. */
  port: number;
  /** Neutron port id of the broker: the VPCEP `port_id`. */
  portId: string;
}

const CrossVpcValueSchema = z.looseObject({
  advertised_ip: z.string().nullish(),
  port: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  port_id: z.string().min(1),
});
const CrossVpcMapSchema = z.record(z.string(), CrossVpcValueSchema);

export class CrossVpcInfoError extends Error {
  override readonly name = 'CrossVpcInfoError';
}

/**
 * Parses `cross_vpc_info` (a JSON object serialized into a string). `""`, `null`, `"{}"` or absent → `[]`
 * (right after creation the field can be empty until ports are bound). Entries are sorted by listener IP
 * as strings (the order both Terraform providers use). Throws {@link CrossVpcInfoError} when malformed.
 */
export function parseCrossVpcInfo(text: string | null | undefined): CrossVpcEntry[] {
  if (text === undefined || text === null || text.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CrossVpcInfoError(`cross_vpc_info is not JSON: ${(err as Error).message}`);
  }
  const parsed = CrossVpcMapSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CrossVpcInfoError(`cross_vpc_info has an unexpected shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return Object.entries(parsed.data)
    .map(([listenerIp, v]) => ({ listenerIp, advertisedIp: v.advertised_ip || listenerIp, port: v.port, portId: v.port_id }))
    .sort((a, b) => (a.listenerIp < b.listenerIp ? -1 : a.listenerIp > b.listenerIp ? 1 : 0));
}

const InstanceWireSchema = z.looseObject({
  instance_id: z.string(),
  status: z.string(),
  name: optString,
  engine: optString,
  engine_version: optString,
  type: optString,
  vpc_id: optString,
  vpc_name: optString,
  subnet_id: optString,
  subnet_name: optString,
  security_group_id: optString,
  security_group_name: optString,
  connect_address: optString,
  port: optNumber,
  kafka_private_connect_address: optString,
  broker_num: optNumber,
  node_num: optNumber,
  /** Documented as a string ("300"). */
  partition_num: z.union([z.string(), z.number()]).nullish(),
  /** Epoch milliseconds as a string. */
  created_at: z.union([z.string(), z.number()]).nullish(),
  ssl_enable: optBoolean,
  broker_ssl_enable: optBoolean,
  kafka_security_protocol: optString,
  sasl_enabled_mechanisms: z.array(z.string()).nullish(),
  access_user: optString,
  /** JSON text; see {@link parseCrossVpcInfo}. */
  cross_vpc_info: optString,
  available_zones: z.array(z.string()).nullish(),
  enterprise_project_id: optString,
  tags: z.array(TagSchema).nullish(),
});

export const DmsInstanceSchema = InstanceWireSchema.transform((instance, ctx) => {
  try {
    // Object.assign keeps the loose index signature (unknown keys stay typed as unknown) in the output type.
    return Object.assign({}, instance, { crossVpcEntries: parseCrossVpcInfo(instance.cross_vpc_info) });
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['cross_vpc_info'], message: (err as Error).message });
    return z.NEVER;
  }
});
export type DmsInstance = z.output<typeof DmsInstanceSchema>;

export const DmsInstanceListSchema = z.looseObject({
  instances: z.array(DmsInstanceSchema),
  /** The total, ignoring offset/limit. */
  instance_num: optNumber,
});
export type DmsInstanceList = z.output<typeof DmsInstanceListSchema>;

export const CrossVpcModifyResultSchema = z.looseObject({
  success: z.boolean(),
  results: z.array(z.looseObject({ advertised_ip: optString, success: optBoolean, ip: optString })).nullish(),
});
export type CrossVpcModifyResult = z.output<typeof CrossVpcModifyResultSchema>;

/** List query; every value is documented as a string. `engine` defaults to `kafka` (required by the API). */
export interface ListInstancesQuery {
  engine?: string;
  name?: string;
  instance_id?: string;
  status?: string;
  include_failure?: 'true' | 'false';
  exact_match_name?: 'true' | 'false';
  enterprise_project_id?: string;
  offset?: number;
  /** 1..50. */
  limit?: number;
}
