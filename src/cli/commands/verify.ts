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
    'client-vpc-id': { type: 'string', value: 'ID', description: 'named access: re-verify this client VPC (its zone, records and data path from it)' },
    zone: { type: 'string', value: 'ZONE', description: 'named access: the private zone of the broker names (default kafka.internal)' },
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
      'client-vpc-id': z.string().min(1, '--client-vpc-id must not be empty').optional(),
      zone: z.string().optional(),
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
  notes: [
    'JSON: {ok, instanceId, workflowId, runId, health, drifts[{kind, portId?, listenerIp?, expected?, actual?, detail}], healed, checkedAt, beforeHeal?, healActions?, error?}',
    'With --client-vpc-id (named access): {ok, instanceId, clientVpcId, workflowId, runId, health (healthy | healed | drifted | broken), drift[{kind, what}], healed[], verified, error?}',
  ],
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
    const vpc = args['client-vpc-id'];
    if (vpc) {
      const check = checkOf(args);
      const n = await client.reverifyClientVpc(
        { ...locationOf(args), clientVpcId: vpc, ...(args.zone ? { zone: args.zone } : {}), ...(check.heal ? { heal: true } : {}), ...(check.verify ? { verify: check.verify } : {}) },
        { wait: shouldWait(args, true) },
      );
      const nbase = { instanceId: n.instanceId, clientVpcId: n.clientVpcId, workflowId: n.workflowId, runId: n.runId };
      if (n.status === 'started') {
        out.result({ ok: true, status: 'started', ...nbase }, `verify started: ${n.workflowId} (run ${n.runId})`);
        return ExitCode.Ok;
      }
      if (n.status === 'failed' || !n.result) {
        out.result({ ok: false, ...nbase, health: null, drift: [], healed: [], verified: false, error: n.error ?? { type: 'Error', message: 'no result' } }, `verify failed: ${n.error?.message ?? ''} [${n.error?.type ?? 'Error'}]`);
        return ExitCode.Failed;
      }
      const r = n.result;
      const good = r.health === 'healthy' || r.health === 'healed';
      out.result({ ok: good, ...nbase, health: r.health, drift: r.drift, healed: r.healed, verified: r.verified, ...(r.error ? { error: r.error } : {}) }, [
        `${n.instanceId} VPC ${n.clientVpcId}: ${r.health}`,
        ...r.drift.map((d) => `  drift: ${d.kind}: ${d.what}`),
        ...r.healed.map((h) => `  repaired: ${h}`),
      ]);
      return good ? ExitCode.Ok : ExitCode.Unhealthy;
    }
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
