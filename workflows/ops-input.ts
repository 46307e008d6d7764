/**
 * Input and result contracts of the two operations on an existing access: `teardownCrossVpcAccess`
 * (workflow id `crossvpc-teardown-<instanceId>`) and `reverifyCrossVpcAccess` (started by the schedule
 * `crossvpc-reverify-<instanceId>`). Validated with zod at every edge that accepts them (client, schedule
 * helper, the workflows' first step).
 *
 * Pure (zod only): imported by workflow code, the CLI, the typed client and tests. Like the provisioning
 * input, no secret appears here: credential sets and the verify secret are named, the worker resolves them.
 */
import { z } from 'zod';
import { DEFAULT_CLIENT_CREDENTIALS, PollingSchema, ProvisionInputSchema, VerifySchema, type Polling, type VerifyOptions } from './input.js';

export const TEARDOWN_WORKFLOW_TYPE = 'teardownCrossVpcAccess';
export const REVERIFY_WORKFLOW_TYPE = 'reverifyCrossVpcAccess';

const base = ProvisionInputSchema.shape;

/** Workflow id of the teardown of an access. */
export function teardownWorkflowId(instanceId: string): string {
  return `crossvpc-teardown-${instanceId}`;
}

/** Schedule id, and the action's workflow id (the server appends `-<timestamp>` to each scheduled run). */
export function reverifyWorkflowId(instanceId: string): string {
  return `crossvpc-reverify-${instanceId}`;
}
export const reverifyScheduleId = reverifyWorkflowId;

// ---- teardown --------------------------------------------------------------------------------------------

export const TeardownInputSchema = z
  .object({
    instanceId: base.instanceId,
    /** Credential set of the instance's account (services, rules, advertised IPs). */
    instanceCredentials: base.instanceCredentials,
    /** Credential set of the client's account (endpoints); defaults as in provisioning. */
    clientCredentials: base.clientCredentials,
    clientDomainId: base.clientDomainId,
    timeouts: PollingSchema.default(PollingSchema.parse({})),
  })
  .strict();
export type TeardownInput = z.infer<typeof TeardownInputSchema> & { clientCredentials: string };
export type TeardownRequest = z.input<typeof TeardownInputSchema>;

export interface TeardownResult {
  instanceId: string;
  /** true when some broker's advertised IP was one of ours and was set back to its listener IP. */
  restoredAdvertisedIps: boolean;
  /** `zones`: named access's private zones (every searched account). */
  removed: { endpoints: string[]; services: string[]; securityGroupRules: string[]; aclRules: string[]; zones?: string[] };
  /** Nothing of this access was found (after any running provisioning had rolled itself back). */
  alreadyClean: boolean;
  /** Extra: a provisioning run `crossvpc-<instanceId>` was running and was cancelled (it rolled back first). */
  cancelledProvisioning: boolean;
  /** Extra: brokers set back to their listener IP (listener IP → the endpoint IP it advertised). */
  restored: Record<string, string>;
  /** Extra: credential sets whose accounts were searched for endpoints. */
  searched: string[];
  /** Extra: what was seen and not touched (not this access's, or still needed by another access). */
  leftAlone: string[];
}

// ---- re-verification -------------------------------------------------------------------------------------

const ExpectedPortSchema = z
  .object({
    portId: z.string().min(1).max(43),
    listenerIp: z.string().min(1),
    endpointId: z.string().min(1),
    endpointIp: z.string().min(1),
  })
  .strict();
export type ExpectedPort = z.infer<typeof ExpectedPortSchema>;

export const ReverifyInputSchema = z
  .object({
    instanceId: base.instanceId,
    instanceCredentials: base.instanceCredentials,
    clientCredentials: base.clientCredentials,
    clientDomainId: base.clientDomainId,
    /** Data-path check (same shape as the provisioning input's `verify`; `onFailure` is ignored here). */
    verify: VerifySchema.default(VerifySchema.parse({})),
    /** Repair drift (idempotent provisioning steps), then check again. */
    heal: z.boolean().default(false),
    /** What the access should look like (e.g. the provisioning result); absent = discover by tags. */
    expected: z.object({ ports: z.array(ExpectedPortSchema).min(1) }).strict().optional(),
    timeouts: PollingSchema.default(PollingSchema.parse({})),
  })
  .strict();
export type ReverifyInput = z.infer<typeof ReverifyInputSchema> & { clientCredentials: string };
export type ReverifyRequest = z.input<typeof ReverifyInputSchema>;

export type Health = 'healthy' | 'drifted' | 'broken';
export type DriftKind = 'advertised-ip' | 'advertised-ip-dangling' | 'endpoint-missing' | 'endpoint-state' | 'endpoint-ip' | 'sg-rule-missing' | 'acl-rule-missing' | 'data-path';

export interface Drift {
  kind: DriftKind;
  portId?: string;
  listenerIp?: string;
  expected?: string;
  actual?: string;
  detail: string;
}

export interface ReverifyResult {
  health: Health;
  drifts: Drift[];
  /** Present when `heal` was asked and drift was found: true when the check after the repair is healthy. */
  healed?: boolean;
  /** ISO time of the (last) check. */
  checkedAt: string;
  instanceId: string;
  /** Extra: the first check's findings when a heal ran (`health`/`drifts` above are the post-heal check). */
  beforeHeal?: { health: Health; drifts: Drift[]; checkedAt: string };
  /** Extra: what the repair did, one line per action. */
  healActions?: string[];
  /** Extra: bootstrap servers the data path was checked through (endpoint IPs in broker order). */
  bootstrapServers?: string;
}

// ---- parsing -----------------------------------------------------------------------------------------------

export type OpsParseResult<T> = { ok: true; input: T } | { ok: false; message: string; fields: string[] };

function parseWith<S extends z.ZodType, T>(schema: S, what: string, raw: unknown, fill: (v: z.infer<S>) => T): OpsParseResult<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, input: fill(r.data) };
  const fields: string[] = [];
  const parts = r.error.issues.map((i) => {
    const field = i.path.length ? i.path.map(String).join('.') : '(input)';
    fields.push(field);
    return `${field}: ${i.message}`;
  });
  return { ok: false, message: `invalid ${what} input: ${parts.join('; ')}`, fields };
}

/** Same defaulting rule as provisioning: cross-account → `client`, else the instance's set. */
function clientSet(v: { clientDomainId?: string | undefined; clientCredentials?: string | undefined; instanceCredentials: string }): string {
  return v.clientCredentials ?? (v.clientDomainId ? DEFAULT_CLIENT_CREDENTIALS : v.instanceCredentials);
}

export function parseTeardownInput(raw: unknown): OpsParseResult<TeardownInput> {
  return parseWith(TeardownInputSchema, 'teardown', raw, (v) => ({ ...v, clientCredentials: clientSet(v) }));
}

export function parseReverifyInput(raw: unknown): OpsParseResult<ReverifyInput> {
  return parseWith(ReverifyInputSchema, 're-verification', raw, (v) => ({ ...v, clientCredentials: clientSet(v) }));
}

export type { Polling, VerifyOptions };
