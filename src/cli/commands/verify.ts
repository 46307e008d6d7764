/**
 * `crossvpc verify --instance-id ID [--heal] [--skip-data-path] [...] [--json]`: one re-verification of an
 * access now: endpoints accepted with their IPs, advertised IPs, security-group / ACL rules and (unless
 * --skip-data-path) produce + consume through the endpoints. Prints the health and every drift.
 */
import { z } from 'zod';
import type { Drift, ReverifyResult } from '../../../workflows/ops-input.js';
import { CHECK_FLAGS, COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, LOCATION_FLAGS, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, checkOf, checkSchema, connectOptions, flag, locationOf, locationSchema, noWaitConflict, shouldWait, waitFlags } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 're-verify an access once now (health: healthy, drifted, broken; --heal repairs drift)';

const spec = {
  name: 'verify',
  summary: `${summary}. Waits for the result unless --no-wait. Exit code: 0 healthy (or healed, or started with --no-wait), 6 drifted/broken, 1 the check itself failed, 2 bad flags.`,
  flags: {
    ...INSTANCE_FLAG,
    ...CHECK_FLAGS,
    ...LOCATION_FLAGS,
    ...waitFlags(true),
    ...TASK_QUEUE_FLAG,
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: z
    .object({
      'instance-id': flag.instanceId,
      ...checkSchema,
      ...locationSchema,
      ...flag.wait,
      'task-queue': flag.taskQueue,
      address: flag.address, identity: flag.identity,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict()
    .superRefine(noWaitConflict),
  notes: ['JSON: {ok, instanceId, workflowId, runId, health, drifts[{kind, portId?, listenerIp?, expected?, actual?, detail}], healed, checkedAt, beforeHeal?, healActions?, error?}'],
} as const;

/** Ok = the (post-heal, when healing) check found the access healthy. */
export function isHealthy(r: ReverifyResult): boolean {
  return r.health === 'healthy';
}

export function driftText(d: Drift): string {
  return `${d.kind}${d.portId ? ` (port ${d.portId})` : ''}: ${d.detail}`;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const o = await client.verify({ ...locationOf(args), ...checkOf(args) }, { wait: shouldWait(args, true) });
    const base = { instanceId: o.instanceId, workflowId: o.workflowId, runId: o.runId };
    if (o.status === 'started') {
      out.result({ ok: true, status: 'started', ...base }, `verify started: ${o.workflowId} (run ${o.runId}); crossvpc verify --instance-id ${o.instanceId} joins it and waits for the result`);
      return ExitCode.Ok;
    }
    if (o.status === 'failed' || !o.result) {
      out.result({ ok: false, ...base, health: null, drifts: [], healed: null, checkedAt: null, error: o.error ?? { type: 'Error', message: 'no result' } }, `verify failed: ${o.error?.message ?? ''} [${o.error?.type ?? 'Error'}]`);
      return ExitCode.Failed;
    }
    const r = o.result;
    const ok = isHealthy(r);
    out.result(
      { ok, ...base, health: r.health, drifts: r.drifts, healed: r.healed ?? null, checkedAt: r.checkedAt, ...(r.beforeHeal ? { beforeHeal: r.beforeHeal } : {}), ...(r.healActions ? { healActions: r.healActions } : {}) },
      [
        `${o.instanceId}: ${r.health}${r.healed ? ' (healed)' : ''} at ${r.checkedAt}`,
        ...(r.beforeHeal ? r.beforeHeal.drifts.map((d) => `  found before heal: ${driftText(d)}`) : []),
        ...(r.healActions ?? []).map((a) => `  repaired: ${a}`),
        ...r.drifts.map((d) => `  drift: ${driftText(d)}`),
      ],
    );
    return ok ? ExitCode.Ok : ExitCode.Unhealthy;
  });
}
