/**
 * Output of the `crossvpc` commands: with --json one JSON object per line on stdout (errors too:
 * `{"ok":false,"error":{code,message,field,apiCode,hint}}`), otherwise text on stdout and errors on stderr.
 */
import type { z } from 'zod';
import { CrossVpcClient, type ConnectOptions } from '../client/crossvpc-client.js';
import { CrossVpcError, toCrossVpcError } from '../client/errors.js';
import { ConfigError } from '../config/config-error.js';
import { tracingFromEnv } from '../telemetry/tracing-from-env.js';
import type { Tracing } from '../telemetry/tracing.js';
import { FIELD_FLAGS, parseCommand, withFlagNames, type CommandSpec } from './args.js';
import { ExitCode, exitCodeOfError, type ExitCodeValue } from './exit-codes.js';

export class Output {
  constructor(
    readonly command: string,
    readonly json: boolean,
    /** The JSON object of an error (CommandSpec.errorJson); default `{ok:false,error}`. */
    private readonly errorJson: ((e: CrossVpcError) => object) | undefined = undefined,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** One result: the JSON object with --json, else the text lines. */
  result(value: object, text: string | string[]): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value)}\n`);
    else this.stdout.write(`${(Array.isArray(text) ? text : [text]).join('\n')}\n`);
  }

  /** One JSON line (only with --json). */
  jsonLine(value: object): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Reports an error; returns its exit code. */
  error(e: CrossVpcError, help?: string): ExitCodeValue {
    if (this.json) {
      this.stdout.write(`${JSON.stringify(this.errorJson ? this.errorJson(e) : errorLine(e))}\n`);
    } else {
      this.stderr.write(`${errorText(`crossvpc ${this.command}`, e, help)}\n`);
    }
    return exitCodeOfError(e.code);
  }
}

/**
 * The default JSON error line of every command: `{ok:false,error:{code,message,field,apiCode,hint}}`; `field`
 * is always there (`null` when no flag, field or variable is at fault, e.g. an unexpected server error).
 */
export function errorLine(e: CrossVpcError): { ok: false; error: Omit<ReturnType<CrossVpcError['toJSON']>, 'field'> & { field: string | null } } {
  return { ok: false, error: { ...e.toJSON(), field: e.field ?? null } };
}

/**
 * An error as text: the message, then `field …, code …` and `what to do: …`. A namespace that is not set up
 * (SetupRequired) is ONE line whose message already names the fix (docs/cli.md "Namespace setup").
 */
export function errorText(prefix: string, e: CrossVpcError, help?: string): string {
  if (e.code === 'SetupRequired') return `${prefix}: ${e.message}`;
  const facts = [e.field ? `field ${e.field}` : '', `code ${e.code}${e.apiCode ? ` (${e.apiCode})` : ''}`].filter(Boolean).join(', ');
  const lines = [`${prefix}: ${e.message}`, `  ${facts}`, `  what to do: ${e.hint}`];
  if (help && e.code === 'InvalidInput') lines.push('', help);
  return lines.join('\n');
}

export interface CommandContext<T> {
  args: T;
  out: Output;
  /** Connects with the flags' overrides of TEMPORAL_*; closed by `runCommand` when the body ends. */
  connect(options: ConnectOptions): Promise<CrossVpcClient>;
}

export type ParsedFlags<T> = { ok: true; args: T; out: Output } | { ok: false; exitCode: number };

/** Parses flags; prints --help (exit 0) or the usage error (exit 2) itself, else returns the flags. */
export function parseFlags<S extends z.ZodType>(spec: CommandSpec<S>, argv: string[]): ParsedFlags<z.output<S>> {
  const parsed = parseCommand(spec, argv);
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    return { ok: false, exitCode: ExitCode.Ok };
  }
  if (parsed.kind === 'error') return { ok: false, exitCode: new Output(spec.name, parsed.json, spec.errorJson).error(parsed.error, parsed.help) };
  return { ok: true, args: parsed.args, out: new Output(spec.name, parsed.json, spec.errorJson) };
}

/** Parses flags, prints help or usage errors, runs `body`, maps thrown errors to exit codes. */
export async function runCommand<S extends z.ZodType>(
  spec: CommandSpec<S>,
  argv: string[],
  body: (ctx: CommandContext<z.output<S>>) => Promise<number>,
  /** Input field → the flag that set it, for error messages (default {@link FIELD_FLAGS}). */
  fieldFlags: Readonly<Record<string, string>> = FIELD_FLAGS,
): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const { out } = parsed;
  const clients: CrossVpcClient[] = [];
  let tracing: Tracing | undefined;
  try {
    // OTEL_* on: this command's client calls start the trace (docs/operations.md "Tracing").
    tracing = await tracingFromEnv(process.env, 'cli');
    const tracer = tracing?.tracer;
    return await body({
      args: parsed.args,
      out,
      async connect(options) {
        const c = await CrossVpcClient.connect({ ...options, ...(tracer ? { tracer } : {}) });
        clients.push(c);
        return c;
      },
    });
  } catch (err) {
    return out.error(commandError(err, spec.name, fieldFlags));
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    // Flush before the process exits.
    await tracing?.shutdown();
  }
}

/** Any error of a command body as a CrossVpcError, input fields renamed to the flags that set them. */
export function commandError(err: unknown, command: string, fieldFlags: Readonly<Record<string, string>> = FIELD_FLAGS): CrossVpcError {
  if (err instanceof CrossVpcError) return withFlagNames(err, fieldFlags);
  if (err instanceof ConfigError) {
    return new CrossVpcError('ConfigError', err.message.replace(/\n\s*/g, ' '), {
      field: err.issues.map((i) => i.variable).join(','),
      hint: 'fix the variables / clouds.yaml keys named (docs/configuration.md); crossvpc config show prints what is in effect',
      cause: err,
    });
  }
  return toCrossVpcError(err, { what: command, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
}
