/**
 * Inputs of the typed client, validated with zod before anything is sent to Temporal: the workflows' own
 * schemas (workflows/input.ts, workflows/ops-input.ts), so the field rules are the same everywhere.
 */
import { z } from 'zod';
import { ProvisionInputSchema } from '../../workflows/input.js';
import { ReverifyInputSchema, TeardownInputSchema, type ReverifyRequest, type TeardownRequest } from '../../workflows/ops-input.js';
import { everyMs } from '../temporal/reverify-schedule.js';
import { CrossVpcError } from './errors.js';

export const InstanceIdSchema = ProvisionInputSchema.shape.instanceId;

/** Input of `teardownCrossVpcAccess` (workflows/ops-input.ts). */
export const TeardownRequestSchema = TeardownInputSchema;
/** Input of `reverifyCrossVpcAccess`, one-off or scheduled (workflows/ops-input.ts). */
export const ReverifyRequestSchema = ReverifyInputSchema;
export type { TeardownRequest, ReverifyRequest };

/** A Temporal duration as text: `90s`, `15m`, `1h`, `1d` (or `500ms`). */
export const EverySchema = z
  .string({ error: 'every is required (an interval like 15m, 1h, 1d)' })
  .regex(/^\d+(ms|s|m|h|d)$/, 'every must be an interval like 30s, 15m, 1h or 1d')
  .refine((s) => everyMs(s) >= 1_000, 'every must be at least 1s');

/** A re-verification schedule of one access. */
export const ScheduleRequestSchema = z
  .object({
    /** Interval between checks. */
    every: EverySchema,
    /** The check each run performs. */
    reverify: ReverifyRequestSchema,
    /** Task queue of the worker (defaults to the client's). */
    taskQueue: z.string().trim().min(1, 'taskQueue must not be empty').optional(),
    /** Note shown on the schedule. */
    note: z.string().max(200).optional(),
    /** Run one check right away. */
    triggerImmediately: z.boolean().optional(),
  })
  .strict();
export type ScheduleRequest = z.input<typeof ScheduleRequestSchema>;

/**
 * Parses with `schema` or throws an InvalidInput CrossVpcError naming every offending field; `field` names a
 * value that is not an object (an instance id), else an issue at the root is `(input)`.
 */
export function validate<S extends z.ZodType>(schema: S, raw: unknown, what: string, field = '(input)'): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => (i.path.length ? i.path.map(String).join('.') : field));
  const parts = r.error.issues.map((i, n) => `${fields[n]}: ${i.message}`);
  return invalid(`invalid ${what}: ${parts.join('; ')}`, [...new Set(fields)].join(','));
}

export function invalid(message: string, field: string): never {
  throw new CrossVpcError('InvalidInput', message, { field, hint: `fix ${field} and retry` });
}

/** Filters of `listAccesses` (all optional; all given must match). */
export const ListFiltersSchema = z
  .object({
    instanceId: InstanceIdSchema.optional(),
    phase: z.string().trim().min(1, 'phase must not be empty').optional(),
    health: z.enum(['healthy', 'drifted', 'broken']).optional(),
    clientVpcId: z.string().trim().min(1, 'clientVpcId must not be empty').optional(),
    status: z.enum(['running', 'closed']).optional(),
  })
  .strict();
export type ListFilters = z.input<typeof ListFiltersSchema>;
