/**
 * Bad input is refused before anything is created, on every road in: the `crossvpc` command (a real
 * process), the typed client (src/client) and a raw start of the workflow types (the SDK client and the
 * `temporal` CLI). Each bad input → exit 2 / `InvalidInput` naming the field; the sandbox's own call log
 * (admin API) shows no create or modify call, and no access run was started by the CLI or the client.
 *
 * The requests aim at the sandbox's real instance and client network, and a worker polls the task queue
 * the commands use: an input that slipped through would really provision (the last test shows that a valid
 * request does create, so the call-log check can fail).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { CrossVpcClient, CrossVpcError } from '../../src/client/index.js';
import { findTemporalCli } from '../../src/devtools/tool-paths.js';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { createCrossVpcWorkers } from '../../worker/worker.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';
import { admin, defaultRequest, eventually, resetSandbox, type Suite } from '../workflow/support.js';
import { cli, startCliSuite, type CliResult } from './support.js';

const run = promisify(execFile);

/** Every call the sandbox answered since the last clear, and those that create or change something. */
async function calls(suite: Suite): Promise<{ all: CallRecord[]; writes: CallRecord[] }> {
  const r = await admin<{ calls: CallRecord[] }>(suite, 'GET', '/admin/calls?limit=5000');
  return { all: r.calls, writes: r.calls.filter((c) => c.method !== 'GET' && c.method !== 'HEAD') };
}

/** Runs `items` through `fn`, `width` at a time (CLI processes on a 2-core machine). */
async function inBatches<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

describe('bad input is refused before anything is created', () => {
  let suite: Suite;
  let taskQueue: string;
  let stopWorkers: () => void;
  let workersDone: Promise<unknown>;
  let ids: { instanceId: string; clientVpcId: string; clientSubnetId: string; clientSubnetCidr: string };
  const tried = { cli: 0, client: 0, raw: 0 };

  beforeAll(async () => {
    suite = await startCliSuite({ kafka: false });
    await resetSandbox(suite);
    taskQueue = uniqueTaskQueue('bad-input');
    const workers = await createCrossVpcWorkers({
      connection: suite.env.nativeConnection,
      taskQueue,
      activityDeps: { clients: suite.clients, serviceInUseRetryMs: 300 },
      workflowBundle: { code: suite.bundle.code },
      shutdownGraceTime: '2s',
    });
    workersDone = workers.runUntil(() => new Promise<void>((resolve) => (stopWorkers = resolve)));
    const r = defaultRequest(suite);
    ids = { instanceId: r.instanceId, clientVpcId: r.clientVpcId, clientSubnetId: r.clientSubnetId, clientSubnetCidr: r.clientSubnetCidr ?? '' };
    await admin(suite, 'DELETE', '/admin/calls');
  });
  afterAll(async () => {
    stopWorkers?.();
    await workersDone;
    await suite?.stop();
    process.stdout.write(`bad inputs refused: ${tried.cli} through the CLI, ${tried.client} through the typed client, ${tried.raw} by raw workflow start\n`);
  });

  it('the CLI: exit 2, exactly one JSON line on stdout naming the field, nothing on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossvpc-bad-'));
    const file = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const base = ['--instance-id', ids.instanceId, '--client-vpc-id', ids.clientVpcId, '--client-subnet-id', ids.clientSubnetId];
    const good = `instanceId: ${ids.instanceId}\nclientVpcId: ${ids.clientVpcId}\nclientSubnetId: ${ids.clientSubnetId}\n`;
    const p = (...extra: string[]): string[] => ['provision', ...base, ...extra, '--wait'];
    // [argv, field named, extra env]
    const cases: [string[], string, Record<string, string>?][] = [
      [p('--client-subnet-cidr', '300.1.1.1/24'), '--client-subnet-cidr'],
      [p('--client-subnet-cidr', '10.0.0.0/33'), '--client-subnet-cidr'],
      [p('--client-subnet-cidr', '999.0.0.0/8'), '--client-subnet-cidr'],
      [p('--client-subnet-cidr', '127.0.2.7/24'), '--client-subnet-cidr'],
      [p('--client-subnet-cidr', '0.0.0.0/0'), '--client-subnet-cidr'],
      [p('--client-subnet-cidr', ''), '--client-subnet-cidr'],
      [p('--task-queue', ''), '--task-queue'],
      [['provision', '--instance-id', '', '--client-vpc-id', ids.clientVpcId, '--client-subnet-id', ids.clientSubnetId, '--wait'], '--instance-id'],
      [['provision', '--instance-id', 'has spaces', '--client-vpc-id', ids.clientVpcId, '--client-subnet-id', ids.clientSubnetId, '--wait'], '--instance-id'],
      [['provision', '--instance-id', 'x'.repeat(44), '--client-vpc-id', ids.clientVpcId, '--client-subnet-id', ids.clientSubnetId, '--wait'], '--instance-id'],
      [['provision', '--instance-id', ids.instanceId, '--client-vpc-id', '', '--client-subnet-id', ids.clientSubnetId, '--wait'], '--client-vpc-id'],
      [['provision', '--instance-id', ids.instanceId, '--client-vpc-id', ids.clientVpcId, '--client-subnet-id', 'sub/net', '--wait'], '--client-subnet-id'],
      [['provision', '--instance-id', ids.instanceId, '--client-vpc-id', ids.clientVpcId, '--wait'], '--client-subnet-id'],
      [p('--client-domain-id', 'not-an-account!'), '--client-domain-id'],
      [p('--client-domain-id', 'abc123', '--client-credentials', 'p@ss w0rd'), '--client-credentials'],
      [p('--instance-credentials', '9lives'), '--instance-credentials'],
      [p('--protocol', 'TLS'), '--protocol'],
      [p('--protocol', 'SASL_SSL'), '--mechanism'],
      [p('--protocol', 'SASL_SSL', '--mechanism', 'GSSAPI', '--secret-ref', 'kafka'), '--mechanism'],
      [p('--protocol', 'SASL_SSL', '--mechanism', 'PLAIN', '--secret-ref', 'my password'), '--secret-ref'],
      [p('--topic', 'no spaces allowed'), '--topic'],
      [['provision', ...base, '--wait=yes'], '--wait'],
      [['provision', ...base, 'now'], '(arguments)'],
      [['provision', ...base, '--bogus'], '--bogus'],
      [['provision', ...base, '--wait', '--no-wait'], '--wait'],
      [['provision', ...base, '--instance-id', 'other-instance', '--wait'], '--instance-id'],
      [['provision', '--input', join(dir, 'missing.yaml'), '--wait'], '--input'],
      [['provision', '--input', file('broken.yaml', `${good}verify: [\n`), '--wait'], '--input'],
      [['provision', '--input', file('list.yaml', '- a\n- b\n'), '--wait'], '--input'],
      [['provision', '--input', file('cidr.yaml', `${good}clientSubnetCidr: 300.1.1.1/24\n`), '--wait'], 'clientSubnetCidr'],
      [['provision', '--input', file('timeouts.yaml', `${good}timeouts:\n  deadlineMs: 5\n`), '--wait'], 'timeouts.deadlineMs'],
      [['provision', '--input', file('unknown.json', JSON.stringify({ instanceId: ids.instanceId, clientVpcId: ids.clientVpcId, clientSubnetId: ids.clientSubnetId, instanceID: 'typo' })), '--wait'], 'instanceID'],
      [['provision', '--input', file('flag-overrides.yaml', good), '--client-subnet-cidr', '10.0.0.0/33', '--wait'], '--client-subnet-cidr'],
      [p('--address', ''), '--address'],
      [p(), 'TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: 'not an address' }],
      [p(), 'TEMPORAL_NAMESPACE', { TEMPORAL_NAMESPACE: 'bad namespace!' }],
      [['teardown', '--instance-id', 'bad id!'], '--instance-id'],
      [['teardown', '--instance-id', ids.instanceId, '--wait', '--detach'], '--wait'],
      [['verify', '--instance-id', ids.instanceId, '--protocol', 'TLS'], '--protocol'],
      [['cancel', '--instance-id', ids.instanceId, '--wait=true'], '--wait'],
      [['status', '--instance-id', ids.instanceId, 'extra'], '(arguments)'],
      [['schedule', 'create', '--instance-id', ids.instanceId, '--every', '5x'], '--every'],
      [['setup', '--retention', '1w', '--create-namespace'], '--retention'],
    ];
    const results = await inBatches(cases, 4, ([argv, , env]) => cli([...argv, '--json'], taskQueue, env ?? {}));
    for (const [i, [argv, field]] of cases.entries()) {
      const r = results[i] as CliResult;
      const what = `crossvpc ${argv.join(' ')}`;
      expect(r.code, `${what}\n${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr, what).toBe('');
      expect(r.stdout.trimEnd().split('\n'), what).toHaveLength(1);
      const error = r.last.error as { code: string; field?: string; hint?: string; message: string };
      expect(r.last.ok, what).toBe(false);
      expect(['InvalidInput', 'ConfigError'], what).toContain(error.code);
      expect(error.field?.split(','), `${what}: ${error.message}`).toContain(field);
      expect(error.hint, what).toBeTruthy();
      if (argv[0] === 'provision') expect(r.last, what).toMatchObject({ status: 'failed', bootstrapServers: null, ports: [], error: { type: error.code } });
    }
    tried.cli = cases.length;

    // The CIDR refusal in text mode: stderr names the flag and the input field, stdout stays empty.
    const text = await cli(p('--client-subnet-cidr', '300.1.1.1/24'), taskQueue);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('--client-subnet-cidr (clientSubnetCidr)');
    expect(text.stderr).toContain('octet 300 of 300.1.1.1 is greater than 255');

    const cidr = results[0] as CliResult;
    expect(cidr.last.error).toMatchObject({ fields: ['clientSubnetCidr'] });

    // Nothing started, nothing called that writes.
    const started = await suite.env.client.workflow.getHandle(`crossvpc-${ids.instanceId}`).describe().catch((e: unknown) => e);
    expect((started as Error).name).toBe('WorkflowNotFoundError');
    expect((await calls(suite)).writes).toEqual([]);
  }, 600_000); // 44 processes, 4 at a time, on a 2-core machine shared with other test files

  it('the typed client: InvalidInput naming the field, before anything is sent', async () => {
    const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue });
    const req = { ...ids, verify: { enabled: false } };
    const cases: [() => Promise<unknown>, string][] = [
      [() => cv.startAccess({ ...req, clientSubnetCidr: '300.1.1.1/24' }), 'clientSubnetCidr'],
      [() => cv.startAccess({ ...req, clientSubnetCidr: '10.0.0.0/33' }), 'clientSubnetCidr'],
      [() => cv.startAccess({ ...req, clientSubnetCidr: '999.0.0.0/8' }), 'clientSubnetCidr'],
      [() => cv.startAccess({ ...req, clientSubnetCidr: '10.0.1.5/24' }), 'clientSubnetCidr'],
      [() => cv.startAccess({ ...req, instanceId: '' }), 'instanceId'],
      [() => cv.startAccess({ ...req, instanceId: 'no spaces please' }), 'instanceId'],
      [() => cv.startAccess({ instanceId: ids.instanceId, clientSubnetId: ids.clientSubnetId } as never), 'clientVpcId'],
      [() => cv.startAccess({ ...req, clientSubnetId: 42 } as never), 'clientSubnetId'],
      [() => cv.startAccess({ ...req, verify: { protocol: 'TLS' } } as never), 'verify.protocol'],
      [() => cv.startAccess({ ...req, verify: { protocol: 'SASL_SSL', secretRef: 'kafka' } }), 'verify.mechanism'],
      [() => cv.startAccess({ ...req, timeouts: { deadlineMs: 5 } }), 'timeouts.deadlineMs'],
      [() => cv.startAccess({ ...req, instanceID: 'typo' } as never), 'instanceID'],
      [() => cv.startAccess({ ...req, clientCredentials: 'secret value' }), 'clientCredentials'],
      [() => cv.startAccess(null as never), '(input)'],
      [() => cv.startAccess(req, { taskQueue: '' }), 'taskQueue'],
      [() => cv.teardown({ instanceId: 'bad id!' }), 'instanceId'],
      [() => cv.verify({ instanceId: '' }), 'instanceId'],
      [() => cv.verify({ instanceId: ids.instanceId, verify: { topic: 'no spaces' } }), 'verify.topic'],
      [() => cv.scheduleReverification({ every: '1 fortnight', reverify: { instanceId: ids.instanceId } }), 'every'],
      [() => cv.getProgress('no spaces!'), 'instanceId'],
      [() => cv.setup({ retentionMs: 5 }), 'retentionMs'],
      [() => CrossVpcClient.connect({ address: inject('temporalAddress'), taskQueue: '', env: {} }), 'taskQueue'],
    ];
    for (const [i, [call, field]] of cases.entries()) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `case ${i} (${field})`).toBeInstanceOf(CrossVpcError);
      expect(err, `case ${i}`).toMatchObject({ code: 'InvalidInput' });
      expect((err as CrossVpcError).field?.split(','), `case ${i}: ${(err as Error).message}`).toContain(field);
    }
    tried.client = cases.length;
    const started = await suite.env.client.workflow.getHandle(`crossvpc-${ids.instanceId}`).describe().catch((e: unknown) => e);
    expect((started as Error).name).toBe('WorkflowNotFoundError');
    expect((await calls(suite)).writes).toEqual([]);
  });

  it('a raw start of the workflow types (SDK client and the temporal CLI): the run fails InvalidInput naming the field, calling nothing', async () => {
    const req = { ...ids, verify: { enabled: false } };
    const cases: [string, unknown[], string][] = [
      ['provisionCrossVpcAccess', [{ ...req, clientSubnetCidr: '300.1.1.1/24' }], 'clientSubnetCidr'],
      ['provisionCrossVpcAccess', [{ ...req, clientSubnetCidr: '10.0.0.0/33' }], 'clientSubnetCidr'],
      ['provisionCrossVpcAccess', [{ ...req, clientSubnetCidr: '999.0.0.0/8' }], 'clientSubnetCidr'],
      ['provisionCrossVpcAccess', [{ ...req, instanceId: '' }], 'instanceId'],
      ['provisionCrossVpcAccess', [{ instanceId: ids.instanceId, clientVpcId: ids.clientVpcId }], 'clientSubnetId'],
      ['provisionCrossVpcAccess', [{ ...req, verify: { topic: 'not a topic!' } }], 'verify.topic'],
      ['provisionCrossVpcAccess', [{ ...req, surprise: true }], 'surprise'],
      ['provisionCrossVpcAccess', [], '(input)'],
      ['provisionCrossVpcAccess', ['just a string'], '(input)'],
      ['teardownCrossVpcAccess', [{ instanceId: '' }], 'instanceId'],
      ['reverifyCrossVpcAccess', [{ instanceId: 'bad id!' }], 'instanceId'],
    ];
    const stamp = Date.now().toString(36);
    const failures = await Promise.all(
      cases.map(async ([type, args], i) => {
        const handle = await suite.env.client.workflow.start(type, { taskQueue, workflowId: `bad-input-${stamp}-${i}`, args });
        return handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
      }),
    );
    // Through the `temporal` CLI, as an operator would.
    const temporal = findTemporalCli();
    const viaCli: [string, string][] = [
      [JSON.stringify({ ...req, clientSubnetCidr: '999.0.0.0/8' }), 'clientSubnetCidr'],
      [JSON.stringify({ ...req, clientSubnetCidr: '10.0.0.0/33' }), 'clientSubnetCidr'],
    ];
    for (const [i, [input, field]] of viaCli.entries()) {
      const workflowId = `bad-input-${stamp}-cli-${i}`;
      await run(temporal, ['workflow', 'start', '--address', inject('temporalAddress'), '--namespace', 'default', '--type', 'provisionCrossVpcAccess', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', input]);
      failures.push(
        await suite.env.client.workflow
          .getHandle(workflowId)
          .result()
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      );
      cases.push(['provisionCrossVpcAccess (temporal workflow start)', [input], field]);
    }
    for (const [i, [type, , field]] of cases.entries()) {
      const err = failures[i];
      expect(err, `${type} case ${i}`).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause, `${type} case ${i}`).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('InvalidInput');
      expect((cause as ApplicationFailure).message, `${type} case ${i}`).toContain(field);
      expect(((cause as ApplicationFailure).details?.[0] as { fields?: string[] } | undefined)?.fields, `${type} case ${i}`).toContain(field);
    }
    tried.raw = cases.length;
    const log = await calls(suite);
    expect(log.writes).toEqual([]);
    expect(log.all).toEqual([]);
  });

  it('control: a valid request through the same CLI does create (the call-log check can fail)', async () => {
    await admin(suite, 'DELETE', '/admin/calls');
    const r = await cli(['provision', '--instance-id', ids.instanceId, '--client-vpc-id', ids.clientVpcId, '--client-subnet-id', ids.clientSubnetId, '--client-subnet-cidr', ids.clientSubnetCidr, '--json'], taskQueue);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.last).toMatchObject({ ok: true, status: 'started', joined: false });
    await eventually(async () => (await calls(suite)).writes.some((c) => c.operation === 'vpcep.createEndpointService'), 60_000, 'an endpoint service created');
    const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue });
    await cv.cancel(ids.instanceId, { wait: true });
  });
});
