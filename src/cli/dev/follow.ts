/**
 * Follows one access run: queries its `progress` every `intervalMs` and hands each answer to `onProgress`
 * until the run closes, then returns its outcome (and the last progress, queried once more after the end).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { awaitAccessOutcome, type ProvisionOutcome } from '../../temporal/access-client.js';
import type { AccessProgress } from '../../../workflows/definitions.js';

const PortSchema = z
  .object({
    portId: z.string(),
    listenerIp: z.string(),
    status: z.enum(['pending', 'provisioning', 'ready', 'failed', 'rolled_back', 'cancelled']),
    workflowId: z.string(),
    serviceId: z.string().optional(),
    endpointId: z.string().optional(),
    endpointIp: z.string().optional(),
    error: z.string().optional(),
  })
  .loose();

/** The query answer crosses a process boundary: validated, unknown extra fields kept. */
export const AccessProgressSchema = z
  .object({
    instanceId: z.string(),
    phase: z.enum(['validating', 'reading-instance', 'provisioning-endpoints', 'writing-zone', 'awaiting-approval', 'updating-listeners', 'verifying', 'verified', 'unverified', 'compensating', 'rolled_back', 'failed']),
    ports: z.array(PortSchema),
    bootstrapServers: z.string().optional(),
    awaitingApproval: z.boolean(),
    error: z.string().optional(),
    undone: z.array(z.string()).optional(),
  })
  .loose();

export async function queryProgress(handle: WorkflowHandle): Promise<AccessProgress | undefined> {
  try {
    const r = AccessProgressSchema.safeParse(await handle.query('progress'));
    return r.success ? (r.data as AccessProgress) : undefined;
  } catch {
    // Not answerable yet (first workflow task not done) or the worker is gone.
    return undefined;
  }
}

export async function followAccess(
  handle: WorkflowHandle & { firstExecutionRunId?: string },
  onProgress: (p: AccessProgress) => void,
  options: { intervalMs?: number } = {},
): Promise<ProvisionOutcome> {
  const interval = options.intervalMs ?? 250;
  let done = false;
  const outcomeP = awaitAccessOutcome(handle).finally(() => {
    done = true;
  });
  outcomeP.catch(() => undefined);
  while (!done) {
    const p = await queryProgress(handle);
    if (p && !done) onProgress(p);
    await Promise.race([outcomeP.catch(() => undefined), new Promise((r) => setTimeout(r, interval))]);
  }
  const outcome = await outcomeP;
  const last = await queryProgress(handle);
  if (last) onProgress(last);
  return outcome;
}
