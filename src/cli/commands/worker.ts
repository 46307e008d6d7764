/**
 * `crossvpc worker [--only main|verify] [--task-queue Q]`: runs the kafka-crossvpc worker(s) from the
 * environment configuration (src/config/env-config.ts: OTC_* credential sets, TEMPORAL_*). The main worker
 * (workflows + cloud API activities) polls TEMPORAL_TASK_QUEUE; the verify worker polls `<queue>-verify`
 * and needs no cloud credentials (`--only verify` inside the client network; secrets from
 * CROSSVPC_SECRET_<REF>_USERNAME/_PASSWORD/_CA_FILE). Stops gracefully on SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { NamespaceSetupError, searchAttributeFix, setupNamespace } from '../../temporal/namespace-setup.js';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../config/env-config.js';
import { temporalEnv } from '../../temporal/access-client.js';
import { clientsFromConfig, createCrossVpcWorkers, verifyTaskQueue, WorkerFailure, type WorkerRole } from '../../../worker/worker.js';
import { ExitCode } from '../exit-codes.js';
import { CONNECTION_ENV, HELP_FLAG, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, flag } from '../args.js';
import { parseFlags } from '../output.js';
import type { CloudService } from '../../../workflows/task-queues.js';

export const summary = 'run the provisioning worker (workflows + OTC activities) and the verify worker';

const spec = {
  name: 'worker',
  summary: `${summary}. Stops gracefully on SIGINT/SIGTERM. Exit code: 0 stopped, 1 a worker failed or Temporal unreachable, 2 bad flags, configuration or namespace not set up.`,
  flags: {
    only: { type: 'string', value: 'main|verify', description: 'run one worker only (default both; verify needs no cloud credentials)' },
    ...TASK_QUEUE_FLAG,
    rate: { type: 'string', value: 'N', description: 'at most N activities per second on the task queue (default unlimited)' },
    'cloud-rate': { type: 'string', value: 'SERVICE=N[,...]', description: 'global cloud-API limit, calls per second per service (vpcep, dms, vpc), across all workers (default unlimited)' },
    'wait-for-namespace': { type: 'boolean', description: 'when the namespace does not exist, say so and wait for it (default: exit 2 with the fix)' },
    'no-setup': { type: 'boolean', description: 'do not register missing search attributes at start, only check them (exit 2 when missing)' },
    ...HELP_FLAG,
  },
  env: {
    ...CONNECTION_ENV,
    ...TASK_QUEUE_ENV,
    'OTC_*': 'default credential set (account of the Kafka instances; main worker); see docs/configuration.md',
    'OTC_CREDENTIALS_<NAME>_*': 'named credential sets, e.g. `client` (cross-account)',
    'OS_CLOUD, OS_*': 'OpenStack variables / clouds.yaml entry of the default set',
    'CROSSVPC_SECRET_<REF>_*': 'USERNAME, PASSWORD, CA_FILE of the SASL_SSL verification (verify worker)',
  },
  schema: z
    .object({
      only: z.enum(['main', 'verify'], { error: '--only must be main or verify' }).optional(),
      'task-queue': z.string().min(1, '--task-queue must not be empty').optional(),
      rate: z
        .string()
        .regex(/^\d+(\.\d+)?$/, '--rate must be a number of activities per second')
        .transform(Number)
        .optional(),
      'cloud-rate': z
        .string()
        .regex(/^(vpcep|dms|vpc)=\d+(\.\d+)?(,(vpcep|dms|vpc)=\d+(\.\d+)?)*$/, '--cloud-rate must be SERVICE=N[,SERVICE=N] with SERVICE vpcep, dms or vpc and N calls per second')
        .transform((v) => Object.fromEntries(v.split(',').map((kv) => { const [k, n] = kv.split('='); return [k ?? '', Number(n)]; })) as Partial<Record<CloudService, number>>)
        .optional(),
      'wait-for-namespace': flag.bool,
      'no-setup': flag.bool,
      help: flag.bool,
    })
    .strict(),
  notes: [
    'The main worker polls the task queue and `<queue>-cloud-vpcep|dms|vpc` (the cloud activities), the verify worker `<queue>-verify`.',
    '--cloud-rate sets a server-enforced rate on the service queues (shared by every worker; docs/decisions/rate-limit.md).',
    'At start: the namespace must exist (else one line naming the fix, exit 2; or --wait-for-namespace) and',
    'have the search attributes; missing ones are registered when the server permits (else exit 2 with the fix).',
    'When one worker fails, the other is shut down and the process exits 1 with the cause on one line.',
  ],
} as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const { args } = parsed;
  const roles: WorkerRole[] = args.only ? [args.only] : ['main', 'verify'];
  let temporal;
  let activityDeps;
  try {
    if (roles.includes('main')) {
      const config = loadConfig(process.env);
      temporal = config.temporal;
      activityDeps = { clients: clientsFromConfig(config) };
    } else {
      temporal = temporalEnv(process.env);
    }
  } catch (err) {
    process.stderr.write(`crossvpc worker: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return ExitCode.Usage;
  }
  const taskQueue = args['task-queue'] ?? temporal.taskQueue;
  const say = (line: string): void => {
    process.stderr.write(`crossvpc worker: ${line}\n`);
  };
  try {
    Runtime.install({ logger: new DefaultLogger('INFO'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  } catch {
    // a Runtime is already installed in this process
  }
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: temporal.address });
  } catch (err) {
    say(`cannot connect to Temporal at ${temporal.address}: ${oneLine(err)}; check TEMPORAL_ADDRESS and that the server is running`);
    return ExitCode.Failed;
  }
  try {
    const prepared = await prepareNamespace(connection, temporal.namespace, { waitForNamespace: args['wait-for-namespace'] === true, register: args['no-setup'] !== true, say });
    if (prepared !== 'ready') return prepared === 'stopped' ? ExitCode.Ok : ExitCode.Usage;
    const workers = await createCrossVpcWorkers({
      connection,
      namespace: temporal.namespace,
      taskQueue,
      roles,
      ...(activityDeps ? { activityDeps } : {}),
      shutdownGraceTime: '30s',
      ...(args.rate ? { maxTaskQueueActivitiesPerSecond: args.rate } : {}),
      ...(args['cloud-rate'] ? { cloudRates: args['cloud-rate'] } : {}),
    });
    say(`${roles.map((r) => (r === 'main' ? `main on ${taskQueue}` : `verify on ${verifyTaskQueue(taskQueue)}`)).join(', ')} (namespace ${temporal.namespace}, ${temporal.address})`);
    await workers.run();
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof WorkerFailure) {
      say(`${oneLine(err)}${err.stopped.length ? `; the ${err.stopped.join(' and ')} worker was shut down` : ''}`);
    } else {
      say(`could not start: ${oneLine(err)}`);
    }
    return ExitCode.Failed;
  } finally {
    // Every worker has stopped here (WorkerFailure is thrown only after all did), so this cannot throw
    // "Cannot close connection while Workers hold a reference to it".
    await connection.close().catch((err: unknown) => say(`closing the connection: ${oneLine(err)}`));
  }
}

/**
 * Before any worker is created: the namespace exists and has the search attributes (registering them when
 * the server permits; `--no-setup` only checks). A missing namespace is one line and exit 2, or with
 * --wait-for-namespace one line and a wait until it exists. Returns `ready`, `failed` (line printed) or
 * `stopped` (a signal while waiting).
 */
async function prepareNamespace(
  connection: NativeConnection,
  namespace: string,
  o: { waitForNamespace: boolean; register: boolean; say: (line: string) => void },
): Promise<'ready' | 'failed' | 'stopped'> {
  let waiting = false;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (;;) {
      try {
        const r = await setupNamespace(connection, { namespace, register: o.register });
        const missing = r.searchAttributes.filter((a) => a.status === 'missing').map((a) => a.name);
        if (missing.length) {
          o.say(`namespace ${namespace} has no search attribute ${missing.join(', ')}: ${searchAttributeFix(namespace)}`);
          return 'failed';
        }
        const registered = r.searchAttributes.filter((a) => a.status === 'registered').map((a) => a.name);
        if (registered.length) o.say(`registered search attributes ${registered.join(', ')} in namespace ${namespace}`);
        return 'ready';
      } catch (err) {
        if (!(err instanceof NamespaceSetupError)) throw err;
        if (err.problem === 'not-permitted' && err.step === 'list') {
          o.say(`cannot check the search attributes of namespace ${namespace} (${err.apiCode}): going on as if registered; \`crossvpc setup --check --namespace ${namespace}\` by an admin verifies`);
          return 'ready';
        }
        if (err.problem === 'namespace-missing' && o.waitForNamespace) {
          if (!waiting) o.say(`${err.message}; waiting for it (checking every ${NAMESPACE_POLL_MS / 1000} s)`);
          waiting = true;
          if (!(await sleep(NAMESPACE_POLL_MS, stop.signal))) return 'stopped';
          continue;
        }
        o.say(err.message);
        return 'failed';
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const NAMESPACE_POLL_MS = 5_000;

/** Resolves true after `ms`, false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(false);
    }, { once: true });
  });
}

/**
 * An error as one line: the first line of its message, with the Rust SDK core's `Status { code: X,
 * message: "…", details: b"…" }` dump shortened to `X: …`.
 */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/Status \{ code: (\w+), message: "((?:[^"\\]|\\.)*)"[\s\S]*$/, '$1: $2')
    .split('\n')[0]
    ?.trim() ?? '';
}
