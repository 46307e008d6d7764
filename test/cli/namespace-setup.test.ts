/**
 * A Temporal server of one's own, as the README's "Using it against Open Telekom Cloud" has it: a fresh
 * dev server started WITHOUT kafka-crossvpc's search attributes (unlike the suite's). `crossvpc setup` and
 * the worker make a namespace ready; where they may not (a gRPC gate refusing the operator API, as a
 * server with an authorizer does) and where the namespace is missing, each says so on ONE line naming the
 * fix — no gRPC stack trace — with exit code 2 (docs/cli.md "Namespace setup").
 *
 * Every check of the outcome reads the server independently (operator/workflow service), never the
 * command's own report only.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type RunningDevServer } from '../../src/temporal/dev-server.js';
import { OPERATOR_SERVICE, REGISTER_NAMESPACE, startGrpcGate, type GrpcGate } from '../support/grpc-gate.js';
import { cli, cliBackground } from './support.js';

const ATTRIBUTES = ['CrossVpcInstanceId', 'CrossVpcPhase', 'CrossVpcHealth'];
const ADD_SEARCH_ATTRIBUTES = '/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes';
/** A worker configuration that loads (nothing contacts the cloud at start). */
const OTC_ENV = { OTC_REGION: 'eu-de', OTC_PROJECT_ID: '0123456789abcdef0123456789abcdef', OTC_AK: 'AKTESTAKTESTAKTEST00', OTC_SK: 'skskskskskskskskskskskskskskskskskskskss' };

/** No stack trace, no SDK error dump: what a user sees must be the one line. */
function expectNoTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('IllegalStateError');
  expect(stderr).not.toContain('ServiceError');
}

describe('namespace setup on a server without the search attributes', () => {
  let server: RunningDevServer;
  let connection: Connection;
  let gate: GrpcGate;
  let n = 0;
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ TEMPORAL_ADDRESS: server.address, ...extra });
  const fresh = (prefix: string): string => `${prefix}-${process.pid}-${(n += 1)}`;
  /** Custom search attributes of `namespace`, read from the server. */
  const registered = async (namespace: string): Promise<string[]> => Object.keys((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {}).sort();
  const createNamespace = async (namespace: string): Promise<void> => {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  };

  beforeAll(async () => {
    server = await startDevServer({});
    connection = await Connection.connect({ address: server.address });
    gate = await startGrpcGate(server.address);
  });
  afterAll(async () => {
    await gate?.close();
    await connection?.close();
    await server?.stop();
  });

  it('provision before setup → one line naming `crossvpc setup` (exit 2); setup registers, idempotently; then provision starts', async () => {
    expect(await registered('default')).toEqual([]);
    const request = ['--instance-id', 'inst-setup-1', '--client-vpc-id', 'vpc-1', '--client-subnet-id', 'subnet-1'];
    const before = await cli(['provision', ...request], undefined, env());
    expect(before.code, before.stderr).toBe(2);
    expect(before.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(before.stderr).toMatch(/^crossvpc provision: namespace default has no search attribute CrossVpc\w+: run `crossvpc setup --namespace default`/);
    expectNoTrace(before.stderr);
    const json = await cli(['provision', ...request, '--json'], undefined, env());
    expect(json.code).toBe(2);
    expect(json.last).toMatchObject({ ok: false, status: 'failed', error: { type: 'SetupRequired', code: 'SetupRequired', field: 'TEMPORAL_NAMESPACE', apiCode: 'INVALID_ARGUMENT' } });

    const check = await cli(['setup', '--check', '--json'], undefined, env());
    expect(check.code).toBe(2);
    expect(check.last).toMatchObject({ ok: false, ready: false, changed: false, searchAttributes: ATTRIBUTES.map((name) => ({ name, type: 'Keyword', status: 'missing' })) });
    expect(await registered('default')).toEqual([]);

    const setup = await cli(['setup', '--json'], undefined, env());
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.last).toMatchObject({ ok: true, ready: true, changed: true, namespace: 'default', namespaceCreated: false, searchAttributes: ATTRIBUTES.map((name) => ({ name, status: 'registered' })) });
    expect(await registered('default')).toEqual([...ATTRIBUTES].sort());
    const again = await cli(['setup'], undefined, env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('ready (nothing to change)');

    const after = await cli(['provision', ...request, '--json'], 'nobody-polls-this', env());
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.last).toMatchObject({ ok: true, status: 'started' });
    await connection.workflowService.terminateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: 'crossvpc-inst-setup-1' }, reason: 'test' });
  });

  it('--create-namespace creates a missing namespace with the retention asked; without it, one line naming the flag', async () => {
    const missing = fresh('team-missing');
    const refused = await cli(['setup', '--namespace', missing], undefined, env());
    expect(refused.code).toBe(2);
    expect(refused.stderr.trimEnd().split('\n')).toEqual([
      `crossvpc setup: namespace ${missing} does not exist: run \`crossvpc setup --create-namespace --namespace ${missing}\` (or ask a Temporal admin to create it), or set TEMPORAL_NAMESPACE to an existing namespace`,
    ]);

    const ns = fresh('team-a');
    const created = await cli(['setup', '--create-namespace', '--retention', '2d', '--namespace', ns, '--json'], undefined, env());
    expect(created.code, created.stderr).toBe(0);
    expect(created.last).toMatchObject({ ok: true, namespace: ns, namespaceCreated: true, retentionMs: 2 * 86_400_000 });
    const d = await connection.workflowService.describeNamespace({ namespace: ns });
    expect(Number(d.config?.workflowExecutionRetentionTtl?.seconds)).toBe(2 * 86_400);
    expect(await registered(ns)).toEqual([...ATTRIBUTES].sort());
    const twice = await cli(['setup', '--create-namespace', '--namespace', ns, '--json'], undefined, env());
    expect(twice.last).toMatchObject({ ok: true, namespaceCreated: false, changed: false });
  });

  it('where the operator API is not permitted: setup, provision and the worker fail with one line naming who must run what', async () => {
    const ns = fresh('locked');
    await createNamespace(ns);
    gate.refuse([{ path: ADD_SEARCH_ATTRIBUTES }, { path: REGISTER_NAMESPACE }]);
    const viaGate = { TEMPORAL_ADDRESS: gate.address };

    const setup = await cli(['setup', '--namespace', ns], undefined, viaGate);
    expect(setup.code).toBe(2);
    const line = setup.stderr.trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(`crossvpc setup: not permitted to register search attributes ${ATTRIBUTES.join(', ')} in namespace ${ns} (PERMISSION_DENIED: Request unauthorized.)`);
    expect(line).toContain(`ask a Temporal admin to run \`crossvpc setup --namespace ${ns}\` or \`temporal operator search-attribute create --namespace ${ns} --name CrossVpcInstanceId --name CrossVpcPhase --name CrossVpcHealth --type Keyword\``);
    expectNoTrace(setup.stderr);
    expect(await registered(ns)).toEqual([]);

    const create = await cli(['setup', '--create-namespace', '--namespace', fresh('locked-new'), '--json'], undefined, viaGate);
    expect(create.code).toBe(2);
    expect(create.last).toMatchObject({ ok: false, error: { code: 'SetupRequired', apiCode: 'PERMISSION_DENIED', hint: expect.stringContaining('ask a Temporal admin to create it') } });

    const provision = await cli(['provision', '--instance-id', 'inst-locked', '--client-vpc-id', 'v', '--client-subnet-id', 's', '--namespace', ns], undefined, viaGate);
    expect(provision.code).toBe(2);
    expect(provision.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(provision.stderr).toContain(`namespace ${ns} has no search attribute`);
    expectNoTrace(provision.stderr);

    const worker = await cli(['worker', '--task-queue', `tq-${ns}`], undefined, { ...viaGate, TEMPORAL_NAMESPACE: ns, ...OTC_ENV });
    expect(worker.code, worker.stderr).toBe(2);
    expect(worker.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^crossvpc worker: not permitted to register search attributes .* in namespace ${ns} \\(PERMISSION_DENIED: Request unauthorized\\.\\): ask a Temporal admin`))]);
    expectNoTrace(worker.stderr);

    // The whole operator API refused (not even a list): the worker cannot check, says so on one line and runs.
    gate.refuse([{ path: OPERATOR_SERVICE }]);
    const blind = cliBackground(['worker', '--task-queue', `tq-blind-${ns}`], undefined, { ...viaGate, TEMPORAL_NAMESPACE: ns, ...OTC_ENV });
    const warning = await blind.stderrLine(/cannot check the search attributes/);
    expect(warning).toBe(`crossvpc worker: cannot check the search attributes of namespace ${ns} (PERMISSION_DENIED): going on as if registered; \`crossvpc setup --check --namespace ${ns}\` by an admin verifies`);
    await blind.stderrLine(/crossvpc worker: main on /);
    blind.stop();
    expect((await blind.done).code).toBe(0);
    gate.refuse([]);
  });

  it('a worker against a namespace that does not exist: one line, exit 2; with --wait-for-namespace it waits, then runs', async () => {
    const missing = fresh('nowhere');
    const worker = await cli(['worker', '--task-queue', `tq-${missing}`], undefined, env({ TEMPORAL_NAMESPACE: missing, ...OTC_ENV }));
    expect(worker.code).toBe(2);
    expect(worker.stdout).toBe('');
    expect(worker.stderr.trimEnd().split('\n')).toEqual([
      `crossvpc worker: namespace ${missing} does not exist: run \`crossvpc setup --create-namespace --namespace ${missing}\` (or ask a Temporal admin to create it), or set TEMPORAL_NAMESPACE to an existing namespace`,
    ]);

    const later = fresh('later');
    const waiting = cliBackground(['worker', '--wait-for-namespace', '--task-queue', `tq-${later}`], undefined, env({ TEMPORAL_NAMESPACE: later, ...OTC_ENV }));
    const said = await waiting.stderrLine(/does not exist/);
    expect(said).toMatch(new RegExp(`^crossvpc worker: namespace ${later} does not exist: .*; waiting for it \\(checking every 5 s\\)$`));
    await createNamespace(later);
    // The worker registers the search attributes itself (the server permits it), then starts.
    expect(await waiting.stderrLine(/registered search attributes/)).toBe(`crossvpc worker: registered search attributes ${ATTRIBUTES.join(', ')} in namespace ${later}`);
    await waiting.stderrLine(new RegExp(`crossvpc worker: main on tq-${later}, verify on tq-${later}-verify \\(namespace ${later}`));
    expect(await registered(later)).toEqual([...ATTRIBUTES].sort());
    waiting.stop();
    const end = await waiting.done;
    expect(end.code, end.stderr).toBe(0);
    expectNoTrace(end.stderr);
    expect(end.stderr.split('\n').filter((l) => l.includes('does not exist'))).toHaveLength(1);
  });
});
