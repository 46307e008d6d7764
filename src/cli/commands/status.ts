/**
 * `crossvpc status --instance-id ID [--client-vpc-id V [--removal]] [--wait] [--json]`: the access's run status,
 * phase and one line per broker port — the instance's run, or (named access) client VPC V's run, or V's removal.
 * JSON fields: see docs/cli.md#status.
 */
import { z } from 'zod';
import type { AccessStatus, RemovalStatus } from '../../client/crossvpc-client.js';
import { CLIENT_VPC_RUN_FLAG, COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, REMOVAL_FLAG, connectOptions, flag, removalNeedsVpc } from '../args.js';
import { ExitCode, exitCodeOfOutcome } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { renderProgress } from '../progress-view.js';

export const summary = 'show the phase and per-port status of an access (running or finished)';

const spec = {
  name: 'status',
  summary: `${summary}. Exit code: 0 running or verified, 3 rolled back, 1 failed/unverified, 4 no such access.`,
  flags: {
    ...INSTANCE_FLAG,
    ...CLIENT_VPC_RUN_FLAG,
    ...REMOVAL_FLAG,
    wait: { type: 'boolean', description: 'wait until the run ends, then report its final status' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z
    .object({ 'instance-id': flag.instanceId, 'client-vpc-id': flag.clientVpcId, removal: flag.bool, wait: flag.bool, address: flag.address, identity: flag.identity, namespace: flag.namespace, json: flag.bool, help: flag.bool })
    .strict()
    .superRefine(removalNeedsVpc),
  notes: [
    'JSON: {ok, instanceId, clientVpcId?, workflowId, runId, workflowStatus, phase, awaitingApproval, bootstrapServers, ports[], error, undone, kept, leftovers, advertisedAfter, advertisedChange, startTime, closeTime, outcome}',
    'With --removal: {ok, instanceId, clientVpcId, workflowId, runId, workflowStatus, startTime, closeTime, outcome: null | {status (removed | incomplete), removed {zones[], endpoints[]}, alreadyClean, leftovers[], error?}}',
  ],
} as const;

/** The JSON object of `status` (also used by `approve --wait` and `cancel --wait`). */
export function statusJson(s: AccessStatus): Record<string, unknown> {
  return {
    ok: true,
    instanceId: s.instanceId,
    ...(s.clientVpcId ? { clientVpcId: s.clientVpcId } : {}),
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

/** The JSON object of `status --removal`. Ok = running, or closed with everything removed. */
export function removalJson(s: RemovalStatus): Record<string, unknown> {
  return {
    ok: s.outcome ? s.outcome.status === 'removed' : true,
    instanceId: s.instanceId,
    clientVpcId: s.clientVpcId,
    workflowId: s.workflowId,
    runId: s.runId,
    workflowStatus: s.workflowStatus,
    startTime: s.startTime,
    closeTime: s.closeTime,
    outcome: s.outcome ?? null,
  };
}

/** Text lines of a removal's status (also the outcome of `watch --removal`). */
export function removalText(s: RemovalStatus): string[] {
  const o = s.outcome;
  return [
    o === undefined
      ? `removal of VPC ${s.clientVpcId} from ${s.instanceId}: running`
      : o.status === 'removed'
        ? o.alreadyClean
          ? `VPC ${s.clientVpcId}: nothing of the named access found (already removed)`
          : `VPC ${s.clientVpcId} removed from ${s.instanceId} (zones: ${o.removed.zones.join(', ') || '-'}; endpoints: ${o.removed.endpoints.join(', ') || '-'})`
        : `removal of VPC ${s.clientVpcId} incomplete: ${o.error?.message ?? ''}${o.leftovers.length ? `\nleft behind: ${o.leftovers.map((l) => `${l.what} (${l.error})`).join('; ')}` : ''}\n  what to do: fix the cause shown, then run crossvpc remove-client again (it is idempotent)`,
    `workflow ${s.workflowId} run ${s.runId}: ${s.workflowStatus} (started ${s.startTime}${s.closeTime ? `, closed ${s.closeTime}` : ''})`,
  ];
}

/** 0 running or removed, 1 incomplete. */
export function removalExitCode(s: RemovalStatus): number {
  return s.outcome && s.outcome.status !== 'removed' ? ExitCode.Failed : ExitCode.Ok;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const id = args['instance-id'];
    const vpc = args['client-vpc-id'];
    if (args.removal && vpc) {
      const r = await client.describeRemoval(id, vpc, { wait: args.wait === true });
      out.result(removalJson(r), removalText(r));
      return removalExitCode(r);
    }
    const target = vpc ? { clientVpcId: vpc } : {};
    if (args.wait) await client.waitForOutcome(id, target);
    const s = await client.describeAccess(id, target);
    out.result(statusJson(s), [
      ...renderProgress(s.progress, { tty: false }),
      `workflow ${s.workflowId} run ${s.runId}: ${s.workflowStatus} (started ${s.startTime}${s.closeTime ? `, closed ${s.closeTime}` : ''})`,
    ]);
    return statusExitCode(s);
  });
}
