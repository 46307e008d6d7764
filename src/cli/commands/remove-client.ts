/**
 * `crossvpc remove-client --instance-id I --client-vpc-id V [--client-credentials NAME] [--client-domain-id ID] [--zone ZONE]
 *   [--wait | --no-wait] [--task-queue Q] [--json]`: one client VPC leaves the instance's named access — its
 * private zone (records with it) and its endpoints are deleted; the other VPCs, the endpoint services, the rules
 * and the advertised names stay (`crossvpc teardown` removes the whole access). Idempotent.
 * Exit 0 removed (or nothing found, or started with --no-wait); 1 incomplete (leftovers named, run it again).
 */
import { z } from 'zod';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, connectOptions, flag, noWaitConflict, shouldWait, waitFlags } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 'remove one client VPC from a named access: its private zone and endpoints (the other VPCs untouched)';

const spec = {
  name: 'remove-client',
  summary: `${summary}. Waits for the result unless --no-wait. Exit code: 0 removed (or nothing found, or started), 1 incomplete, 2 bad flags.`,
  flags: {
    ...INSTANCE_FLAG,
    'client-vpc-id': { type: 'string', value: 'ID', description: 'the client VPC to remove (required)' },
    'client-credentials': { type: 'string', value: 'NAME', description: "credential set of the VPC's account (default: the instance's)" },
    'instance-credentials': { type: 'string', value: 'NAME', description: "credential set of the instance's account (default `default`)" },
    'client-domain-id': { type: 'string', value: 'ID', description: "the VPC's account when cross-account: its whitelist entry is retired (found from the VPC's endpoints while they exist; needed only to finish a re-run)" },
    zone: { type: 'string', value: 'ZONE', description: 'the private zone of the broker names (default kafka.internal)' },
    ...waitFlags(true),
    ...TASK_QUEUE_FLAG,
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: z
    .object({
      'instance-id': flag.instanceId,
      'client-vpc-id': z.string({ error: '--client-vpc-id is required' }).min(1, '--client-vpc-id must not be empty'),
      'client-credentials': z.string().optional(),
      'instance-credentials': z.string().optional(),
      'client-domain-id': z.string().optional(),
      zone: z.string().optional(),
      ...flag.wait,
      'task-queue': flag.taskQueue,
      address: flag.address,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict()
    .superRefine(noWaitConflict),
  notes: ["JSON: {ok, status ('completed' | 'started' | 'failed'), instanceId, clientVpcId, workflowId, runId, removed {zones[], endpoints[], whitelist[]}, alreadyClean, error?}"],
} as const;

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const o = await client.removeClientVpc(
      {
        instanceId: args['instance-id'],
        clientVpcId: args['client-vpc-id'],
        ...(args['client-credentials'] ? { clientCredentials: args['client-credentials'] } : {}),
        ...(args['instance-credentials'] ? { instanceCredentials: args['instance-credentials'] } : {}),
        ...(args['client-domain-id'] ? { clientDomainId: args['client-domain-id'] } : {}),
        ...(args.zone ? { zone: args.zone } : {}),
      },
      { wait: shouldWait(args, true) },
    );
    const json = {
      ok: o.status !== 'failed',
      status: o.status,
      instanceId: o.instanceId,
      clientVpcId: o.clientVpcId,
      workflowId: o.workflowId,
      runId: o.runId,
      ...(o.result ? { removed: o.result.removed, alreadyClean: o.result.alreadyClean } : {}),
      ...(o.error ? { error: o.error } : {}),
    };
    if (o.status === 'started') {
      out.result(json, `remove-client started: ${o.workflowId} (run ${o.runId})`);
      return ExitCode.Ok;
    }
    if (o.status === 'failed') {
      out.result(json, `remove-client incomplete: ${o.error?.message ?? ''} [${o.error?.type ?? 'Error'}]\n  what to do: fix the cause shown, then run crossvpc remove-client again (it is idempotent)`);
      return ExitCode.Failed;
    }
    const r = o.result;
    out.result(
      json,
      r?.alreadyClean
        ? `VPC ${o.clientVpcId}: nothing of the named access found (already removed)`
        : [
            `VPC ${o.clientVpcId} removed from ${o.instanceId}`,
            `  zones: ${r?.removed.zones.join(', ') || '-'}`,
            `  endpoints: ${r?.removed.endpoints.join(', ') || '-'}`,
            `  whitelist entry retired on: ${r?.removed.whitelist?.join(', ') || '-'}`,
          ],
    );
    return ExitCode.Ok;
  });
}
