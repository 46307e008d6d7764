/**
 * `crossvpc teardown --instance-id ID [...] [--wait | --no-wait (alias --detach)] [--json]`: undoes an access — restores the advertised
 * IPs, removes the rules it created, deletes its endpoints and services — discovered from the cloud by tag,
 * so it works long after the provisioning run has left Temporal's retention. Idempotent.
 */
import { z } from 'zod';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, LOCATION_FLAGS, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, connectOptions, flag, locationOf, locationSchema, noWaitConflict, shouldWait, waitFlags } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 'remove an access: restore advertised IPs, delete its rules, endpoints and services';

const spec = {
  name: 'teardown',
  summary: `${summary}. A provisioning run still going is cancelled first (it rolls back). Waits for the result unless --no-wait. Exit code: 0 removed (or already clean, or started with --no-wait), 1 failed.`,
  flags: {
    ...INSTANCE_FLAG,
    ...LOCATION_FLAGS,
    ...waitFlags(true, { detachAlias: true }),
    ...TASK_QUEUE_FLAG,
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: z
    .object({
      'instance-id': flag.instanceId,
      ...locationSchema,
      ...flag.wait,
      detach: flag.bool,
      'task-queue': flag.taskQueue,
      address: flag.address, identity: flag.identity,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict()
    .superRefine(noWaitConflict),
  notes: ["JSON: {ok, status ('completed' | 'started' | 'failed'), instanceId, workflowId, runId, restoredAdvertisedIps, restored {listenerIp: endpointIp}, removed {endpoints[], services[], securityGroupRules[], aclRules[]}, alreadyClean, cancelledProvisioning, error?}"],
} as const;

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const o = await client.teardown(locationOf(args), { wait: shouldWait(args, true) });
    const json = {
      ok: o.status !== 'failed',
      status: o.status,
      instanceId: o.instanceId,
      workflowId: o.workflowId,
      runId: o.runId,
      ...(o.result
        ? { restoredAdvertisedIps: o.result.restoredAdvertisedIps, restored: o.result.restored, removed: o.result.removed, alreadyClean: o.result.alreadyClean, cancelledProvisioning: o.result.cancelledProvisioning }
        : {}),
      ...(o.error ? { error: o.error } : {}),
    };
    if (o.status === 'started') {
      out.result(json, `teardown started: ${o.workflowId} (run ${o.runId})`);
      return ExitCode.Ok;
    }
    if (o.status === 'failed') {
      out.result(json, `teardown failed: ${o.error?.message ?? ''} [${o.error?.type ?? 'Error'}]\n  what to do: fix the cause shown, then run crossvpc teardown again (it is idempotent)`);
      return ExitCode.Failed;
    }
    const r = o.result;
    out.result(
      json,
      r?.alreadyClean
        ? `teardown of ${o.instanceId}: already clean`
        : [
            `teardown of ${o.instanceId}: done${r?.cancelledProvisioning ? ' (the running provisioning was cancelled and rolled back first)' : ''}`,
            `  removed endpoints: ${r?.removed.endpoints.join(', ') || '-'}`,
            `  removed services: ${r?.removed.services.join(', ') || '-'}`,
            `  removed security-group rules: ${r?.removed.securityGroupRules.join(', ') || '-'}`,
            `  removed ACL rules: ${r?.removed.aclRules.join(', ') || '-'}`,
            `  advertised IPs restored: ${Object.keys(r?.restored ?? {}).join(', ') || '-'}`,
          ],
    );
    return ExitCode.Ok;
  });
}
