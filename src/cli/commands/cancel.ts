/**
 * `crossvpc cancel --instance-id ID [--client-vpc-id V] [--wait] [--json]`: requests cancellation of a running
 * access (named access: of client VPC V's run; a removal is forward-only and cannot be cancelled); the
 * workflow undoes what it created (rollback) — never `temporal workflow terminate`, which skips that.
 */
import { z } from 'zod';
import { CLIENT_VPC_RUN_FLAG, COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, connectOptions, flag, noWaitConflict, shouldWait, waitFlags } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { outcomeBody, outcomeText } from './approve.js';

export const summary = 'cancel a running access: it rolls back everything it created';

const spec = {
  name: 'cancel',
  summary: `${summary}. Exit code: 0 cancel requested (with --wait: rolled back), 1 rollback incomplete or the run ended otherwise, 5 the run has already ended, 4 no such access.`,
  flags: {
    ...INSTANCE_FLAG,
    ...CLIENT_VPC_RUN_FLAG,
    ...waitFlags(false),
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z.object({ 'instance-id': flag.instanceId, 'client-vpc-id': flag.clientVpcId, ...flag.wait, address: flag.address, identity: flag.identity, namespace: flag.namespace, json: flag.bool, help: flag.bool }).strict().superRefine(noWaitConflict),
  notes: ["JSON: {ok, status ('cancel_requested' | 'rolled_back' | 'failed' | 'verified'), instanceId, workflowId, runId, outcome?} (outcome with --wait)"],
} as const;

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const vpc = args['client-vpc-id'];
    const r = await client.cancel(args['instance-id'], { wait: shouldWait(args, false), ...(vpc ? { clientVpcId: vpc } : {}) });
    const base = { instanceId: r.instanceId, workflowId: r.workflowId, runId: r.runId };
    if (!r.outcome) {
      out.result({ ok: true, status: 'cancel_requested', ...base }, `cancellation requested for ${r.workflowId}: it rolls back (crossvpc watch --instance-id ${r.instanceId}${vpc ? ` --client-vpc-id ${vpc}` : ''} to follow)`);
      return ExitCode.Ok;
    }
    const ok = r.outcome.status === 'rolled_back';
    out.result({ ok, status: r.outcome.status, ...base, outcome: outcomeBody(r.outcome) }, outcomeText(r.outcome));
    return ok ? ExitCode.Ok : ExitCode.Failed;
  });
}
