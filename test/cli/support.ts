/**
 * Shared set-up of the CLI and typed-client tests: a sandbox on this file's own address block, the suite's
 * real Temporal dev server, the workflow bundle, an in-process worker pair per test (test/workflow/support.ts
 * helpers reused), and `crossvpc` run as a real process (`node src/cli/crossvpc.mjs …`).
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { StartSandboxOptions } from '../../src/sandbox/start-sandbox.js';
import { startSuite, type Suite } from '../workflow/support.js';

/** test/workflow/support.ts `startSuite` (a sandbox on a block of its own). */
export function startCliSuite(options: Pick<StartSandboxOptions, 'kafka' | 'scenario'> = {}): Promise<Suite> {
  return startSuite(options);
}

const CLI = fileURLToPath(new URL('../../src/cli/crossvpc.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Every stdout line that parses as JSON. */
  json: Record<string, unknown>[];
  /** The last JSON line (the result of one-shot commands). */
  last: Record<string, unknown>;
}

function cliEnv(taskQueue: string | undefined, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default', ...extra };
  if (taskQueue) env.TEMPORAL_TASK_QUEUE = taskQueue;
  return env;
}

function toResult(code: number, stdout: string, stderr: string): CliResult {
  const json = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, json, last: json[json.length - 1] ?? {} };
}

/** Runs `crossvpc <args>` as a process (asynchronously: the test's worker keeps running meanwhile). */
export function cli(args: string[], taskQueue?: string, extraEnv: Record<string, string> = {}, timeoutMs = 110_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { env: cliEnv(taskQueue, extraEnv), timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`crossvpc ${args.join(' ')}: ${err.message}\n${stderr}`));
        return;
      }
      resolve(toResult(typeof err?.code === 'number' ? err.code : 0, stdout, stderr));
    });
  });
}

export interface BackgroundCli {
  done: Promise<CliResult>;
  stop: () => void;
  /** Resolves with the first stderr line matching `pattern` (rejects when the process exits first or after `ms`). */
  stderrLine(pattern: RegExp, ms?: number): Promise<string>;
}

/** Starts `crossvpc <args>` in the background; `done` resolves when it exits. */
export function cliBackground(args: string[], taskQueue?: string, extraEnv: Record<string, string> = {}): BackgroundCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(taskQueue, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters) w();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      exited = true;
      for (const w of waiters) w();
      resolve(toResult(code ?? -1, stdout, stderr));
    }),
  );
  return {
    done,
    stop: () => child.kill('SIGTERM'),
    stderrLine(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no stderr line matching ${pattern} within ${ms} ms:\n${stderr}`)), ms);
        const check = (): void => {
          const line = stderr.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) finish(undefined, line);
          else if (exited) finish(new Error(`exited without a stderr line matching ${pattern}:\n${stderr}`));
        };
        function finish(err: Error | undefined, line?: string): void {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(line ?? '');
        }
        waiters.add(check);
        check();
      });
    },
  };
}
