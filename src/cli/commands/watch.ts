/**
 * `crossvpc watch --instance-id ID [--interval-ms N] [--json]`: follows an access until its run ends — one
 * line per broker port, updated in place on a TTY, only changed lines otherwise — then prints the outcome.
 * With --json: `{"type":"progress",…}` per change, then one `{"type":"outcome",…}` line.
 */
import { z } from 'zod';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, connectOptions, flag } from '../args.js';
import { exitCodeOfOutcome } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { ProgressPrinter } from '../progress-view.js';
import { outcomeJson, outcomeText } from './approve.js';

export const summary = 'follow an access live (phase + one line per broker port) until it ends';

const spec = {
  name: 'watch',
  summary: `${summary}. Exit code of the outcome: 0 verified, 3 rolled back, 1 failed/unverified, 4 no such access.`,
  flags: {
    ...INSTANCE_FLAG,
    'interval-ms': { type: 'string', value: 'MS', description: 'how often to query the progress (default 1000)' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z
    .object({
      'instance-id': flag.instanceId,
      'interval-ms': flag.positiveInt('interval-ms', 100, 600_000),
      address: flag.address, identity: flag.identity,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict(),
  notes: [
    'JSON lines: {"type":"progress", instanceId, phase, awaitingApproval, ports[], bootstrapServers?, error?, undone?} per change,',
    'then {"type":"outcome", ok, status, instanceId, workflowId, runId, bootstrapServers, ports[], error?}.',
  ],
} as const;

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const id = args['instance-id'];
    const printer = new ProgressPrinter(process.stdout);
    const outcome = await client.followProgress(
      id,
      (p) => {
        if (out.json) out.jsonLine({ type: 'progress', ...p });
        else printer.update(p);
      },
      { intervalMs: args['interval-ms'] ?? 1_000 },
    );
    out.result({ type: 'outcome', ...outcomeJson(id, outcome) }, outcomeText(outcome));
    return exitCodeOfOutcome(outcome);
  });
}
