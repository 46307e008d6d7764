/**
 * `crossvpc worker [--only main|verify] [--task-queue Q]`: runs the kafka-crossvpc worker(s) from the
 * environment configuration (src/config/env-config.ts: OTC_* credential sets, TEMPORAL_*). The main worker
 * (workflows + cloud API activities) polls TEMPORAL_TASK_QUEUE; the verify worker polls `<queue>-verify`
 * and needs no cloud credentials (`--only verify` inside the client network; secrets from
 * CROSSVPC_SECRET_<REF>_USERNAME/_PASSWORD/_CA_FILE). Stops gracefully on SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createLogger } from '../../../worker/logging.js';
import { cloudApiObserver, freeLoopbackPort, HISTOGRAM_BUCKETS, startMetricsServer, workersReady, type MetricsServer, type Readiness } from '../../../worker/metrics.js';
import { NamespaceSetupError, searchAttributeFix, setupNamespace } from '../../temporal/namespace-setup.js';
import { z } from 'zod';
import { ConfigError, loadConfig, type AppConfig } from '../../config/env-config.js';
import { temporalEnv } from '../../temporal/access-client.js';
import { clientsFromConfig, createCrossVpcWorkers, SDK_WORKFLOW_TASK_SLOTS, verifyTaskQueue, WorkerFailure, type WorkerRole } from '../../../worker/worker.js';
import { vpcVerifyTaskQueue } from '../../../workflows/task-queues.js';
import { parseDnsServer } from '../../kafka/vpc-resolver.js';
import { ExitCode } from '../exit-codes.js';
import { CONNECTION_ENV, HELP_FLAG, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, flag } from '../args.js';
import { parseFlags } from '../output.js';
import type { CloudService } from '../../../workflows/task-queues.js';
import type { WorkerTracing } from '../../../worker/tracing.js';
import { startWorkerTracing } from '../../../worker/start-tracing.js';
import { tracingConfig, type TracingConfig } from '../../config/otel-env.js';

export const summary = 'run the provisioning worker (workflows + OTC activities) and the verify worker';

const spec = {
  name: 'worker',
  summary: `${summary}. Stops gracefully on SIGINT/SIGTERM. Exit code: 0 stopped, 1 a worker failed or Temporal unreachable, 2 bad flags, configuration or namespace not set up.`,
  flags: {
    only: { type: 'string', value: 'main|verify', description: 'run one worker only (default both; verify needs no cloud credentials)' },
    ...TASK_QUEUE_FLAG,
    'client-vpc-id': { type: 'string', value: 'ID', description: 'named access: the verify worker serves this client VPC (`<queue>-verify-<ID>`); run it inside that VPC' },
    rate: { type: 'string', value: 'N', description: 'at most N activities per second on the task queue (default unlimited)' },
    'cloud-rate': { type: 'string', value: 'SERVICE=N[,...]', description: 'global cloud-API limit, calls per second per service (vpcep, dms, vpc), across all workers (default unlimited)' },
    'max-cached-workflows': { type: 'string', value: 'N', description: 'workflow runs kept in the worker\'s cache (default: the SDK\'s, from the heap size; docs/decisions/worker-tuning.md)' },
    'workflow-task-slots': { type: 'string', value: 'N', description: `workflow tasks run at once (default: the SDK's, ${SDK_WORKFLOW_TASK_SLOTS})` },
    'wait-for-namespace': { type: 'boolean', description: 'when the namespace does not exist, say so and wait for it (default: exit 2 with the fix)' },
    'no-setup': { type: 'boolean', description: 'do not register missing search attributes at start, only check them (exit 2 when missing)' },
    'metrics-port': { type: 'string', value: 'N', description: 'serve Prometheus /metrics, /healthz and /readyz on this port (default off; 0 = any free port)' },
    'metrics-host': { type: 'string', value: 'IP', description: 'address the metrics port listens on (default 127.0.0.1; 0.0.0.0 in a container)' },
    'log-format': { type: 'string', value: 'json|text', description: 'text (default): readable lines; json: one JSON object per line with access, instance, port, workflow and run ids, never a secret' },
    ...HELP_FLAG,
  },
  env: {
    ...CONNECTION_ENV,
    ...TASK_QUEUE_ENV,
    'OTC_*': 'default credential set (account of the Kafka instances; main worker); see docs/configuration.md',
    'OTC_CREDENTIALS_<NAME>_*': 'named credential sets, e.g. `client` (cross-account)',
    'OS_CLOUD, OS_*': 'OpenStack variables / clouds.yaml entry of the default set',
    'CROSSVPC_SECRET_<REF>_*': 'USERNAME, PASSWORD, CA_FILE of the SASL_SSL verification (verify worker)',
    'OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, OTEL_*': 'tracing by OTLP/HTTP when an endpoint is set (OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true: off); docs/operations.md "Tracing"',
    CROSSVPC_VERIFY_DNS_SERVER: "named access, a verify worker not inside the client VPC: that VPC's DNS server (IPv4[:port]); broker names resolve through it alone",
  },
  schema: z
    .object({
      only: z.enum(['main', 'verify'], { error: '--only must be main or verify' }).optional(),
      'task-queue': z.string().min(1, '--task-queue must not be empty').optional(),
      'client-vpc-id': z.string().min(1, '--client-vpc-id must not be empty').optional(),
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
      'max-cached-workflows': flag.positiveInt('max-cached-workflows', 2, 100_000),
      'workflow-task-slots': flag.positiveInt('workflow-task-slots', 2, 10_000),
      'wait-for-namespace': flag.bool,
      'no-setup': flag.bool,
      'log-format': z.enum(['json', 'text'], { error: '--log-format must be json or text' }).default('text'),
      'metrics-port': flag.positiveInt('metrics-port', 0, 65535),
      'metrics-host': z.string().regex(/^[0-9A-Fa-f.:]+$/, '--metrics-host must be an IP address').optional(),
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

/** The parsed flags of `crossvpc worker`. */
type WorkerFlags = z.output<typeof spec.schema>;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const { args } = parsed;
  const roles: WorkerRole[] = args.only ? [args.only] : ['main', 'verify'];
  let temporal;
  let appConfig: AppConfig | undefined;
  let tracingSettings: TracingConfig | undefined;
  try {
    // OTEL_* first: a bad value is exit 2 before anything starts (only when tracing is on).
    tracingSettings = tracingConfig(process.env, 'worker');
    if (roles.includes('main')) {
      const config = loadConfig(process.env);
      temporal = config.temporal;
      appConfig = config;
    } else {
      temporal = temporalEnv(process.env);
    }
  } catch (err) {
    process.stderr.write(`crossvpc worker: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    return ExitCode.Usage;
  }
  const taskQueue = args['task-queue'] ?? temporal.taskQueue;
  const logger = createLogger(args['log-format']);
  // The worker's own lines: `crossvpc worker: …` in text, a log entry (component crossvpc-worker) in json.
  let dnsServer: string | undefined;
  try {
    const raw = process.env.CROSSVPC_VERIFY_DNS_SERVER;
    dnsServer = raw ? parseDnsServer(raw) : undefined;
  } catch (err) {
    process.stderr.write(`crossvpc worker: CROSSVPC_VERIFY_DNS_SERVER: ${(err as Error).message}\n`);
    return ExitCode.Usage;
  }
  const verifyQueue = args['client-vpc-id'] ? vpcVerifyTaskQueue(taskQueue, args['client-vpc-id']) : verifyTaskQueue(taskQueue);
  const say = (line: string): void => {
    if (args['log-format'] === 'json') logger.info(line, { component: 'crossvpc-worker' });
    else process.stderr.write(`crossvpc worker: ${line}\n`);
  };
  const metricsPort = args['metrics-port'];
  const runtimeMetricsPort = metricsPort !== undefined ? await freeLoopbackPort() : undefined;
  try {
    Runtime.install({
      logger,
      shutdownSignals: ['SIGINT', 'SIGTERM'],
      ...(runtimeMetricsPort !== undefined
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${runtimeMetricsPort}`, histogramBucketOverrides: HISTOGRAM_BUCKETS } } } }
        : {}),
    });
  } catch {
    // a Runtime is already installed in this process
  }
  let shutdownTracing: () => Promise<void> = () => Promise.resolve();
  let readiness: () => Promise<Readiness> = () => Promise.resolve({ ready: false, checks: { temporal: `connecting to ${temporal.address}` } });
  let metricsServer: MetricsServer | undefined;
  if (metricsPort !== undefined && runtimeMetricsPort !== undefined) {
    try {
      metricsServer = await startMetricsServer({ host: args['metrics-host'] ?? '127.0.0.1', port: metricsPort, runtimeMetricsUrl: `http://127.0.0.1:${runtimeMetricsPort}/metrics`, readiness: () => readiness() });
    } catch (err) {
      say(`cannot listen on metrics port ${args['metrics-host'] ?? '127.0.0.1'}:${metricsPort}: ${oneLine(err)}`);
      return ExitCode.Failed;
    }
    say(`metrics on http://${args['metrics-host'] ?? '127.0.0.1'}:${metricsServer.port}/metrics (/healthz, /readyz)`);
  }
  let tracing: WorkerTracing | undefined;
  if (tracingSettings) {
    const { sdk, tracing: t } = await startWorkerTracing(tracingSettings);
    tracing = t;
    shutdownTracing = () => sdk.shutdown();
    say(`tracing on: spans by OTLP to ${sdk.exportsTo}`);
  }
  const observe = metricsServer ? { observe: cloudApiObserver(Runtime.instance().metricMeter) } : {};
  const activityDeps = appConfig ? { clients: clientsFromConfig(appConfig, { ...observe, ...(tracing ? { tracer: tracing.tracer } : {}) }) } : undefined;
  try {
    return await runWorkers(args, { temporal, taskQueue, verifyQueue, dnsServer, roles, activityDeps, tracing, say, setReadiness: (r) => (readiness = r) });
  } finally {
    await metricsServer?.close();
    // After every worker stopped: the spans of the last activities are flushed.
    await shutdownTracing();
  }
}

async function runWorkers(
  args: WorkerFlags,
  o: {
    temporal: { address: string; namespace: string };
    taskQueue: string;
    /** The verify worker's queue: `<taskQueue>-verify`, or `<taskQueue>-verify-<clientVpcId>` inside a client VPC. */
    verifyQueue: string;
    /** The resolver of the client VPC the verify worker stands in for (CROSSVPC_VERIFY_DNS_SERVER). */
    dnsServer: string | undefined;
    roles: WorkerRole[];
    activityDeps: { clients: ReturnType<typeof clientsFromConfig> } | undefined;
    /** OTEL_* on (worker/tracing.ts). */
    tracing: WorkerTracing | undefined;
    say: (line: string) => void;
    setReadiness: (r: () => Promise<Readiness>) => void;
  },
): Promise<number> {
  const { temporal, taskQueue, verifyQueue, dnsServer, roles, activityDeps, tracing, say } = o;
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: temporal.address });
  } catch (err) {
    say(`cannot connect to Temporal at ${temporal.address}: ${oneLine(err)}; check TEMPORAL_ADDRESS and that the server is running`);
    return ExitCode.Failed;
  }
  o.setReadiness(() => Promise.resolve({ ready: false, checks: { temporal: 'connected', workers: `not started yet (namespace ${temporal.namespace} being checked)` } }));
  try {
    const prepared = await prepareNamespace(connection, temporal.namespace, { waitForNamespace: args['wait-for-namespace'] === true, register: args['no-setup'] !== true, say });
    if (prepared !== 'ready') return prepared === 'stopped' ? ExitCode.Ok : ExitCode.Usage;
    const workers = await createCrossVpcWorkers({
      connection,
      namespace: temporal.namespace,
      taskQueue,
      roles,
      ...(activityDeps ? { activityDeps } : {}),
      ...(tracing ? { tracing } : {}),
      ...(dnsServer ? { verifyDeps: { dnsServer } } : {}),
      ...(args['client-vpc-id'] ? { clientVpcId: args['client-vpc-id'] } : {}),
      shutdownGraceTime: '30s',
      ...(args.rate ? { maxTaskQueueActivitiesPerSecond: args.rate } : {}),
      ...(args['cloud-rate'] ? { cloudRates: args['cloud-rate'] } : {}),
      ...(args['max-cached-workflows'] !== undefined ? { maxCachedWorkflows: args['max-cached-workflows'] } : {}),
      ...(args['workflow-task-slots'] !== undefined ? { workflowTaskSlots: args['workflow-task-slots'] } : {}),
    });
    say(`${roles.map((r) => (r === 'main' ? `main on ${taskQueue}` : `verify on ${verifyQueue}`)).join(', ')} (namespace ${temporal.namespace}, ${temporal.address})`);
    const polling = [
      ...(workers.main ? [{ role: 'main', worker: workers.main, kinds: ['workflow', 'activity'] as const }] : []),
      ...(workers.verify ? [{ role: 'verify', worker: workers.verify, kinds: ['activity'] as const }] : []),
    ];
    o.setReadiness(() => workersReady(connection, polling));
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
