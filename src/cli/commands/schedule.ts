/**
 * `crossvpc schedule create|list|pause|unpause|delete|trigger`: the re-verification schedule of an access
 * (`crossvpc-reverify-<instanceId>`, a Temporal Schedule running `reverifyCrossVpcAccess`). Creating an
 * existing schedule updates it.
 */
import { z } from 'zod';
import { CrossVpcError } from '../../client/errors.js';
import { EverySchema } from '../../client/schemas.js';
import {
  CHECK_FLAGS,
  COMMON_FLAGS,
  CONNECTION_ENV,
  CONNECTION_FLAGS,
  INSTANCE_FLAG,
  LOCATION_FLAGS,
  TASK_QUEUE_ENV,
  TASK_QUEUE_FLAG,
  checkOf,
  checkSchema,
  connectOptions,
  flag,
  locationOf,
  locationSchema,
} from '../args.js';
import { EXIT_CODES_HELP, ExitCode } from '../exit-codes.js';
import { Output, runCommand } from '../output.js';

export const summary = 'manage the scheduled re-verification of an access: create|list|pause|unpause|delete|trigger';

const base = { address: flag.address, identity: flag.identity, namespace: flag.namespace, json: flag.bool, help: flag.bool };

const create = {
  name: 'schedule create',
  summary: 'create (or update) the schedule that re-verifies an access every interval. Exit code: 0 created/updated.',
  flags: {
    ...INSTANCE_FLAG,
    every: { type: 'string', value: 'INTERVAL', description: 'interval between checks: 30s, 15m, 1h, 1d', required: true },
    note: { type: 'string', value: 'TEXT', description: 'note shown on the schedule in the Temporal UI' },
    'trigger-now': { type: 'boolean', description: 'also run one check right away' },
    ...CHECK_FLAGS,
    ...LOCATION_FLAGS,
    ...TASK_QUEUE_FLAG,
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: z
    .object({
      'instance-id': flag.instanceId,
      every: z.string({ error: '--every is required (an interval like 15m, 1h, 1d)' }).pipe(EverySchema),
      note: z.string().max(200, '--note must be at most 200 characters').optional(),
      'trigger-now': flag.bool,
      ...checkSchema,
      ...locationSchema,
      'task-queue': flag.taskQueue,
      ...base,
    })
    .strict(),
  notes: ['JSON: {ok, action: "create", scheduleId, instanceId, every, created (false = an existing schedule was updated)}'],
} as const;

const list = {
  name: 'schedule list',
  summary: 'list the re-verification schedules of the namespace. Exit code: 0.',
  flags: { ...CONNECTION_FLAGS, ...COMMON_FLAGS },
  env: CONNECTION_ENV,
  schema: z.object(base).strict(),
  notes: ['JSON: {ok, action: "list", schedules: [{scheduleId, instanceId, paused, note, every, heal, taskQueue, overlap, catchupWindowMs, nextRunAt, lastRunAt, recentRuns[], runningRuns[], lastHealth}]}'],
} as const;

const pauseLike = (action: 'pause' | 'unpause') =>
  ({
    name: `schedule ${action}`,
    summary: `${action} the re-verification schedule of an access. Exit code: 0 done, 4 no such schedule.`,
    flags: {
      ...INSTANCE_FLAG,
      note: { type: 'string', value: 'TEXT', description: 'why (shown in the Temporal UI)' },
      ...CONNECTION_FLAGS,
      ...COMMON_FLAGS,
    },
    env: CONNECTION_ENV,
    schema: z.object({ 'instance-id': flag.instanceId, note: z.string().optional(), ...base }).strict(),
    notes: [`JSON: {ok, action: "${action}", scheduleId, instanceId, paused}`],
  }) as const;

const simple = (action: 'delete' | 'trigger', what: string) =>
  ({
    name: `schedule ${action}`,
    summary: `${what}. Exit code: 0 done, 4 no such schedule.`,
    flags: { ...INSTANCE_FLAG, ...CONNECTION_FLAGS, ...COMMON_FLAGS },
    env: CONNECTION_ENV,
    schema: z.object({ 'instance-id': flag.instanceId, ...base }).strict(),
    notes: [`JSON: {ok, action: "${action}", scheduleId, instanceId}`],
  }) as const;

const SUBCOMMANDS = ['create', 'list', 'pause', 'unpause', 'delete', 'trigger'] as const;

function usage(): string {
  return [
    'usage: crossvpc schedule <create|list|pause|unpause|delete|trigger> [flags]   (crossvpc schedule <sub> --help)',
    '',
    '  create   create or update the schedule crossvpc-reverify-<instance-id> (--every 1h, --heal, --skip-data-path, ...)',
    '  list     list the re-verification schedules',
    '  pause    pause a schedule (--note)',
    '  unpause  resume a schedule (--note)',
    '  delete   delete a schedule',
    '  trigger  run a schedule\'s check now',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(`${usage()}\n`);
    return sub ? ExitCode.Ok : ExitCode.Usage;
  }
  if (sub.startsWith('-')) {
    return new Output('schedule', argv.includes('--json')).error(
      new CrossVpcError('InvalidInput', `expected a schedule action before ${sub}`, { field: 'action', apiCode: 'ERR_UNKNOWN_SUBCOMMAND', hint: `crossvpc schedule <${SUBCOMMANDS.join('|')}> …` }),
      usage(),
    );
  }
  switch (sub) {
    case 'create':
      return runCommand(create, rest, async ({ args, out, connect }) => {
        const client = await connect(connectOptions(args));
        const r = await client.scheduleReverification({
          every: args.every,
          reverify: { ...locationOf(args), ...checkOf(args) },
          ...(args['task-queue'] ? { taskQueue: args['task-queue'] } : {}),
          ...(args.note !== undefined ? { note: args.note } : {}),
          ...(args['trigger-now'] ? { triggerImmediately: true } : {}),
        });
        out.result({ ok: true, action: 'create', ...r }, `schedule ${r.scheduleId} ${r.created ? 'created' : 'updated'}: re-verifies ${r.instanceId} every ${r.every}`);
        return ExitCode.Ok;
      });
    case 'list':
      return runCommand(list, rest, async ({ args, out, connect }) => {
        const client = await connect(connectOptions(args));
        const schedules = await client.listSchedules();
        out.result(
          { ok: true, action: 'list', schedules },
          schedules.length
            ? schedules.map(
                (s) =>
                  `${s.scheduleId}  ${s.paused ? 'paused' : 'active'}${s.every ? `  every ${s.every}` : ''}${s.nextRunAt ? `  next ${s.nextRunAt}` : ''}${s.lastHealth ? `  last ${s.lastHealth}` : ''}${s.note ? `  (${s.note})` : ''}`,
              )
            : 'no re-verification schedules',
        );
        return ExitCode.Ok;
      });
    case 'pause':
    case 'unpause':
      return runCommand(pauseLike(sub), rest, async ({ args, out, connect }) => {
        const client = await connect(connectOptions(args));
        const id = args['instance-id'];
        const r = sub === 'pause' ? await client.pauseSchedule(id, args.note) : await client.unpauseSchedule(id, args.note);
        out.result({ ok: true, action: sub, scheduleId: r.scheduleId, instanceId: id, paused: sub === 'pause' }, `schedule ${r.scheduleId}: ${sub === 'pause' ? 'paused' : 'active'}`);
        return ExitCode.Ok;
      });
    case 'delete':
    case 'trigger':
      return runCommand(simple(sub, sub === 'delete' ? 'delete the re-verification schedule of an access' : "run the schedule's check now"), rest, async ({ args, out, connect }) => {
        const client = await connect(connectOptions(args));
        const id = args['instance-id'];
        const r = sub === 'delete' ? await client.deleteSchedule(id) : await client.triggerSchedule(id);
        out.result({ ok: true, action: sub, scheduleId: r.scheduleId, instanceId: id }, `schedule ${r.scheduleId}: ${sub === 'delete' ? 'deleted' : 'triggered'}`);
        return ExitCode.Ok;
      });
    default: {
      const out = new Output('schedule', rest.includes('--json'));
      return out.error(
        new CrossVpcError('InvalidInput', `unknown schedule action "${sub}"`, { field: 'action', apiCode: 'ERR_UNKNOWN_SUBCOMMAND', hint: `use one of ${SUBCOMMANDS.join(', ')}` }),
        usage(),
      );
    }
  }
}
