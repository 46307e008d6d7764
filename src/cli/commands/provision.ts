/**
 * `crossvpc provision --instance-id I --client-vpc-id V --client-subnet-id S [--client-domain-id D]
 *   [--client-credentials NAME] [--client-subnet-cidr C] [--secret-ref REF --protocol SASL_SSL --mechanism M]
 *   [--approval-gate] [--force] [--keep-on-verify-failure] --wait --json`
 *
 * Starts (or joins) the access `crossvpc-<instanceId>` and, with --wait, prints one JSON object when it ends:
 * `status` (verified | rolled_back | failed), `bootstrapServers`, `ports[]`, and on failure `error`.
 * Exit 0 only for verified; 3 rolled back; 1 failed; 2 bad usage/configuration.
 */
import { z } from 'zod';
import { awaitAccessOutcome, connectClient, startOrJoinAccess, temporalEnv, type ProvisionOutcome } from '../../temporal/access-client.js';
import { parseProvisionInput, type ProvisionRequest } from '../../../workflows/input.js';
import { COMMON_FLAGS, CONNECTION_ENV, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, type CommandSpec } from '../args.js';
import { parseFlags } from '../output.js';

export const summary = 'start (or join) the cross-VPC access of a Kafka instance and wait for its outcome';

const ArgsSchema = z
  .object({
    'instance-id': z.string({ error: '--instance-id is required' }),
    'client-vpc-id': z.string({ error: '--client-vpc-id is required' }),
    'client-subnet-id': z.string({ error: '--client-subnet-id is required' }),
    'client-domain-id': z.string().optional(),
    'client-credentials': z.string().optional(),
    'client-subnet-cidr': z.string().optional(),
    protocol: z.enum(['PLAINTEXT', 'SASL_SSL'], { error: '--protocol must be PLAINTEXT or SASL_SSL' }).optional(),
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-512'], { error: '--mechanism must be PLAIN or SCRAM-SHA-512' }).optional(),
    'secret-ref': z.string().optional(),
    topic: z.string().optional(),
    'approval-gate': z.boolean().optional(),
    force: z.boolean().optional(),
    'keep-on-verify-failure': z.boolean().optional(),
    'task-queue': z.string().min(1).optional(),
    wait: z.boolean().optional(),
    json: z.boolean().optional(),
    help: z.boolean().optional(),
  })
  .strict();

const spec = {
  name: 'provision',
  summary: `${summary}. Exit code: 0 verified (or started, without --wait), 3 rolled back, 1 failed/unverified, 2 bad flags or configuration.`,
  flags: {
    'instance-id': { type: 'string', value: 'ID', description: 'the Kafka (DMS) instance id', required: true },
    'client-vpc-id': { type: 'string', value: 'ID', description: 'VPC of the Kafka client', required: true },
    'client-subnet-id': { type: 'string', value: 'ID', description: 'subnet of the Kafka client (endpoint IPs come from it)', required: true },
    'client-domain-id': { type: 'string', value: 'ID', description: "the client's account (domain) id when it differs from the instance's" },
    'client-credentials': { type: 'string', value: 'NAME', description: "credential set of the client's account (default `client` when cross-account)" },
    'client-subnet-cidr': { type: 'string', value: 'CIDR', description: 'client subnet CIDR, allowed in the instance subnet network ACL' },
    protocol: { type: 'string', value: 'PLAINTEXT|SASL_SSL', description: 'protocol of the verification (default PLAINTEXT)' },
    mechanism: { type: 'string', value: 'PLAIN|SCRAM-SHA-512', description: 'SASL mechanism (SASL_SSL)' },
    'secret-ref': { type: 'string', value: 'NAME', description: 'secret in the verify worker environment (CROSSVPC_SECRET_<NAME>_*)' },
    topic: { type: 'string', value: 'T', description: 'topic of the verification (default crossvpc-verify)' },
    'approval-gate': { type: 'boolean', description: 'wait for `crossvpc approve` before switching the advertised IPs' },
    force: { type: 'boolean', description: 'proceed even if an advertised IP already differs and is not ours' },
    'keep-on-verify-failure': { type: 'boolean', description: 'keep the resources when verification fails (default: roll back)' },
    ...TASK_QUEUE_FLAG,
    wait: { type: 'boolean', description: 'wait for the outcome (default: return once started)' },
    ...COMMON_FLAGS,
  },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: ArgsSchema,
  notes: [
    'JSON with --wait: {status (verified | rolled_back | failed), bootstrapServers, ports[], workflowId, runId, error?}',
    'JSON without --wait: {status: "started", workflowId, runId}',
  ],
  usageErrorJson: (e) => failedJson('InvalidInput', e.message),
} as const satisfies CommandSpec<typeof ArgsSchema>;

/** The JSON object of a provisioning that did not start (bad flags or configuration). */
function failedJson(type: string, message: string, extra: Record<string, unknown> = {}): object {
  return { status: 'failed', bootstrapServers: null, ports: [], error: { type, message, ...extra } };
}

export function buildRequest(a: z.infer<typeof ArgsSchema>): ProvisionRequest {
  const verify: NonNullable<ProvisionRequest['verify']> = {};
  if (a.protocol) verify.protocol = a.protocol;
  if (a.mechanism) verify.mechanism = a.mechanism;
  if (a['secret-ref']) verify.secretRef = a['secret-ref'];
  if (a.topic) verify.topic = a.topic;
  if (a['keep-on-verify-failure']) verify.onFailure = 'keep';
  return {
    instanceId: a['instance-id'],
    clientVpcId: a['client-vpc-id'],
    clientSubnetId: a['client-subnet-id'],
    ...(a['client-domain-id'] ? { clientDomainId: a['client-domain-id'] } : {}),
    ...(a['client-credentials'] ? { clientCredentials: a['client-credentials'] } : {}),
    ...(a['client-subnet-cidr'] ? { clientSubnetCidr: a['client-subnet-cidr'] } : {}),
    ...(a['approval-gate'] ? { approvalGate: true } : {}),
    ...(a.force ? { force: true } : {}),
    verify,
  };
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

export function exitCodeOf(o: ProvisionOutcome): number {
  return o.status === 'verified' ? 0 : o.status === 'rolled_back' ? 3 : 1;
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(spec, argv);
  if (!flags.ok) return flags.exitCode;
  const { args } = flags;
  const json = args.json === true;
  const parsed = parseProvisionInput(buildRequest(args));
  if (!parsed.ok) {
    // Map input field names back to flags in the message.
    print(json, failedJson('InvalidInput', parsed.message, { fields: parsed.fields }), `crossvpc provision: ${parsed.message}`);
    return 2;
  }
  let cfg;
  try {
    cfg = temporalEnv();
  } catch (err) {
    print(json, failedJson('ConfigError', (err as Error).message), `crossvpc provision: ${(err as Error).message}`);
    return 2;
  }
  const taskQueue = args['task-queue'] ?? cfg.taskQueue;
  const { client, close } = await connectClient(cfg);
  try {
    const handle = await startOrJoinAccess(client, taskQueue, parsed.input);
    if (!args.wait) {
      print(json, { status: 'started', workflowId: handle.workflowId, runId: handle.firstExecutionRunId }, `started ${handle.workflowId} (run ${handle.firstExecutionRunId})`);
      return 0;
    }
    const outcome = await awaitAccessOutcome(handle);
    const out = {
      status: outcome.status,
      bootstrapServers: outcome.bootstrapServers,
      ports: outcome.ports,
      workflowId: outcome.workflowId,
      runId: outcome.runId,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    const text =
      outcome.status === 'verified'
        ? `verified: bootstrap ${outcome.bootstrapServers}`
        : `${outcome.status}: ${outcome.error?.message ?? ''}${outcome.error?.undone?.length ? `\nundone: ${outcome.error.undone.join('; ')}` : ''}`;
    print(json, out, text);
    return exitCodeOf(outcome);
  } finally {
    await close();
  }
}
