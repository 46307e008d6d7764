/**
 * `crossvpc worker [--only main|verify] [--task-queue Q]`: runs the kafka-crossvpc worker(s) from the
 * environment configuration (src/config/env-config.ts: OTC_* credential sets, TEMPORAL_*). The main worker
 * (workflows + cloud API activities) polls TEMPORAL_TASK_QUEUE; the verify worker polls `<queue>-verify`
 * and needs no cloud credentials (`--only verify` inside the client network; secrets from
 * CROSSVPC_SECRET_<REF>_USERNAME/_PASSWORD/_CA_FILE). Stops gracefully on SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../config/env-config.js';
import { temporalEnv } from '../../temporal/access-client.js';
import { clientsFromConfig, createCrossVpcWorkers, verifyTaskQueue, type WorkerRole } from '../../../worker/worker.js';
import { CONNECTION_ENV, HELP_FLAG, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, flag } from '../args.js';
import { parseFlags } from '../output.js';

export const summary = 'run the provisioning worker (workflows + OTC activities) and the verify worker';

const spec = {
  name: 'worker',
  summary: `${summary}. Stops gracefully on SIGINT/SIGTERM. Exit code: 0 stopped, 2 bad flags or configuration.`,
  flags: {
    only: { type: 'string', value: 'main|verify', description: 'run one worker only (default both; verify needs no cloud credentials)' },
    ...TASK_QUEUE_FLAG,
    rate: { type: 'string', value: 'N', description: 'at most N activities per second on the task queue (default unlimited)' },
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
      help: flag.bool,
    })
    .strict(),
  notes: ['The main worker polls the task queue, the verify worker `<queue>-verify`.'],
  usageErrorJson: 'text',
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
    return 2;
  }
  const taskQueue = args['task-queue'] ?? temporal.taskQueue;
  try {
    Runtime.install({ logger: new DefaultLogger('INFO'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  } catch {
    // a Runtime is already installed in this process
  }
  const connection = await NativeConnection.connect({ address: temporal.address });
  try {
    const workers = await createCrossVpcWorkers({
      connection,
      namespace: temporal.namespace,
      taskQueue,
      roles,
      ...(activityDeps ? { activityDeps } : {}),
      shutdownGraceTime: '30s',
      ...(args.rate ? { maxTaskQueueActivitiesPerSecond: args.rate } : {}),
    });
    process.stderr.write(
      `crossvpc worker: ${roles.map((r) => (r === 'main' ? `main on ${taskQueue}` : `verify on ${verifyTaskQueue(taskQueue)}`)).join(', ')} (namespace ${temporal.namespace}, ${temporal.address})\n`,
    );
    await workers.run();
    return 0;
  } finally {
    await connection.close();
  }
}
