/**
 * The provisioning request on the command line, shared by every command that takes one (`provision`, and a
 * `plan` that shows what provisioning would do): its flags, `--input FILE` (src/cli/input-file.ts), and how
 * the two combine.
 *
 * Flags override the file (docs/decisions/cli-one-road.md): the file is read, then each flag given replaces
 * the field it sets (`--protocol` → `verify.protocol`, `--keep-on-verify-failure` → `verify.onFailure`, the
 * nested `verify` object is merged field by field). The merged request is validated as a whole by the
 * workflow's schema; an error names the flag when a flag set the field, else the field and the file.
 */
import { z } from 'zod';
import type { FlagSpecs } from './args.js';
import { readInputFile } from './input-file.js';

export const REQUEST_FLAGS = {
  input: { type: 'string', value: 'FILE', description: 'the whole request as JSON or YAML (- = stdin; timeouts and verify options included); flags override its fields' },
  'instance-id': { type: 'string', value: 'ID', description: 'the Kafka (DMS) instance id (required unless in --input)' },
  'client-vpc-id': { type: 'string', value: 'ID', description: 'VPC of the Kafka client (required unless in --input)' },
  'client-subnet-id': { type: 'string', value: 'ID', description: 'subnet of the Kafka client, endpoint IPs come from it (required unless in --input)' },
  'client-domain-id': { type: 'string', value: 'ID', description: "the client's account (domain) id when it differs from the instance's" },
  'instance-credentials': { type: 'string', value: 'NAME', description: "credential set of the instance's account (worker configuration; default `default`)" },
  'client-credentials': { type: 'string', value: 'NAME', description: "credential set of the client's account (default `client` when cross-account)" },
  'client-subnet-cidr': { type: 'string', value: 'CIDR', description: 'client subnet CIDR, allowed in the instance subnet network ACL' },
  protocol: { type: 'string', value: 'PLAINTEXT|SASL_SSL', description: 'protocol of the verification (default PLAINTEXT)' },
  mechanism: { type: 'string', value: 'PLAIN|SCRAM-SHA-512', description: 'SASL mechanism (SASL_SSL)' },
  'secret-ref': { type: 'string', value: 'NAME', description: 'secret in the verify worker environment (CROSSVPC_SECRET_<NAME>_*)' },
  topic: { type: 'string', value: 'T', description: 'topic of the verification (default crossvpc-verify)' },
  'approval-gate': { type: 'boolean', description: 'wait for `crossvpc approve` before switching the advertised IPs' },
  force: { type: 'boolean', description: 'proceed even if an advertised IP already differs and is not ours' },
  'keep-on-verify-failure': { type: 'boolean', description: 'keep the resources when verification fails (default: roll back)' },
  'access-mode': { type: 'string', value: 'ip|named', description: 'ip (default): brokers advertise this VPC\'s endpoint IPs; named: brokers advertise b<n>.<short-id>.<zone>, this VPC gets a private zone (adds a client VPC)' },
  zone: { type: 'string', value: 'ZONE', description: 'named access: the private zone of the broker names (default kafka.internal)' },
} as const satisfies FlagSpecs;

/** Input field → the flag that sets it. */
export const REQUEST_FIELD_FLAGS: Readonly<Record<string, string>> = {
  instanceId: '--instance-id',
  clientVpcId: '--client-vpc-id',
  clientSubnetId: '--client-subnet-id',
  clientDomainId: '--client-domain-id',
  instanceCredentials: '--instance-credentials',
  clientCredentials: '--client-credentials',
  clientSubnetCidr: '--client-subnet-cidr',
  'verify.protocol': '--protocol',
  'verify.mechanism': '--mechanism',
  'verify.secretRef': '--secret-ref',
  'verify.topic': '--topic',
  'verify.onFailure': '--keep-on-verify-failure',
  approvalGate: '--approval-gate',
  force: '--force',
  'access.mode': '--access-mode',
  'access.zone': '--zone',
};

/** zod shape of {@link REQUEST_FLAGS} (every value flag a string: the workflow schema judges the values). */
export const requestFlagSchema = {
  input: z.string().optional(),
  'instance-id': z.string().optional(),
  'client-vpc-id': z.string().optional(),
  'client-subnet-id': z.string().optional(),
  'client-domain-id': z.string().optional(),
  'instance-credentials': z.string().optional(),
  'client-credentials': z.string().optional(),
  'client-subnet-cidr': z.string().optional(),
  protocol: z.string().optional(),
  mechanism: z.string().optional(),
  'secret-ref': z.string().optional(),
  topic: z.string().optional(),
  'approval-gate': z.boolean().optional(),
  force: z.boolean().optional(),
  'keep-on-verify-failure': z.boolean().optional(),
  'access-mode': z.string().optional(),
  zone: z.string().optional(),
};

export type RequestFlags = { [K in keyof typeof requestFlagSchema]?: z.output<(typeof requestFlagSchema)[K]> };

/** Without --input the three ids are required flags (the messages users of the flags have always seen). */
export function requiredWithoutInput(a: RequestFlags, ctx: z.RefinementCtx): void {
  if (a.input !== undefined) return;
  for (const f of ['instance-id', 'client-vpc-id', 'client-subnet-id'] as const) {
    if (a[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `--${f} is required` });
  }
}

export interface CommandLineRequest {
  /** The merged request, not validated yet. */
  request: Record<string, unknown>;
  /** Input field → the flag that names it in errors: with --input only the fields flags set (the others are the file's). */
  fieldFlags: Record<string, string>;
  /** `--input` path, when given. */
  file?: string;
}

/** Reads --input (when given) and lays the flags over it. Throws InvalidInput naming `--input` for an unreadable file. */
export function commandLineRequest(a: RequestFlags): CommandLineRequest {
  const doc = a.input !== undefined ? readInputFile(a.input) : undefined;
  const request: Record<string, unknown> = { ...(doc?.value ?? {}) };
  const fieldFlags: Record<string, string> = {};
  const set = (field: string, value: unknown): void => {
    fieldFlags[field] = REQUEST_FIELD_FLAGS[field] ?? field;
    const [head = '', sub] = field.split('.');
    if (sub === undefined) {
      request[head] = value;
      return;
    }
    const prev = request[head];
    request[head] = { ...(prev !== null && typeof prev === 'object' && !Array.isArray(prev) ? prev : {}), [sub]: value };
  };
  if (a['instance-id'] !== undefined) set('instanceId', a['instance-id']);
  if (a['client-vpc-id'] !== undefined) set('clientVpcId', a['client-vpc-id']);
  if (a['client-subnet-id'] !== undefined) set('clientSubnetId', a['client-subnet-id']);
  if (a['client-domain-id'] !== undefined) set('clientDomainId', a['client-domain-id']);
  if (a['instance-credentials'] !== undefined) set('instanceCredentials', a['instance-credentials']);
  if (a['client-credentials'] !== undefined) set('clientCredentials', a['client-credentials']);
  if (a['client-subnet-cidr'] !== undefined) set('clientSubnetCidr', a['client-subnet-cidr']);
  if (a.protocol !== undefined) set('verify.protocol', a.protocol);
  if (a.mechanism !== undefined) set('verify.mechanism', a.mechanism);
  if (a['secret-ref'] !== undefined) set('verify.secretRef', a['secret-ref']);
  if (a.topic !== undefined) set('verify.topic', a.topic);
  if (a['keep-on-verify-failure']) set('verify.onFailure', 'keep');
  if (a['approval-gate']) set('approvalGate', true);
  if (a.force) set('force', true);
  if (a['access-mode'] !== undefined) set('access.mode', a['access-mode']);
  if (a.zone !== undefined) set('access.zone', a.zone);
  // Without a file every field comes from a flag or a default: an error names the flag that sets it.
  return doc ? { request, fieldFlags, file: doc.path } : { request, fieldFlags: { ...REQUEST_FIELD_FLAGS } };
}
