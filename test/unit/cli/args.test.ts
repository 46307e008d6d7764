/**
 * The one flag-parsing idiom (src/cli/args.ts) and the error output (src/cli/output.ts): every parse error
 * is a usage error naming the flag; `--json` is honoured for parse errors too; waiting is one convention.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CrossVpcError } from '../../../src/client/errors.js';
import { COMMON_FLAGS, flag, noWaitConflict, parseCommand, shouldWait, waitFlags, wantsJson, withFlagNames, type CommandSpec } from '../../../src/cli/args.js';
import { exitCodeOfError } from '../../../src/cli/exit-codes.js';
import { errorText, Output } from '../../../src/cli/output.js';
import { provisionErrorJson } from '../../../src/cli/commands/provision.js';

const schema = z
  .object({ 'instance-id': flag.instanceId, 'task-queue': flag.taskQueue, ...flag.wait, detach: flag.bool, json: flag.bool, help: flag.bool })
  .strict()
  .superRefine(noWaitConflict);
const spec = {
  name: 'demo',
  summary: 'a demo command',
  flags: {
    'instance-id': { type: 'string', value: 'ID', description: 'id', required: true },
    'task-queue': { type: 'string', value: 'Q', description: 'queue' },
    ...waitFlags(true, { detachAlias: true }),
    ...COMMON_FLAGS,
  },
  env: {},
  schema,
} as const satisfies CommandSpec<typeof schema>;

function error(argv: string[]) {
  const r = parseCommand(spec, argv);
  if (r.kind !== 'error') throw new Error(`expected an error for ${argv.join(' ')}, got ${r.kind}`);
  return r;
}

describe('parseCommand', () => {
  it.each([
    [['--instance-id', 'x', '--bogus'], '--bogus', 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
    [['--instance-id', 'x', 'stray'], '(arguments)', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
    [['--instance-id', 'x', '--wait=yes'], '--wait', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
    [['--instance-id'], '--instance-id', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
    [['--instance-id', '--json'], '--instance-id', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
    [['-x', '--instance-id', 'x'], '-x', 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
    [[], '--instance-id', 'ERR_INVALID_FLAG'],
    [['--instance-id', ''], '--instance-id', 'ERR_INVALID_FLAG'],
    [['--instance-id', 'x', '--task-queue', ''], '--task-queue', 'ERR_INVALID_FLAG'],
    [['--instance-id', 'x', '--task-queue', '   '], '--task-queue', 'ERR_INVALID_FLAG'],
    [['--instance-id', 'a', '--instance-id', 'b'], '--instance-id', 'ERR_DUPLICATE_FLAG'],
    [['--instance-id', 'x', '--wait', '--no-wait'], '--wait', 'ERR_INVALID_FLAG'],
    [['--instance-id', 'x', '--wait', '--detach'], '--wait', 'ERR_INVALID_FLAG'],
  ])('%j → InvalidInput naming %s', (argv, field, apiCode) => {
    const r = error([...argv, '--json']);
    expect(r.json).toBe(true);
    expect(r.error).toMatchObject({ code: 'InvalidInput', field, apiCode });
    expect(r.error.hint).toBeTruthy();
    expect(exitCodeOfError(r.error.code)).toBe(2);
  });

  it('--json is detected before parsing, only for commands that have it, never after --', () => {
    expect(wantsJson(spec.flags, ['--bogus', '--json'])).toBe(true);
    expect(wantsJson(spec.flags, ['--json=1'])).toBe(true);
    expect(wantsJson(spec.flags, ['--', '--json'])).toBe(false);
    expect(wantsJson({ help: { type: 'boolean', description: '' } }, ['--json'])).toBe(false);
    expect(error(['--bogus']).json).toBe(false);
  });

  it('the same value twice is fine; waiting: --wait / --no-wait / --detach over the default', () => {
    expect(parseCommand(spec, ['--instance-id', 'a', '--instance-id', 'a']).kind).toBe('ok');
    const waits = (argv: string[], dflt: boolean) => {
      const r = parseCommand(spec, ['--instance-id', 'x', ...argv]);
      if (r.kind !== 'ok') throw new Error(r.kind);
      return shouldWait(r.args, dflt);
    };
    expect(waits([], true)).toBe(true);
    expect(waits([], false)).toBe(false);
    expect(waits(['--wait'], false)).toBe(true);
    expect(waits(['--no-wait'], true)).toBe(false);
    expect(waits(['--detach'], true)).toBe(false);
  });
});

describe('errors', () => {
  it('input fields are renamed to the flags that set them, only when a flag did', () => {
    const e = new CrossVpcError('InvalidInput', 'invalid provisioning input: clientSubnetCidr: bad', { field: 'clientSubnetCidr', hint: 'h' });
    const mapped = withFlagNames(e, { clientSubnetCidr: '--client-subnet-cidr' });
    expect(mapped).toMatchObject({ field: '--client-subnet-cidr', message: 'invalid provisioning input: --client-subnet-cidr (clientSubnetCidr): bad' });
    expect(withFlagNames(e, {})).toBe(e);
  });

  it('provision --json errors keep their old shape and add the common fields', () => {
    const original = new CrossVpcError('InvalidInput', 'clientSubnetCidr: bad', { field: 'clientSubnetCidr', hint: 'h' });
    const mapped = withFlagNames(original, { clientSubnetCidr: '--client-subnet-cidr' });
    expect(provisionErrorJson(mapped)).toEqual({
      ok: false,
      status: 'failed',
      bootstrapServers: null,
      ports: [],
      error: { type: 'InvalidInput', code: 'InvalidInput', message: '--client-subnet-cidr (clientSubnetCidr): bad', field: '--client-subnet-cidr', hint: 'fix --client-subnet-cidr and retry', fields: ['clientSubnetCidr'] },
    });
  });

  it('text errors: three lines; SetupRequired is one line that names the fix', () => {
    const e = new CrossVpcError('InvalidInput', 'bad', { field: '--x', apiCode: 'ERR_INVALID_FLAG', hint: 'fix --x' });
    expect(errorText('crossvpc demo', e).split('\n')).toEqual(['crossvpc demo: bad', '  field --x, code InvalidInput (ERR_INVALID_FLAG)', '  what to do: fix --x']);
    const s = new CrossVpcError('SetupRequired', 'namespace ns has no search attribute CrossVpcPhase: run `crossvpc setup --namespace ns`', { field: 'TEMPORAL_NAMESPACE', hint: 'run crossvpc setup' });
    expect(errorText('crossvpc provision', s)).toBe('crossvpc provision: namespace ns has no search attribute CrossVpcPhase: run `crossvpc setup --namespace ns`');
    expect(exitCodeOfError('SetupRequired')).toBe(2);
  });

  it('Output prints one JSON line on stdout with --json, nothing on stderr', () => {
    const chunks: string[] = [];
    const errs: string[] = [];
    const sink = (into: string[]) => ({ write: (c: string) => (into.push(c), true) }) as unknown as NodeJS.WritableStream;
    const code = new Output('demo', true, undefined, sink(chunks), sink(errs)).error(new CrossVpcError('NotFound', 'gone', { field: 'instanceId', apiCode: 'NOT_FOUND', hint: 'h' }));
    expect(code).toBe(4);
    expect(errs).toEqual([]);
    expect(chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual([{ ok: false, error: { code: 'NotFound', message: 'gone', field: 'instanceId', apiCode: 'NOT_FOUND', hint: 'h' } }]);
    const unexpected: string[] = [];
    new Output('demo', true, undefined, sink(unexpected), sink(errs)).error(new CrossVpcError('TemporalError', 'boom', { hint: 'see the server log' }));
    expect(JSON.parse(unexpected.join(''))).toEqual({ ok: false, error: { code: 'TemporalError', message: 'boom', field: null, hint: 'see the server log' } });
  });
});
