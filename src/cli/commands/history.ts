/**
 * `crossvpc history --instance-id ID [--json]`: the audit trail of one instance, oldest first — who started,
 * approved, cancelled, healed or tore down its access, when, with which input (secrets excluded), and how
 * each run ended; from the event histories Temporal keeps (src/temporal/inventory.ts).
 */
import { z } from 'zod';
import type { HistoryEntry } from '../../temporal/inventory.js';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, connectOptions, flag } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 'who started, approved, cancelled, healed or tore down an access, when, and how it ended';

const spec = {
  name: 'history',
  summary: `${summary}. Exit code: 0, 4 nothing recorded for the instance, 2 bad flags.`,
  flags: { ...INSTANCE_FLAG, ...CONNECTION_FLAGS, ...COMMON_FLAGS },
  env: CONNECTION_ENV,
  schema: z.object({ 'instance-id': flag.instanceId, address: flag.address, identity: flag.identity, namespace: flag.namespace, json: flag.bool, help: flag.bool }).strict(),
  notes: [
    'JSON: {ok, instanceId, events[{at, action: provision|approve|cancel|terminate|teardown|verify|heal|ended, by, workflowId, runId, input?, outcome?{status, type?, message?}, note?}]}',
  ],
} as const;

function line(e: HistoryEntry): string {
  const what = e.action === 'ended' ? `ended: ${e.outcome?.status ?? '?'}${e.outcome?.type ? ` [${e.outcome.type}]` : ''}` : e.action;
  const by = e.by ? ` by ${e.by}` : '';
  const note = e.note ? ` (${e.note})` : '';
  return `${e.at}  ${what}${by}${note}  ${e.workflowId}`;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const events = await client.accessHistory(args['instance-id']);
    out.result({ ok: true, instanceId: args['instance-id'], events }, events.map(line));
    return ExitCode.Ok;
  });
}
