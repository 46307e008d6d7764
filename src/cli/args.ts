/**
 * Flag parsing shared by the `crossvpc` commands: node:util parseArgs (strict) → zod, one help text format
 * (synopsis, flags with descriptions, the env vars read, exit codes), and errors that name the flag.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { isValidIdentity } from '../temporal/identity.js';
import { CrossVpcError } from '../client/errors.js';
import { EXIT_CODES_HELP } from './exit-codes.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help; `(env X)` is appended when `env` is set. */
  description: string;
  /** Value placeholder in --help, e.g. `ID`. */
  value?: string;
  /** Environment variable that supplies the default. */
  env?: string;
  required?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface CommandSpec<S extends z.ZodType> {
  /** e.g. `status` or `schedule create`. */
  name: string;
  summary: string;
  flags: FlagSpecs;
  /** Environment variables the command reads (listed in --help). */
  env: Record<string, string>;
  /** Validates the parsed flags (keys are flag names without dashes). */
  schema: S;
  /** Extra help paragraphs (JSON fields, examples). */
  notes?: readonly string[];
  /**
   * Positional arguments (anywhere among the flags), e.g. a subcommand word: shown after the name in the
   * synopsis and validated by the schema under the key `positionals` (a string array). Default: none allowed.
   */
  positionals?: { value: string; description: string };
  /**
   * The JSON object of an error under --json (usage errors and errors while running alike). Default: the
   * `{ok:false,error:{code,message,field,apiCode,hint}}` line; commands whose JSON output had a contract of
   * its own before (provision, dev) return a superset of both.
   */
  errorJson?: (e: CrossVpcError) => object;
}

/** Flags of every command that talks to Temporal. */
export const CONNECTION_FLAGS: FlagSpecs = {
  address: { type: 'string', value: 'HOST:PORT', description: 'Temporal frontend address', env: 'TEMPORAL_ADDRESS' },
  namespace: { type: 'string', value: 'NS', description: 'Temporal namespace', env: 'TEMPORAL_NAMESPACE' },
  identity: { type: 'string', value: 'WHO', description: 'who is calling, recorded by Temporal on starts, approvals and cancellations (default: OS user@host)' },
};

export const CONNECTION_ENV: Record<string, string> = {
  TEMPORAL_ADDRESS: 'host:port of the Temporal frontend (default 127.0.0.1:7233)',
  TEMPORAL_NAMESPACE: 'namespace (default `default`)',
};

export const TASK_QUEUE_FLAG: FlagSpecs = {
  'task-queue': { type: 'string', value: 'Q', description: 'task queue of the kafka-crossvpc worker', env: 'TEMPORAL_TASK_QUEUE' },
};
export const TASK_QUEUE_ENV: Record<string, string> = {
  TEMPORAL_TASK_QUEUE: 'task queue of the worker (default kafka-crossvpc)',
};

export const HELP_FLAG: FlagSpecs = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const COMMON_FLAGS: FlagSpecs = {
  json: { type: 'boolean', description: 'print one JSON object per line (the documented fields) instead of text' },
  ...HELP_FLAG,
};

export const INSTANCE_FLAG: FlagSpecs = {
  'instance-id': { type: 'string', value: 'ID', description: 'the Kafka instance id of the access', required: true },
};

/**
 * Waiting, one convention for provision, cancel, teardown and verify (docs/cli.md "Waiting"): `--wait` waits
 * for the result, `--no-wait` returns once the workflow has started (teardown's `--detach` is its alias).
 * Each command keeps its documented default: provision and cancel return at once, teardown and verify wait.
 */
export function waitFlags(waitsByDefault: boolean, options: { detachAlias?: boolean } = {}): FlagSpecs {
  return {
    wait: { type: 'boolean', description: waitsByDefault ? 'wait for the result (the default)' : 'wait for the outcome (default: return once started)' },
    'no-wait': { type: 'boolean', description: waitsByDefault ? 'return once the workflow has started' : 'return once started (the default)' },
    ...(options.detachAlias ? { detach: { type: 'boolean', description: 'alias of --no-wait (kept for existing scripts)' } } : {}),
  };
}

export interface WaitArgs {
  wait?: boolean | undefined;
  'no-wait'?: boolean | undefined;
  detach?: boolean | undefined;
}

/** Refinement of a command schema with {@link waitFlags}: `--wait` with `--no-wait`/`--detach` is a usage error. */
export function noWaitConflict(a: WaitArgs, ctx: z.RefinementCtx): void {
  if (a.wait && (a['no-wait'] || a.detach)) {
    ctx.addIssue({ code: 'custom', path: ['wait'], message: `--wait and ${a.detach ? '--detach' : '--no-wait'} contradict each other: give one of them` });
  }
}

/** Whether to wait, from {@link waitFlags} (after {@link noWaitConflict}). */
export function shouldWait(a: WaitArgs, waitsByDefault: boolean): boolean {
  if (a.wait) return true;
  if (a['no-wait'] || a.detach) return false;
  return waitsByDefault;
}

/** Flag schemas reused by several commands. */
/** status / watch / cancel / approve of a named access: the run of one client VPC instead of the instance's. */
export const CLIENT_VPC_RUN_FLAG: FlagSpecs = {
  'client-vpc-id': { type: 'string', value: 'ID', description: "named access: that client VPC's run (workflow crossvpc-<instance-id>-vpc-<ID>)" },
};

/** status / watch of a named access: the removal run of the client VPC (`…-vpc-<ID>-remove`). */
export const REMOVAL_FLAG: FlagSpecs = {
  removal: { type: 'boolean', description: "with --client-vpc-id: that VPC's removal run (crossvpc remove-client) instead" },
};

/** `--removal` names the removal of one client VPC: it needs `--client-vpc-id`. */
export function removalNeedsVpc(v: { removal?: boolean | undefined; 'client-vpc-id'?: string | undefined }, ctx: z.RefinementCtx): void {
  if (v.removal && !v['client-vpc-id']) ctx.addIssue({ code: 'custom', path: ['removal'], message: '--removal needs --client-vpc-id (the VPC whose removal to show)' });
}

export const flag = {
  instanceId: z.string({ error: '--instance-id is required' }).min(1, '--instance-id must not be empty'),
  clientVpcId: z.string().min(1, '--client-vpc-id must not be empty').optional(),
  address: z.string().min(1, '--address must not be empty').optional(),
  namespace: z.string().min(1, '--namespace must not be empty').optional(),
  identity: z
    .string()
    .refine(isValidIdentity, '--identity must be 1 to 200 printable characters')
    .optional(),
  taskQueue: z.string().trim().min(1, '--task-queue must not be empty').optional(),
  bool: z.boolean().optional(),
  wait: { wait: z.boolean().optional(), 'no-wait': z.boolean().optional() },
  positiveInt: (name: string, min: number, max: number) =>
    z
      .string()
      .regex(/^\d+$/, `--${name} must be a whole number`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `--${name} must be between ${min} and ${max}`)
      .optional(),
};

export function helpText(spec: CommandSpec<z.ZodType>): string {
  const rows = Object.entries(spec.flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    const right = `${f.description}${f.required ? ' (required)' : ''}${f.env ? ` [env ${f.env}]` : ''}`;
    return [left, right] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const synopsis = Object.entries(spec.flags)
    .filter(([n]) => n !== 'help')
    .map(([n, f]) => {
      const one = `--${n}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
      return f.required ? one : `[${one}]`;
    })
    .join(' ');
  const name = spec.positionals ? `${spec.name} ${spec.positionals.value}` : spec.name;
  const envRows = Object.entries(spec.env);
  const envWidth = envRows.length ? Math.max(...envRows.map(([k]) => k.length)) + 2 : 0;
  return [
    `usage: crossvpc ${name} ${synopsis}`,
    '',
    spec.summary,
    ...(spec.positionals ? ['', `  ${spec.positionals.value}  ${spec.positionals.description}`] : []),
    '',
    'flags:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`),
    ...(envRows.length ? ['', 'environment:', ...envRows.map(([k, v]) => `  ${k.padEnd(envWidth)}${v}`)] : []),
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

export type ParseOutcome<T> =
  | { kind: 'help'; text: string }
  | { kind: 'ok'; args: T; json: boolean }
  /** `json`: the command has --json and it was given (the error is then one JSON line on stdout). */
  | { kind: 'error'; error: CrossVpcError; json: boolean; help: string };

/**
 * Whether `--json` was asked for: only for a command that has the flag, only before a `--`, in any
 * spelling parseArgs would also see (`--json`, `--json=…`). Decided before parsing, so that a parse error
 * (unknown flag, positional argument, `--wait=yes`) is reported as JSON too.
 */
export function wantsJson(flags: FlagSpecs, argv: readonly string[]): boolean {
  if (!('json' in flags)) return false;
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--json' || a.startsWith('--json='));
}

/** Parses `argv` against the spec; never throws for bad usage (returns `kind: 'error'` naming the flag). */
export function parseCommand<S extends z.ZodType>(spec: CommandSpec<S>, argv: string[]): ParseOutcome<z.output<S>> {
  const help = helpText(spec);
  const json = wantsJson(spec.flags, argv);
  const usageError = (message: string, field: string, apiCode: string, hint: string): ParseOutcome<z.output<S>> => ({
    kind: 'error',
    json,
    help,
    error: new CrossVpcError('InvalidInput', message, { field, apiCode, hint }),
  });
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, f] of Object.entries(spec.flags)) options[name] = f.short ? { type: f.type, short: f.short } : { type: f.type };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals !== undefined, tokens: true });
    values = parsed.values as Record<string, string | boolean | undefined>;
    positionals = parsed.positionals;
    // A value flag given twice is ambiguous (parseArgs would keep the last one silently).
    const seen = new Map<string, string>();
    for (const t of parsed.tokens) {
      if (t.kind !== 'option' || spec.flags[t.name]?.type !== 'string') continue;
      const before = seen.get(t.name);
      if (before !== undefined && before !== t.value) {
        return usageError(`--${t.name} was given twice (${JSON.stringify(before)} and ${JSON.stringify(t.value)})`, `--${t.name}`, 'ERR_DUPLICATE_FLAG', `give --${t.name} once`);
      }
      seen.set(t.name, t.value ?? '');
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    const positional = /^Unexpected argument '([^']*)'/.exec(e.message)?.[1];
    const flagName = positional !== undefined ? '(arguments)' : (/'(-{1,2}[^' ]+)/.exec(e.message)?.[1] ?? '(arguments)');
    const hint =
      e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `remove ${flagName}; crossvpc ${spec.name} --help lists the flags`
        : positional !== undefined
          ? `remove ${JSON.stringify(positional)} (flags take the form --name value); crossvpc ${spec.name} --help lists the flags`
          : `crossvpc ${spec.name} --help lists the flags and their values`;
    return usageError(firstSentence(e.message), flagName, e.code ?? 'ERR_PARSE_ARGS', hint);
  }
  if (values.help) return { kind: 'help', text: help };
  const r = spec.schema.safeParse(spec.positionals ? { ...values, positionals } : values);
  if (!r.success) {
    const fields = [...new Set(r.error.issues.map((i) => (i.path[0] === 'positionals' ? '(arguments)' : i.path.length ? `--${i.path.map(String).join('.')}` : '(flags)')))];
    const message = r.error.issues.map((i) => i.message).join('; ');
    return usageError(message, fields.join(','), 'ERR_INVALID_FLAG', `fix ${fields.join(', ')}; crossvpc ${spec.name} --help lists the flags`);
  }
  return { kind: 'ok', args: r.data, json };
}

function firstSentence(message: string): string {
  const i = message.indexOf('. ');
  return i > 0 ? message.slice(0, i + 1) : message;
}

/** Env overrides from --address / --namespace / --task-queue (and --identity), for CrossVpcClient.connect. */
export function connectOptions(a: { address?: string | undefined; namespace?: string | undefined; identity?: string | undefined; 'task-queue'?: string | undefined }): {
  address?: string;
  namespace?: string;
  identity?: string;
  taskQueue?: string;
} {
  return {
    ...(a.address ? { address: a.address } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    ...(a.identity ? { identity: a.identity } : {}),
    ...(a['task-queue'] ? { taskQueue: a['task-queue'] } : {}),
  };
}

/** Where an existing access's resources live (teardown, verify, schedule create). */
export const LOCATION_FLAGS: FlagSpecs = {
  'instance-credentials': { type: 'string', value: 'NAME', description: "credential set of the instance's account (worker configuration; default `default`)" },
  'client-credentials': { type: 'string', value: 'NAME', description: "credential set of the client's account (cross-account; default `client`)" },
  'client-domain-id': { type: 'string', value: 'ID', description: "the client's account (domain) id when it differs from the instance's" },
};

export const locationSchema = {
  'instance-credentials': z.string().optional(),
  'client-credentials': z.string().optional(),
  'client-domain-id': z.string().optional(),
};

export function locationOf(a: { 'instance-id': string; 'instance-credentials'?: string | undefined; 'client-credentials'?: string | undefined; 'client-domain-id'?: string | undefined }): {
  instanceId: string;
  instanceCredentials?: string;
  clientCredentials?: string;
  clientDomainId?: string;
} {
  return {
    instanceId: a['instance-id'],
    ...(a['instance-credentials'] ? { instanceCredentials: a['instance-credentials'] } : {}),
    ...(a['client-credentials'] ? { clientCredentials: a['client-credentials'] } : {}),
    ...(a['client-domain-id'] ? { clientDomainId: a['client-domain-id'] } : {}),
  };
}

/** The re-verification check (verify, schedule create). */
export const CHECK_FLAGS: FlagSpecs = {
  heal: { type: 'boolean', description: 'repair drift by re-running the idempotent provisioning' },
  'skip-data-path': { type: 'boolean', description: 'check the control plane only (no produce/consume through the endpoints)' },
  protocol: { type: 'string', value: 'PLAINTEXT|SASL_SSL', description: 'protocol of the data-path check (default PLAINTEXT)' },
  mechanism: { type: 'string', value: 'PLAIN|SCRAM-SHA-512', description: 'SASL mechanism (SASL_SSL)' },
  'secret-ref': { type: 'string', value: 'NAME', description: 'secret in the verify worker environment (CROSSVPC_SECRET_<NAME>_*)' },
  topic: { type: 'string', value: 'T', description: 'topic of the data-path check (default crossvpc-verify)' },
};

export const checkSchema = {
  heal: z.boolean().optional(),
  'skip-data-path': z.boolean().optional(),
  protocol: z.enum(['PLAINTEXT', 'SASL_SSL'], { error: '--protocol must be PLAINTEXT or SASL_SSL' }).optional(),
  mechanism: z.enum(['PLAIN', 'SCRAM-SHA-512'], { error: '--mechanism must be PLAIN or SCRAM-SHA-512' }).optional(),
  'secret-ref': z.string().optional(),
  topic: z.string().optional(),
};

export function checkOf(a: {
  heal?: boolean | undefined;
  'skip-data-path'?: boolean | undefined;
  protocol?: 'PLAINTEXT' | 'SASL_SSL' | undefined;
  mechanism?: 'PLAIN' | 'SCRAM-SHA-512' | undefined;
  'secret-ref'?: string | undefined;
  topic?: string | undefined;
}): { heal?: boolean; verify?: { enabled?: boolean; protocol?: 'PLAINTEXT' | 'SASL_SSL'; mechanism?: 'PLAIN' | 'SCRAM-SHA-512'; secretRef?: string; topic?: string } } {
  const verify = {
    ...(a['skip-data-path'] ? { enabled: false } : {}),
    ...(a.protocol ? { protocol: a.protocol } : {}),
    ...(a.mechanism ? { mechanism: a.mechanism } : {}),
    ...(a['secret-ref'] ? { secretRef: a['secret-ref'] } : {}),
    ...(a.topic ? { topic: a.topic } : {}),
  };
  return { ...(a.heal ? { heal: true } : {}), ...(Object.keys(verify).length ? { verify } : {}) };
}

/** Maps client-input field names back to the flag that set them, for error messages. */
export const FIELD_FLAGS: Record<string, string> = {
  instanceId: '--instance-id',
  instanceCredentials: '--instance-credentials',
  clientCredentials: '--client-credentials',
  clientDomainId: '--client-domain-id',
  'verify.protocol': '--protocol',
  'verify.mechanism': '--mechanism',
  'verify.secretRef': '--secret-ref',
  'verify.topic': '--topic',
  'reverify.instanceId': '--instance-id',
  'reverify.instanceCredentials': '--instance-credentials',
  'reverify.clientCredentials': '--client-credentials',
  'reverify.clientDomainId': '--client-domain-id',
  'reverify.verify.protocol': '--protocol',
  'reverify.verify.mechanism': '--mechanism',
  'reverify.verify.secretRef': '--secret-ref',
  'reverify.verify.topic': '--topic',
  every: '--every',
  taskQueue: '--task-queue',
};

/** Rewrites an InvalidInput error's fields (input names) to flag names (`fieldFlags`, default {@link FIELD_FLAGS}). */
export function withFlagNames(e: CrossVpcError, fieldFlags: Readonly<Record<string, string>> = FIELD_FLAGS): CrossVpcError {
  if (e.code !== 'InvalidInput' || !e.field) return e;
  if (!e.field.split(',').some((f) => fieldFlags[f] !== undefined)) return e;
  const fields = [...new Set(e.field.split(',').map((f) => fieldFlags[f] ?? f))];
  const message = e.message.replace(/(^|; |: )([A-Za-z][\w.]*):/g, (m: string, pre: string, f: string) => (fieldFlags[f] ? `${pre}${fieldFlags[f]} (${f}):` : m));
  return new CrossVpcError('InvalidInput', message, { field: fields.join(','), ...(e.apiCode ? { apiCode: e.apiCode } : {}), hint: `fix ${fields.join(', ')} and retry`, cause: e });
}
