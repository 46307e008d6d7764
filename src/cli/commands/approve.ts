/**
 * `crossvpc approve --instance-id ID [--client-vpc-id V] [--wait] [--json]`: releases the approval gate of an
 * access (named access: of client VPC V's run) started
 * with `--approval-gate` (sends the `approve` signal). An approval sent before the gate is reached is kept.
 */
import { z } from 'zod';
import type { ProvisionOutcome } from '../../temporal/access-client.js';
import { CLIENT_VPC_RUN_FLAG, COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, INSTANCE_FLAG, connectOptions, flag } from '../args.js';
import { ExitCode, exitCodeOfOutcome } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 'approve the advertised-IP switch of an access waiting at its approval gate';

const spec = {
  name: 'approve',
  summary: `${summary}. Exit code: 0 approved (with --wait: verified), 5 the run has ended, 4 no such access; with --wait 3 rolled back, 1 failed.`,
  flags: {
    ...INSTANCE_FLAG,
    ...CLIENT_VPC_RUN_FLAG,
    wait: { type: 'boolean', description: 'after approving, wait for the outcome (exit code of the outcome)' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z.object({ 'instance-id': flag.instanceId, 'client-vpc-id': flag.clientVpcId, wait: flag.bool, address: flag.address, identity: flag.identity, namespace: flag.namespace, json: flag.bool, help: flag.bool }).strict(),
  notes: ['JSON: {ok, instanceId, workflowId, runId, wasAwaitingApproval, outcome?} (outcome with --wait: {status, bootstrapServers, ports[], error?})'],
} as const;

/** Outcome fields shared by watch / approve / cancel (same names as `provision --wait --json`). */
export function outcomeJson(instanceId: string, o: ProvisionOutcome): Record<string, unknown> {
  return {
    ok: o.status === 'verified',
    status: o.status,
    instanceId,
    workflowId: o.workflowId,
    runId: o.runId,
    bootstrapServers: o.bootstrapServers,
    ports: o.ports,
    ...(o.error ? { error: o.error } : {}),
  };
}

/** `{status, bootstrapServers, ports, error?}` nested under `outcome` in approve / cancel. */
export function outcomeBody(o: ProvisionOutcome): Record<string, unknown> {
  return { status: o.status, bootstrapServers: o.bootstrapServers, ports: o.ports, ...(o.error ? { error: o.error } : {}) };
}

export function outcomeText(o: ProvisionOutcome): string {
  if (o.status === 'verified') {
    const m = o.result?.migratedFromNames;
    const migrated = m ? `\nmigrated back from the broker names: private zone ${m.zoneId ?? '(none found)'} (${m.zone}) deleted` : '';
    const left = o.result?.leftovers?.length ? `\nleft behind (run provision again to finish): ${o.result.leftovers.map((l) => `${l.what} (${l.error})`).join('; ')}` : '';
    return `verified: bootstrap ${o.bootstrapServers}${migrated}${left}`;
  }
  const undone = o.error?.undone?.length ? `\nundone: ${o.error.undone.join('; ')}` : '';
  const leftovers = o.error?.leftovers?.length ? `\nleft behind: ${o.error.leftovers.map((l) => `${l.what} (${l.error})`).join('; ')}` : '';
  return `${o.status}: ${o.error?.message ?? ''}${o.error?.causeType ? ` [${o.error.causeType}]` : ''}${undone}${leftovers}`;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const id = args['instance-id'];
    const target = args['client-vpc-id'] ? { clientVpcId: args['client-vpc-id'] } : {};
    const r = await client.approve(id, target);
    if (!args.wait) {
      out.result({ ok: true, ...r }, `approved ${r.workflowId}${r.wasAwaitingApproval ? '' : ' (not at the gate yet: the approval is kept for when it gets there)'}`);
      return ExitCode.Ok;
    }
    const outcome = await client.waitForOutcome(id, target);
    out.result({ ok: outcome.status === 'verified', ...r, outcome: outcomeBody(outcome) }, [`approved ${r.workflowId}`, outcomeText(outcome)]);
    return exitCodeOfOutcome(outcome);
  });
}
