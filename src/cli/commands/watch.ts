/**
 * `crossvpc watch --instance-id ID [--client-vpc-id V [--removal]] [--interval-ms N] [--json]`: follows an access
 * (or, named access, client VPC V's run, or V's removal: no per-port progress, only its outcome) until its run ends — one
 * line per broker port, updated in place on a TTY, only changed lines otherwise — then prints the outcome.
 * With --json: `{"type":"progress",…}` per change, then one `{"type":"outcome",…}` line.
 */
import { z } from 'zod';
import { CLIENT_VPC_RUN_FLAG, COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, REMOVAL_FLAG, connectOptions, flag, removalNeedsVpc } from '../args.js';
import { exitCodeOfOutcome } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { ProgressPrinter } from '../progress-view.js';
import { outcomeJson, outcomeText } from './approve.js';
import { removalExitCode, removalJson, removalText } from './status.js';

export const summary = 'follow an access live (phase + one line per broker port) until it ends';

const spec = {
  name: 'watch',
  summary: `${summary}. Exit code of the outcome: 0 verified, 3 rolled back, 1 failed/unverified, 4 no such access.`,
  flags: {
    ...INSTANCE_FLAG,
    ...CLIENT_VPC_RUN_FLAG,
    ...REMOVAL_FLAG,
    'interval-ms': { type: 'string', value: 'MS', description: 'how often to query the progress (default 1000)' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z
    .object({
      'instance-id': flag.instanceId,
      'client-vpc-id': flag.clientVpcId,
      removal: flag.bool,
      'interval-ms': flag.positiveInt('interval-ms', 100, 600_000),
      address: flag.address, identity: flag.identity,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict()
    .superRefine(removalNeedsVpc),
  notes: [
    'JSON lines: {"type":"progress", instanceId, phase, awaitingApproval, ports[], bootstrapServers?, error?, undone?} per change,',
    'then {"type":"outcome", ok, status, instanceId, workflowId, runId, bootstrapServers, ports[], error?}.',
    'With --removal: one {"type":"removal", …the JSON of status --removal} line once the removal has ended.',
  ],
} as const;

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const id = args['instance-id'];
    const vpc = args['client-vpc-id'];
    if (args.removal && vpc) {
      const r = await client.describeRemoval(id, vpc, { wait: true });
      out.result({ type: 'removal', ...removalJson(r) }, removalText(r));
      return removalExitCode(r);
    }
    const printer = new ProgressPrinter(process.stdout);
    const outcome = await client.followProgress(
      id,
      (p) => {
        if (out.json) out.jsonLine({ type: 'progress', ...p });
        else printer.update(p);
      },
      { intervalMs: args['interval-ms'] ?? 1_000, ...(vpc ? { clientVpcId: vpc } : {}) },
    );
    out.result({ type: 'outcome', ...outcomeJson(id, outcome) }, outcomeText(outcome));
    return exitCodeOfOutcome(outcome);
  });
}
