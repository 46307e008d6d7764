/**
 * `crossvpc worker [--only main|verify] [--task-queue Q]`: runs the kafka-crossvpc worker(s) from the
 * environment configuration (src/config/env-config.ts: OTC_* credential sets, TEMPORAL_*). The main worker
 * (workflows + cloud API activities) polls TEMPORAL_TASK_QUEUE; the verify worker polls `<queue>-verify`
 * and needs no cloud credentials (`--only verify` inside the client network; secrets from
 * CROSSVPC_SECRET_<REF>_USERNAME/_PASSWORD/_CA_FILE). Stops gracefully on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../config/env-config.js';
import { temporalEnv } from '../../temporal/access-client.js';
import { clientsFromConfig, createCrossVpcWorkers, verifyTaskQueue, type WorkerRole } from '../../../worker/worker.js';

export const summary = 'run the provisioning worker (workflows + OTC activities) and the verify worker';

const USAGE = 'usage: crossvpc worker [--only main|verify] [--task-queue Q] [--rate N]';

const ArgsSchema = z
  .object({
    only: z.enum(['main', 'verify'], { error: '--only must be main or verify' }).optional(),
    'task-queue': z.string().min(1).optional(),
    rate: z
      .string()
      .regex(/^\d+(\.\d+)?$/, '--rate must be a number of activities per second')
      .transform(Number)
      .optional(),
    help: z.boolean().optional(),
  })
  .strict();

export async function run(argv: string[]): Promise<number> {
  let raw: Record<string, string | boolean | undefined>;
  try {
    raw = parseArgs({
      args: argv,
      strict: true,
      options: { only: { type: 'string' }, 'task-queue': { type: 'string' }, rate: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (err) {
    process.stderr.write(`crossvpc worker: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const a = ArgsSchema.safeParse(raw);
  if (!a.success) {
    process.stderr.write(`crossvpc worker: ${a.error.issues.map((i) => i.message).join('; ')}\n${USAGE}\n`);
    return 2;
  }
  if (a.data.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const roles: WorkerRole[] = a.data.only ? [a.data.only] : ['main', 'verify'];
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
  const taskQueue = a.data['task-queue'] ?? temporal.taskQueue;
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
      ...(a.data.rate ? { maxTaskQueueActivitiesPerSecond: a.data.rate } : {}),
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
