/**
 * Small zod building blocks shared by the per-service schemas. Objects are `z.looseObject`, so unknown
 * wire keys are kept; field names stay as on the wire (snake_case).
 */
import { z } from 'zod';

/** Optional on the wire and possibly `null` (Neutron sends null for unset fields). */
export const optString = z.string().nullish();
export const optNumber = z.number().nullish();
export const optBoolean = z.boolean().nullish();

export const TagSchema = z.looseObject({ key: z.string(), value: z.string().nullish() });
export type Tag = z.output<typeof TagSchema>;

/**
 * `marker_id`: an integer that can exceed 2^53. The transport parses it losslessly (as its source digits),
 * a string on the wire is accepted too; either way the result is the exact decimal string.
 */
export const MarkerIdSchema = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((v) => String(v));

/** JSON keys whose numbers the transport keeps as exact strings. */
export const LOSSLESS_KEYS: readonly string[] = ['marker_id'];

/** A boolean that some docs print as the string "true"/"false" (VPCEP `is_charge`). */
export const LenientBooleanSchema = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])])
  .transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true'));
