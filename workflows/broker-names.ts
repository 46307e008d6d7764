/**
 * Named access: the stable name each broker advertises, `b<n>.<instance-short-id>.<zone>` (n = 1-based broker
 * order of the instance's cross-VPC entries), and the bootstrap list built from them. Pure: workflows, CLI and
 * activities share it (docs/decisions/named-access.md).
 */
import { z } from 'zod';

export const DEFAULT_ACCESS_ZONE = 'kafka.internal';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A private zone name: lower-case labels, ≤ 200 characters (leaves room for `b<n>.<short-id>.`), no trailing dot. */
export const zoneNameSchema = z
  .string()
  .transform((s) => s.toLowerCase().replace(/\.$/, ''))
  .refine((s) => s.length > 0 && s.length <= 200 && s.includes('.') && s.split('.').every((l) => LABEL.test(l)), {
    message: 'access.zone must be a domain name of at least two labels (letters, digits, "-"), e.g. kafka.internal',
  });

/** The instance's short id: its first 8 alphanumerics, lower-case (instance ids are UUIDs on DMS). */
export function instanceShortId(instanceId: string): string {
  return instanceId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toLowerCase();
}

/** FQDN without the trailing dot. */
export function brokerName(instanceId: string, zone: string, index: number): string {
  return `b${index + 1}.${instanceShortId(instanceId)}.${zone}`;
}

/** listener IP → broker name, in the order of the entries. */
export function brokerNames(entries: readonly { listenerIp: string }[], instanceId: string, zone: string): Record<string, string> {
  return Object.fromEntries(entries.map((e, i) => [e.listenerIp, brokerName(instanceId, zone, i)]));
}

/** `b1…:9011,b2…:9011,…`: the same in every client VPC. */
export function namedBootstrap(entries: readonly { listenerIp: string; port?: number }[], names: Record<string, string>): string {
  return entries.map((e) => `${names[e.listenerIp] ?? e.listenerIp}:${e.port ?? 9011}`).join(',');
}

/** Zone name as DNS writes it (trailing dot). */
export function zoneFqdn(zone: string): string {
  return `${zone.replace(/\.$/, '')}.`;
}
