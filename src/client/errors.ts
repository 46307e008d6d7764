/**
 * The one error type of the typed client: what went wrong (`code`), which input field or flag it is about
 * (`field`), the API error code behind it (`apiCode`: a gRPC status name such as `NOT_FOUND`, or the
 * failure type of a workflow / cloud API such as `EndPoint.3006`), and what to do about it (`hint`).
 */
import { ScheduleNotFoundError, ServiceError, WorkflowNotFoundError, isGrpcServiceError, NamespaceNotFoundError } from '../temporal/sdk.js';
import { namespaceFix, searchAttributeFix } from '../temporal/namespace-setup.js';
import { AccessInputConflictError } from '../temporal/access-client.js';

export type CrossVpcErrorCode =
  /** An input field or flag is invalid (`field` names it). */
  | 'InvalidInput'
  /** The client configuration (TEMPORAL_* or connect options) is invalid. */
  | 'ConfigError'
  /** No workflow / schedule for this instance in the namespace. */
  | 'NotFound'
  /** The access (or check) is not in a state that allows the operation, e.g. approving a closed run. */
  | 'NotRunning'
  /** The access is running with a different input (`field` lists what differs): not joined, nothing started. */
  | 'InputConflict'
  /** The Temporal server could not be reached. */
  | 'Unavailable'
  /** A workflow type this operation needs is not registered on any worker of the task queue. */
  | 'WorkerMissing'
  /**
   * The Temporal namespace is not ready for kafka-crossvpc: it does not exist, or lacks the search
   * attributes. The message names the fix (`crossvpc setup`, docs/cli.md "Namespace setup").
   */
  | 'SetupRequired'
  /** Any other Temporal API error (`apiCode` carries the gRPC status). */
  | 'TemporalError';

export interface CrossVpcErrorInit {
  field?: string;
  apiCode?: string;
  hint: string;
  cause?: unknown;
}

export class CrossVpcError extends Error {
  override readonly name = 'CrossVpcError';
  readonly field?: string;
  readonly apiCode?: string;
  readonly hint: string;

  constructor(
    readonly code: CrossVpcErrorCode,
    message: string,
    init: CrossVpcErrorInit,
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    if (init.field !== undefined) this.field = init.field;
    if (init.apiCode !== undefined) this.apiCode = init.apiCode;
    this.hint = init.hint;
  }

  /** JSON shape used by the CLI (`error` of every `--json` answer). */
  toJSON(): { code: CrossVpcErrorCode; message: string; field?: string; apiCode?: string; hint: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(this.apiCode !== undefined ? { apiCode: this.apiCode } : {}),
      hint: this.hint,
    };
  }
}

/** gRPC status code numbers → names (the subset Temporal answers with). */
const GRPC_STATUS: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

function grpcCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (isGrpcServiceError(e)) return GRPC_STATUS[e.code] ?? String(e.code);
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

export interface ErrorContext {
  /** What was being looked for, e.g. `access crossvpc-abc` or `schedule crossvpc-reverify-abc`. */
  what: string;
  namespace: string;
  /** Hint when the thing does not exist. */
  notFoundHint?: string;
}

/** Maps a Temporal client error to a CrossVpcError (CrossVpcErrors pass through). */
export function toCrossVpcError(err: unknown, ctx: ErrorContext): CrossVpcError {
  if (err instanceof CrossVpcError) return err;
  if (err instanceof AccessInputConflictError) {
    return new CrossVpcError('InputConflict', err.message, {
      field: err.fields.join(','),
      apiCode: 'InputConflict',
      hint: `the running access was started with another ${err.fields.join(', ')}: follow it (crossvpc status/watch), or cancel it (crossvpc cancel) and start again`,
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  const apiCode = grpcCode(err);
  const setup = setupRequired(err, ctx.namespace, apiCode);
  if (setup) return setup;
  if (err instanceof WorkflowNotFoundError || err instanceof ScheduleNotFoundError || apiCode === 'NOT_FOUND') {
    return new CrossVpcError('NotFound', `${ctx.what} not found in namespace ${ctx.namespace}`, {
      apiCode: apiCode ?? 'NOT_FOUND',
      field: 'instanceId',
      hint: ctx.notFoundHint ?? 'check the instance id and TEMPORAL_NAMESPACE',
      cause: err,
    });
  }
  if (apiCode === 'UNAVAILABLE' || apiCode === 'DEADLINE_EXCEEDED' || /connect|ECONNREFUSED|transport/i.test(message)) {
    return new CrossVpcError('Unavailable', `Temporal server unreachable while accessing ${ctx.what}: ${message}`, {
      ...(apiCode ? { apiCode } : {}),
      field: 'TEMPORAL_ADDRESS',
      hint: 'check TEMPORAL_ADDRESS (host:port of the Temporal frontend) and that the server is running',
      cause: err,
    });
  }
  if (err instanceof ServiceError || apiCode) {
    return new CrossVpcError('TemporalError', `${ctx.what}: ${message}`, {
      ...(apiCode ? { apiCode } : {}),
      hint: 'see the Temporal server log or the workflow in the Temporal UI',
      cause: err,
    });
  }
  return new CrossVpcError('TemporalError', `${ctx.what}: ${message}`, { hint: 'see the workflow in the Temporal UI', cause: err });
}

/** Every message of `err` and its causes (a ServiceError's own message is generic: the cause says why). */
function messages(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    out.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return out.join(' | ');
}

/**
 * The namespace is missing or lacks a search attribute kafka-crossvpc sets (the server answers
 * INVALID_ARGUMENT "no mapping defined for search attribute X" on start, "invalid search attribute" on
 * list, NOT_FOUND "Namespace X is not found" otherwise): SetupRequired, with the fix in the message.
 */
function setupRequired(err: unknown, namespace: string, apiCode: string | undefined): CrossVpcError | undefined {
  const text = messages(err);
  const attribute = /no mapping defined for search attribute (\w+)/.exec(text)?.[1] ?? /invalid search attribute: (\w+)/.exec(text)?.[1];
  if (attribute) {
    return new CrossVpcError('SetupRequired', `namespace ${namespace} has no search attribute ${attribute}: ${searchAttributeFix(namespace)}`, {
      field: 'TEMPORAL_NAMESPACE',
      apiCode: apiCode ?? 'INVALID_ARGUMENT',
      hint: searchAttributeFix(namespace),
      cause: err,
    });
  }
  const missing = err instanceof NamespaceNotFoundError ? err.namespace : /Namespace (\S+) is not found/.exec(text)?.[1];
  if (missing !== undefined) {
    const ns = missing.replace(/[.'"]+$/, '') || namespace;
    return new CrossVpcError('SetupRequired', `namespace ${ns} does not exist: ${namespaceFix(ns)}`, {
      field: 'TEMPORAL_NAMESPACE',
      apiCode: apiCode ?? 'NOT_FOUND',
      hint: namespaceFix(ns),
      cause: err,
    });
  }
  return undefined;
}
