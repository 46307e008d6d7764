/**
 * `crossvpc provision (--input FILE | --instance-id I --client-vpc-id V --client-subnet-id S) [request flags]
 *   [--wait | --no-wait] [--task-queue Q] [--json]`
 *
 * Starts (or joins) the access `crossvpc-<instanceId>` through the typed client and, with --wait, prints one
 * JSON object when it ends: `status` (verified | rolled_back | failed), `bootstrapServers`, `ports[]`, and on
 * failure `error`. The request is validated before anything is contacted. Exit 0 verified (or started,
 * without --wait); 3 rolled back; 1 failed; 2 bad usage/configuration or namespace not set up.
 *
 * `--access-mode named` adds the client VPC to the instance's named access instead
 * (`crossvpc-<instanceId>-vpc-<clientVpcId>`, docs/decisions/named-access.md); its JSON adds `clientVpcId`,
 * `zone`, `zoneId`, `records` (broker name → this VPC's endpoint IP) and `switchedListeners`.
 */
import { z } from 'zod';
import type { ProvisionRequest } from '../../../workflows/input.js';
import { CrossVpcClient } from '../../client/crossvpc-client.js';
import { CrossVpcError } from '../../client/errors.js';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, connectOptions, flag, noWaitConflict, shouldWait, waitFlags, withFlagNames, type CommandSpec } from '../args.js';
import { ExitCode, exitCodeOfOutcome } from '../exit-codes.js';
import { runCommand, type Output } from '../output.js';
import { commandLineRequest, REQUEST_FLAGS, requestFlagSchema, requiredWithoutInput, type CommandLineRequest } from '../provision-request.js';
import { inputName } from '../input-file.js';
import { outcomeText } from './approve.js';

export const summary = 'start (or join) the cross-VPC access of a Kafka instance and wait for its outcome';

const ArgsSchema = z
  .object({
    ...requestFlagSchema,
    'task-queue': flag.taskQueue,
    ...flag.wait,
    address: flag.address, identity: flag.identity,
    namespace: flag.namespace,
    json: flag.bool,
    help: flag.bool,
  })
  .strict()
  .superRefine((a, ctx) => {
    requiredWithoutInput(a, ctx);
    noWaitConflict(a, ctx);
  });

/**
 * provision's JSON error: the object it has always printed (`status: "failed"`, `bootstrapServers: null`,
 * `ports: []`, `error.type`, `error.fields` = input field names) merged with the `{ok:false,error}` line
 * every command prints (`error.code`, `field`, `apiCode`, `hint`).
 */
export function provisionErrorJson(e: CrossVpcError): object {
  const original = e.cause instanceof CrossVpcError ? e.cause : undefined;
  const inputFields = original?.code === 'InvalidInput' && original.field ? original.field.split(',').filter((f) => !f.startsWith('-')) : [];
  return {
    ok: false,
    status: 'failed',
    bootstrapServers: null,
    ports: [],
    error: { type: e.code, ...e.toJSON(), field: e.field ?? null, ...(inputFields.length ? { fields: inputFields } : {}) },
  };
}

const spec = {
  name: 'provision',
  summary: `${summary}. Exit code: 0 verified (or started, without --wait), 3 rolled back, 1 failed/unverified, 2 bad flags, input or configuration.`,
  flags: {
    ...REQUEST_FLAGS,
    ...TASK_QUEUE_FLAG,
    ...waitFlags(false),
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: ArgsSchema,
  notes: [
    'JSON with --wait: {ok, status (verified | rolled_back | failed), bootstrapServers, ports[], workflowId, runId, error?}',
    'JSON without --wait: {ok: true, status: "started", workflowId, runId, joined}',
    'JSON on error: {ok: false, status: "failed", bootstrapServers: null, ports: [], error: {type, code, message, field, apiCode?, hint, fields?}}',
    '--input FILE: JSON or YAML of the whole request (the typed client\'s ProvisionRequest); flags given too override its fields.',
  ],
  errorJson: provisionErrorJson,
} as const satisfies CommandSpec<typeof ArgsSchema>;

/** An InvalidInput error of the merged request, naming the flag (flag-set fields) or the field and the file. */
function requestError(e: unknown, clr: CommandLineRequest): unknown {
  if (!(e instanceof CrossVpcError) || e.code !== 'InvalidInput' || !e.field) return e;
  const mapped = withFlagNames(e, clr.fieldFlags);
  const fromFile = clr.file !== undefined ? e.field.split(',').filter((f) => clr.fieldFlags[f] === undefined) : [];
  if (clr.file === undefined || !fromFile.length) return mapped;
  const file = inputName(clr.file);
  return new CrossVpcError('InvalidInput', `${mapped.message} (${fromFile.join(', ')} from --input ${file})`, {
    field: mapped.field ?? e.field,
    ...(mapped.apiCode ? { apiCode: mapped.apiCode } : {}),
    hint: `fix ${fromFile.join(', ')} in ${file}${mapped.field !== e.field ? ` and the flags named` : ''}, then retry`,
    cause: e,
  });
}

/** Named access: one client VPC's saga, started or joined, and (with --wait) its outcome. */
async function addClientVpc(client: CrossVpcClient, input: ProvisionRequest, wait: boolean, out: Output): Promise<number> {
  const o = await client.addClientVpc(input, { wait });
  const base = { workflowId: o.workflowId, runId: o.runId, instanceId: o.instanceId, clientVpcId: o.clientVpcId };
  if (o.status === 'started') {
    out.result({ ok: true, status: 'started', ...base }, `started ${o.workflowId} (run ${o.runId})`);
    return ExitCode.Ok;
  }
  if (o.status === 'failed' || !o.result) {
    const rolledBack = o.error?.type === 'ProvisioningRolledBack';
    out.result(
      { ok: false, status: rolledBack ? 'rolled_back' : 'failed', bootstrapServers: null, ports: [], ...base, ...(o.error ? { error: o.error } : {}) },
      `adding VPC ${o.clientVpcId} ${rolledBack ? 'was rolled back' : 'failed'}: ${o.error?.message ?? ''} [${o.error?.type ?? 'Error'}]`,
    );
    return rolledBack ? ExitCode.RolledBack : ExitCode.Failed;
  }
  const r = o.result;
  out.result(
    { ok: r.status === 'verified', status: r.status, bootstrapServers: r.bootstrapServers, ports: r.ports, ...base, zone: r.zone, zoneId: r.zoneId, records: r.records, switchedListeners: r.switchedListeners },
    [`VPC ${o.clientVpcId}: ${r.status}; bootstrap ${r.bootstrapServers}`, ...Object.entries(r.records).map(([n, ip]) => `  ${n} → ${ip}`)],
  );
  return r.status === 'verified' ? ExitCode.Ok : ExitCode.Failed;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    spec,
    argv,
    async ({ args, out, connect }) => {
      const clr = commandLineRequest(args);
      let handle;
      try {
        // Validated before anything is contacted: a bad request never reaches Temporal or the cloud.
        const input = CrossVpcClient.validateAccessRequest(clr.request);
        const client = await connect(connectOptions(args));
        if (input.access?.mode === 'named') return await addClientVpc(client, input, shouldWait(args, false), out);
        handle = await client.startAccess(input);
        if (!shouldWait(args, false)) {
          out.result(
            { ok: true, status: 'started', workflowId: handle.workflowId, runId: handle.runId, joined: handle.joined },
            `${handle.joined ? 'joined the running' : 'started'} ${handle.workflowId} (run ${handle.runId}); crossvpc watch --instance-id ${handle.instanceId} follows it`,
          );
          return ExitCode.Ok;
        }
        const outcome = await client.waitForOutcome(handle.instanceId);
        out.result(
          {
            ok: outcome.status === 'verified',
            status: outcome.status,
            bootstrapServers: outcome.bootstrapServers,
            ports: outcome.ports,
            workflowId: outcome.workflowId,
            runId: outcome.runId,
            ...(outcome.result?.migratedFromNames ? { migratedFromNames: outcome.result.migratedFromNames } : {}),
            ...(outcome.result?.leftovers ? { leftovers: outcome.result.leftovers } : {}),
            ...(outcome.error ? { error: outcome.error } : {}),
          },
          outcomeText(outcome),
        );
        return exitCodeOfOutcome(outcome);
      } catch (e) {
        throw requestError(e, clr);
      }
    },
    {},
  );
}
