/**
 * Output of the `crossvpc` commands: with --json one JSON object per line on stdout (errors too:
 * `{"ok":false,"error":{code,message,field,apiCode,hint}}`), otherwise text on stdout and errors on stderr.
 */
import type { z } from 'zod';
import { CrossVpcClient, type ConnectOptions } from '../client/crossvpc-client.js';
import { CrossVpcError, toCrossVpcError } from '../client/errors.js';
import { parseCommand, withFlagNames, type CommandSpec } from './args.js';
import { ExitCode, exitCodeOfError, type ExitCodeValue } from './exit-codes.js';

export class Output {
  constructor(
    readonly command: string,
    readonly json: boolean,
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
      this.stdout.write(`${JSON.stringify({ ok: false, error: e.toJSON() })}\n`);
    } else {
      const lines = [`crossvpc ${this.command}: ${e.message}`];
      const facts = [e.field ? `field ${e.field}` : '', `code ${e.code}${e.apiCode ? ` (${e.apiCode})` : ''}`].filter(Boolean).join(', ');
      lines.push(`  ${facts}`, `  what to do: ${e.hint}`);
      if (help && e.code === 'InvalidInput') lines.push('', help);
      this.stderr.write(`${lines.join('\n')}\n`);
    }
    return exitCodeOfError(e.code);
  }
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
  if (parsed.kind === 'error') {
    const render = spec.usageErrorJson;
    if (parsed.json && typeof render === 'function') {
      process.stdout.write(`${JSON.stringify(render(parsed.error))}\n`);
      return { ok: false, exitCode: exitCodeOfError(parsed.error.code) };
    }
    return { ok: false, exitCode: new Output(spec.name, parsed.json).error(parsed.error, parsed.help) };
  }
  return { ok: true, args: parsed.args, out: new Output(spec.name, parsed.json) };
}

/** Parses flags, prints help or usage errors, runs `body`, maps thrown errors to exit codes. */
export async function runCommand<S extends z.ZodType>(spec: CommandSpec<S>, argv: string[], body: (ctx: CommandContext<z.output<S>>) => Promise<number>): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const { out } = parsed;
  const clients: CrossVpcClient[] = [];
  try {
    return await body({
      args: parsed.args,
      out,
      async connect(options) {
        const c = await CrossVpcClient.connect(options);
        clients.push(c);
        return c;
      },
    });
  } catch (err) {
    const e = err instanceof CrossVpcError ? withFlagNames(err) : toCrossVpcError(err, { what: spec.name, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    return out.error(e);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}
