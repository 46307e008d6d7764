/**
 * `crossvpc status --instance-id ID [--wait] [--json]`: the access's run status, phase and one line per
 * broker port. JSON fields: see docs/cli.md#status.
 */
import { z } from 'zod';
import type { AccessStatus } from '../../client/crossvpc-client.js';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, connectOptions, flag } from '../args.js';
import { ExitCode, exitCodeOfOutcome } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { renderProgress } from '../progress-view.js';

export const summary = 'show the phase and per-port status of an access (running or finished)';

const spec = {
  name: 'status',
  summary: `${summary}. Exit code: 0 running or verified, 3 rolled back, 1 failed/unverified, 4 no such access.`,
  flags: {
    ...INSTANCE_FLAG,
    wait: { type: 'boolean', description: 'wait until the run ends, then report its final status' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z
    .object({ 'instance-id': flag.instanceId, wait: flag.bool, address: flag.address, identity: flag.identity, namespace: flag.namespace, json: flag.bool, help: flag.bool })
    .strict(),
  notes: ['JSON: {ok, instanceId, workflowId, runId, workflowStatus, phase, awaitingApproval, bootstrapServers, ports[], error, undone, kept, leftovers, advertisedAfter, advertisedChange, startTime, closeTime, outcome}'],
} as const;

/** The JSON object of `status` (also used by `approve --wait` and `cancel --wait`). */
export function statusJson(s: AccessStatus): Record<string, unknown> {
  return {
    ok: true,
    instanceId: s.instanceId,
    workflowId: s.workflowId,
    runId: s.runId,
    workflowStatus: s.workflowStatus,
    phase: s.progress.phase,
    awaitingApproval: s.progress.awaitingApproval,
    bootstrapServers: s.progress.bootstrapServers ?? null,
    ports: s.progress.ports,
    error: s.progress.error ?? null,
    undone: s.progress.undone ?? [],
    kept: s.progress.kept ?? [],
    leftovers: s.progress.leftovers ?? [],
    advertisedAfter: s.progress.advertisedAfter ?? null,
    advertisedChange: s.progress.advertisedChange ?? null,
    startTime: s.startTime,
    closeTime: s.closeTime,
    outcome: s.outcome ? { status: s.outcome.status, ...(s.outcome.error ? { error: s.outcome.error } : {}) } : null,
  };
}

export function statusExitCode(s: AccessStatus): number {
  return s.outcome ? exitCodeOfOutcome(s.outcome) : ExitCode.Ok;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const id = args['instance-id'];
    if (args.wait) await client.waitForOutcome(id);
    const s = await client.describeAccess(id);
    out.result(statusJson(s), [
      ...renderProgress(s.progress, { tty: false }),
      `workflow ${s.workflowId} run ${s.runId}: ${s.workflowStatus} (started ${s.startTime}${s.closeTime ? `, closed ${s.closeTime}` : ''})`,
    ]);
    return statusExitCode(s);
  });
}
