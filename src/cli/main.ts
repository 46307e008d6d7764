/**
 * `crossvpc` entry point: dispatches to one module per command under ./commands/.
 * Each command module exports `run(argv: string[]): Promise<number>` (the exit code) and `summary`.
 */
import { ExitCode } from './exit-codes.js';

export interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<CommandModule>> = {
  sandbox: () => import('./commands/sandbox.js'),
  worker: () => import('./commands/worker.js'),
  provision: () => import('./commands/provision.js'),
  plan: () => import('./commands/plan.js'),
  config: () => import('./commands/config.js'),
  status: () => import('./commands/status.js'),
  list: () => import('./commands/list.js'),
  history: () => import('./commands/history.js'),
  watch: () => import('./commands/watch.js'),
  approve: () => import('./commands/approve.js'),
  cancel: () => import('./commands/cancel.js'),
  teardown: () => import('./commands/teardown.js'),
  'remove-client': () => import('./commands/remove-client.js'),
  verify: () => import('./commands/verify.js'),
  schedule: () => import('./commands/schedule.js'),
  setup: () => import('./commands/setup.js'),
  dev: () => import('./commands/dev.js'),
};

function usage(): string {
  return [
    'usage: crossvpc <command> [options]   (crossvpc <command> --help for its options)',
    '',
    'commands:',
    ...Object.keys(commands).map((name) => `  ${name}`),
    '',
    'exit codes: 0 success, 1 operation failed, 2 bad usage or configuration, 3 rolled back',
    '            4 not found, 5 not possible in the current state, 6 unhealthy (verify); docs/cli.md',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? ExitCode.Ok : ExitCode.Usage;
  }
  const load = commands[name];
  if (!load) {
    const message = name.startsWith('-') ? `expected a command before ${name}` : `unknown command "${name}"`;
    if (argv.includes('--json')) {
      // Same line as every command's errors (src/cli/output.ts errorLine), without loading the client.
      const error = { code: 'InvalidInput', message, field: '(command)', apiCode: 'ERR_UNKNOWN_COMMAND', hint: `use one of ${Object.keys(commands).join(', ')}` };
      process.stdout.write(`${JSON.stringify({ ok: false, error })}\n`);
    } else {
      process.stderr.write(`crossvpc: ${message}\n${usage()}\n`);
    }
    return ExitCode.Usage;
  }
  const mod = await load();
  return mod.run(rest);
}
