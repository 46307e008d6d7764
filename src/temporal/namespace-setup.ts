/**
 * Makes a Temporal namespace ready for kafka-crossvpc: the namespace exists (created when asked) and the
 * search attributes the workflows set are registered (workflows/search-attributes.ts). Idempotent: what is
 * there already is left alone. Used by `crossvpc setup` (through the typed client) and by the worker at start.
 *
 * Works with the client's `Connection` and the worker's `NativeConnection` alike (both expose the workflow
 * and operator services). The operator API is refused by servers that do not permit it (an authorizer
 * answering PERMISSION_DENIED, Temporal Cloud's UNIMPLEMENTED): that is a {@link NamespaceSetupError} whose
 * message is one line naming what to run and who can run it.
 */
import type { OperatorService, WorkflowService } from '@temporalio/client';
import { isGrpcServiceError, NamespaceNotFoundError, msToTs, tsToMs } from './sdk.js';
import { searchAttributeRegistrations } from '../../workflows/search-attributes.js';

export interface SetupConnection {
  workflowService: Pick<WorkflowService, 'describeNamespace' | 'registerNamespace' | 'countWorkflowExecutions'>;
  operatorService: Pick<OperatorService, 'listSearchAttributes' | 'addSearchAttributes'>;
}

/** `temporal.api.enums.v1.IndexedValueType` numbers of the types search attributes may have. */
const INDEXED_VALUE_TYPE: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };
const TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(INDEXED_VALUE_TYPE).map(([k, v]) => [v, k]));

/** The search attributes kafka-crossvpc needs, `{ name, type }` (from workflows/search-attributes.ts). */
export const REQUIRED_SEARCH_ATTRIBUTES: readonly { name: string; type: string }[] = searchAttributeRegistrations.map((r) => {
  const [name = '', type = ''] = r.split('=');
  return { name, type };
});

/** Default retention of a namespace `crossvpc setup --create-namespace` creates (the temporal CLI's default too). */
export const DEFAULT_RETENTION_MS = 72 * 3_600_000;

export interface NamespaceSetupOptions {
  namespace: string;
  /** Create the namespace when it does not exist (default: a missing namespace is an error). */
  createNamespace?: boolean;
  /** Retention of a namespace created here (default 72 h); an existing namespace's retention is not changed. */
  retentionMs?: number;
  /** Register missing search attributes (default true); false only checks. */
  register?: boolean;
}

export interface SearchAttributeState {
  name: string;
  type: string;
  /** `present`: was registered already; `registered`: registered now; `missing`: not there (check only). */
  status: 'present' | 'registered' | 'missing';
}

export interface NamespaceSetupResult {
  namespace: string;
  /** True when this call created the namespace. */
  namespaceCreated: boolean;
  /** The namespace's workflow-execution retention. */
  retentionMs: number | null;
  searchAttributes: SearchAttributeState[];
  /** Whether anything changed (namespace created or attributes registered). */
  changed: boolean;
}

export type NamespaceSetupProblem =
  /** The namespace does not exist (and creating it was not asked for). */
  | 'namespace-missing'
  /** The server refused an operator call (PERMISSION_DENIED / UNIMPLEMENTED). */
  | 'not-permitted'
  /** A search attribute exists with another type. */
  | 'type-conflict'
  /** The server refused a value (e.g. a retention below its minimum). */
  | 'invalid';

export class NamespaceSetupError extends Error {
  override readonly name = 'NamespaceSetupError';
  constructor(
    readonly problem: NamespaceSetupProblem,
    /** What is wrong. */
    readonly what: string,
    /** What to run (and who can): the message is `<what>: <fix>`, one line. */
    readonly fix: string,
    /** The step that failed. */
    readonly step: 'describe' | 'create' | 'list' | 'register',
    /** The gRPC status name, when the server answered one. */
    readonly apiCode: string | undefined,
    /** The search attributes still missing (not-permitted). */
    readonly missing: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(`${what}: ${fix}`, options);
  }
}

const GRPC_NAMES: Record<number, string> = { 3: 'INVALID_ARGUMENT', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 12: 'UNIMPLEMENTED', 16: 'UNAUTHENTICATED' };

function grpcName(err: unknown): string | undefined {
  // @temporalio/client turns a NOT_FOUND namespace into NamespaceNotFoundError (no gRPC code on it).
  if (err instanceof NamespaceNotFoundError) return 'NOT_FOUND';
  return isGrpcServiceError(err) ? (GRPC_NAMES[err.code] ?? String(err.code)) : undefined;
}

/** The server's words: a gRPC error's details, else its message without the `7 PERMISSION_DENIED: ` prefix. */
function detail(err: unknown): string {
  const details = isGrpcServiceError(err) ? err.details : '';
  const m = details || (err instanceof Error ? err.message : String(err)).replace(/^\d+ [A-Z_]+: /, '');
  return m.replace(/\s+/g, ' ').trim();
}

const notPermitted = (code: string | undefined): boolean => code === 'PERMISSION_DENIED' || code === 'UNIMPLEMENTED' || code === 'UNAUTHENTICATED';

/** The fix for a namespace that does not exist (the same words everywhere: worker, commands, setup). */
export function namespaceFix(namespace: string): string {
  return `run \`crossvpc setup --create-namespace --namespace ${namespace}\` (or ask a Temporal admin to create it), or set TEMPORAL_NAMESPACE to an existing namespace`;
}

/** The fix for a namespace without the search attributes. */
export function searchAttributeFix(namespace: string): string {
  return `run \`crossvpc setup --namespace ${namespace}\` (registers ${REQUIRED_SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')} as Keyword; needs the operator API, else ask a Temporal admin to run it)`;
}

/** The temporal CLI command that registers `names` (for an admin to run where this process may not). */
export function searchAttributeCommand(namespace: string, names: readonly string[] = REQUIRED_SEARCH_ATTRIBUTES.map((a) => a.name)): string {
  return `temporal operator search-attribute create --namespace ${namespace} ${names.map((n) => `--name ${n}`).join(' ')} --type Keyword`;
}

/** Ensures the namespace exists (creating it when asked) and the search attributes are registered. */
export async function setupNamespace(connection: SetupConnection, options: NamespaceSetupOptions): Promise<NamespaceSetupResult> {
  const { namespace } = options;
  let retentionMs: number | null = null;
  let namespaceCreated = false;
  try {
    const d = await connection.workflowService.describeNamespace({ namespace });
    retentionMs = d.config?.workflowExecutionRetentionTtl ? tsToMs(d.config.workflowExecutionRetentionTtl) : null;
  } catch (err) {
    const code = grpcName(err);
    if (code !== 'NOT_FOUND') throw asSetupError(err, 'describe', `describe namespace ${namespace}`, namespace);
    if (!options.createNamespace) {
      throw new NamespaceSetupError('namespace-missing', `namespace ${namespace} does not exist`, namespaceFix(namespace), 'describe', code, [], { cause: err });
    }
    const retention = options.retentionMs ?? DEFAULT_RETENTION_MS;
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        description: 'kafka-crossvpc (created by crossvpc setup)',
        workflowExecutionRetentionPeriod: msToTs(retention),
      });
      namespaceCreated = true;
    } catch (e) {
      // Created meanwhile by someone else: fine (idempotent).
      if (grpcName(e) !== 'ALREADY_EXISTS') throw asSetupError(e, 'create', `create namespace ${namespace}`, namespace);
    }
    retentionMs = retention;
    // A namespace just registered is in the database at once but reaches the servers' namespace caches
    // only at their next refresh (about 10 s): until then other calls answer NOT_FOUND (retried below).
  }

  const present = await listCustom(connection, namespace);
  const states: SearchAttributeState[] = [];
  const missing: string[] = [];
  for (const sa of REQUIRED_SEARCH_ATTRIBUTES) {
    const type = present.get(sa.name);
    if (type === undefined) missing.push(sa.name);
    else if (type !== sa.type) {
      throw new NamespaceSetupError(
        'type-conflict',
        `search attribute ${sa.name} of namespace ${namespace} is ${type}, kafka-crossvpc needs ${sa.type}`,
        `a Temporal admin must remove it (temporal operator search-attribute remove --namespace ${namespace} --name ${sa.name}), then run crossvpc setup --namespace ${namespace}`,
        'list',
        undefined,
      );
    }
    states.push({ ...sa, status: type === undefined ? 'missing' : 'present' });
  }
  if (missing.length > 0 && options.register !== false) {
    const searchAttributes = Object.fromEntries(missing.map((n) => [n, INDEXED_VALUE_TYPE[REQUIRED_SEARCH_ATTRIBUTES.find((a) => a.name === n)?.type ?? 'Keyword'] ?? 2]));
    for (const until = Date.now() + (namespaceCreated ? 60_000 : 0); ; ) {
      try {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
        break;
      } catch (err) {
        // A namespace created just now may still be unknown to the server answering (see above).
        if (grpcName(err) === 'NOT_FOUND' && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        throw asSetupError(err, 'register', `register search attributes ${missing.join(', ')} in namespace ${namespace}`, namespace, missing);
      }
    }
    // Visible once the server lists them (immediately on SQL stores; Elasticsearch may take a moment).
    await waitFor(async () => {
      const now = await listCustom(connection, namespace);
      return missing.every((n) => now.has(n));
    }, 30_000);
    for (const s of states) if (s.status === 'missing') s.status = 'registered';
  }
  if (options.register !== false) await waitFor(() => searchAttributesUsable(connection, namespace), 30_000);
  return { namespace, namespaceCreated, retentionMs, searchAttributes: states, changed: namespaceCreated || (missing.length > 0 && options.register !== false) };
}

/** The namespace's custom search attributes; NOT_FOUND is retried for a while (the namespace was described just before: it is new, see above). */
async function listCustom(connection: SetupConnection, namespace: string): Promise<Map<string, string>> {
  for (const until = Date.now() + 60_000; ; ) {
    try {
      const r = await connection.operatorService.listSearchAttributes({ namespace });
      return new Map(Object.entries(r.customAttributes ?? {}).map(([k, v]) => [k, TYPE_NAME[Number(v)] ?? String(v)]));
    } catch (err) {
      if (grpcName(err) === 'NOT_FOUND' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      throw asSetupError(err, 'list', `list the search attributes of namespace ${namespace}`, namespace, REQUIRED_SEARCH_ATTRIBUTES.map((a) => a.name));
    }
  }
}

function asSetupError(err: unknown, step: NamespaceSetupError['step'], what: string, namespace: string, missing: readonly string[] = []): unknown {
  const code = grpcName(err);
  if (notPermitted(code)) {
    const fix =
      step === 'create'
        ? `ask a Temporal admin to create it (temporal operator namespace create --namespace ${namespace} --retention 72h), then run crossvpc setup --namespace ${namespace}`
        : `ask a Temporal admin to run \`crossvpc setup --namespace ${namespace}\` or \`${searchAttributeCommand(namespace, missing.length ? missing : undefined)}\``;
    return new NamespaceSetupError('not-permitted', `not permitted to ${what} (${code}: ${detail(err)})`, fix, step, code, missing, { cause: err });
  }
  if (code === 'INVALID_ARGUMENT') return new NamespaceSetupError('invalid', `cannot ${what}: ${detail(err)}`, 'check the value given (e.g. --retention above the server minimum)', step, code, missing, { cause: err });
  return err;
}

/**
 * Whether workflow starts in the namespace can use the search attributes yet. The server lists them as soon as
 * they are stored (above), but a start validates them against the frontend's namespace cache, which a
 * registration — ours, or a setup script's just before the worker started — reaches only at its next refresh
 * (about 10 s with a SQL store): until then a start fails with "no mapping defined for search attribute". A
 * visibility count naming them is validated against the same cache and starts nothing. Any answer other than
 * INVALID_ARGUMENT (e.g. not permitted to count) is not this wait's business: it ends the wait.
 */
async function searchAttributesUsable(connection: SetupConnection, namespace: string): Promise<boolean> {
  const query = REQUIRED_SEARCH_ATTRIBUTES.map((a) => `${a.name} = 'crossvpc-setup-probe'`).join(' AND ');
  try {
    await connection.workflowService.countWorkflowExecutions({ namespace, query });
    return true;
  } catch (err) {
    return grpcName(err) !== 'INVALID_ARGUMENT';
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not visible yet
    }
    if (Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
