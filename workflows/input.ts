/**
 * The public input contract of `provisionCrossVpcAccess` (and its child), validated with zod at every edge
 * that accepts it: the CLI before it starts anything, and the workflow itself as its first step.
 *
 * Pure (zod only): imported by workflow code, the CLI and tests. Secrets never appear here: the input
 * names a credential set (`instanceCredentials`, `clientCredentials`) and a secret reference
 * (`verify.secretRef`); the worker resolves both from its own configuration.
 */
import { z } from 'zod';
import { DEFAULT_ACCESS_ZONE, zoneNameSchema } from './broker-names.js';
import { ipv4CidrSchema } from './cidr.js';
import { millis as ms, PollingSchema } from './polling-input.js';

/** Ids that also end up in tags (≤ 43 chars of `[A-Za-z0-9_@-]`) and in workflow ids. */
export const resourceId = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .min(1, `${what} must not be empty`)
    .max(43, `${what} must be at most 43 characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_@-]*$/, `${what} may only contain letters, digits, '-', '_' and '@'`);

/** A credential-set or secret-reference name: resolved by the worker from its environment. */
export const refName = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(40)
    .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, `${what} must be a name like "client" (letters, digits, '-', '_'), never a secret`);

/** The client's account (domain) id, when it differs from the instance's. */
export const clientDomainIdSchema = z
  .string()
  .min(1, 'clientDomainId must not be empty')
  .max(64)
  .regex(/^[A-Za-z0-9]+$/, 'clientDomainId must be an account (domain) id: letters and digits');

export { PollingSchema, type Polling } from './polling-input.js';

export const VerifySchema = z
  .object({
    /** Run the produce/consume check through the endpoint IPs (default on). */
    enabled: z.boolean().default(true),
    topic: z
      .string()
      .min(1)
      .max(249)
      .regex(/^[A-Za-z0-9._-]+$/, 'verify.topic must be a valid Kafka topic name')
      .default('crossvpc-verify'),
    protocol: z.enum(['PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-512']).optional(),
    /** Reference to a secret in the verify worker's environment (CROSSVPC_SECRET_<REF>_USERNAME/_PASSWORD/_CA_FILE). */
    secretRef: refName('verify.secretRef').optional(),
    /** Deadline of one probe attempt (metadata + produce + consume). */
    timeoutMs: ms('verify.timeoutMs', 1_000, 600_000).default(60_000),
    /** Probe attempts before verification counts as failed. */
    attempts: z.number().int().min(1).max(20).default(3),
    /** On failed verification: undo everything (default) or keep the resources and fail. */
    onFailure: z.enum(['rollback', 'keep']).default('rollback'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.protocol === 'SASL_SSL') {
      if (!v.mechanism) ctx.addIssue({ code: 'custom', path: ['mechanism'], message: 'verify.mechanism is required for SASL_SSL (PLAIN or SCRAM-SHA-512)' });
      if (!v.secretRef) ctx.addIssue({ code: 'custom', path: ['secretRef'], message: 'verify.secretRef is required for SASL_SSL (the name of a secret in the worker environment)' });
    }
  });
export type VerifyOptions = z.infer<typeof VerifySchema>;

export const AccessModeSchema = z
  .object({
    mode: z.enum(['ip', 'named'], { error: 'access.mode must be "ip" or "named"' }).default('ip'),
    /** The private zone the broker names live in (named mode). */
    zone: zoneNameSchema.default(DEFAULT_ACCESS_ZONE),
  })
  .strict();
export type AccessMode = z.infer<typeof AccessModeSchema>;

export const ProvisionInputSchema = z
  .object({
    instanceId: resourceId('instanceId'),
    clientVpcId: resourceId('clientVpcId'),
    clientSubnetId: resourceId('clientSubnetId'),
    /** The client's account (domain) when it differs from the instance's: its id is whitelisted. */
    clientDomainId: clientDomainIdSchema.optional(),
    /** CIDR of the client subnet, allowed in the instance subnet's network ACL (when it has one). */
    clientSubnetCidr: ipv4CidrSchema('clientSubnetCidr').optional(),
    /** Credential set of the instance's account (worker configuration). */
    instanceCredentials: refName('instanceCredentials').default('default'),
    /** Credential set of the client's account; defaults to `client` when cross-account, else the instance's. */
    clientCredentials: refName('clientCredentials').optional(),
    /** Ensure the ingress rule TCP 9011 from 198.19.128.0/17 on the instance security group. */
    manageSecurityGroupRule: z.boolean().default(true),
    /** Network ACL rules: `auto` = only when the instance subnet has an ACL; `never` skips. */
    manageNetworkAcl: z.enum(['auto', 'never']).default('auto'),
    /** Create the endpoint services with approval on (the child then accepts its own endpoint with `receive`). */
    serviceApprovalEnabled: z.boolean().default(false),
    /** Wait for the `approve` signal before switching the advertised IPs. */
    approvalGate: z.boolean().default(false),
    /** Proceed even if some advertised IP already differs from its listener IP and is not ours. */
    force: z.boolean().default(false),
    verify: VerifySchema.default(VerifySchema.parse({})),
    timeouts: PollingSchema.default(PollingSchema.parse({})),
    /**
     * How clients reach the brokers (absent = `ip`, the single-VPC default): `named` makes each broker advertise
     * `b<n>.<instance-short-id>.<zone>` and gives this client VPC a private zone resolving the names to its own
     * endpoints; each client VPC is then an access of its own (`crossvpc-<instanceId>-vpc-<clientVpcId>`).
     */
    access: AccessModeSchema.optional(),
  })
  .strict();

export type ProvisionInput = z.infer<typeof ProvisionInputSchema>;
/** What callers may pass (defaults filled in by the schema). */
export type ProvisionRequest = z.input<typeof ProvisionInputSchema>;

export type InputParseResult = { ok: true; input: ProvisionInput } | { ok: false; message: string; fields: string[] };

/** The credential set a cross-account access uses for the client side when the input names none. */
export const DEFAULT_CLIENT_CREDENTIALS = 'client';
/** Credential sets also searched for endpoints when the worker has them configured (the cross-account default). */
export const OPTIONAL_CLIENT_CREDENTIALS: readonly string[] = [DEFAULT_CLIENT_CREDENTIALS];

/** Validates an input; on failure, one message naming every offending field. */
export function parseProvisionInput(raw: unknown): InputParseResult {
  const r = ProvisionInputSchema.safeParse(raw);
  if (r.success) {
    const input = r.data;
    if (input.clientDomainId && !input.clientCredentials) input.clientCredentials = DEFAULT_CLIENT_CREDENTIALS;
    if (!input.clientCredentials) input.clientCredentials = input.instanceCredentials;
    return { ok: true, input };
  }
  const fields: string[] = [];
  const parts = r.error.issues.flatMap((i) => {
    // An unknown field is named by itself (zod reports it on the object that holds it).
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => {
        const field = [...i.path.map(String), k].join('.');
        fields.push(field);
        return `${field}: unknown field (not part of the provisioning input)`;
      });
    }
    const field = i.path.length ? i.path.map(String).join('.') : '(input)';
    fields.push(field);
    return [`${field}: ${i.message}`];
  });
  return { ok: false, message: `invalid provisioning input: ${parts.join('; ')}`, fields };
}

export { accessWorkflowId, namedAccessWorkflowId, namedReverifyWorkflowId, portWorkflowId, removeClientWorkflowId, serviceNameForPort } from './ids.js';
