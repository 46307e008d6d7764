/**
 * `crossvpc` commands run as processes against the real dev server and a sandbox WITHOUT Kafka (data-path
 * checks disabled): usage errors, unknown instance, status/watch, approve/cancel, verify, teardown and the
 * re-verification schedule. The worker runs in this test process.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrossVpcClient } from '../../src/client/index.js';
import { defaultRequest, eventually, resetSandbox, resources, withWorkers, type Suite } from '../workflow/support.js';
import { cli, startCliSuite } from './support.js';

const NO_VERIFY = { enabled: false };

describe('crossvpc CLI (control plane, no Kafka)', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startCliSuite({ kafka: false });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  it('bad flags → exit 2 naming the flag; --help lists flags and env vars', async () => {
    const unknown = await cli(['status', '--instance-id', 'x', '--bogus', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.last).toMatchObject({ ok: false, error: { code: 'InvalidInput', field: '--bogus', apiCode: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' } });
    expect(String((unknown.last.error as { hint: string }).hint)).toContain('--help');

    const missing = await cli(['watch']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--instance-id is required');
    expect(missing.stderr).toContain('field --instance-id');
    expect(missing.stderr).toContain('what to do:');

    const every = await cli(['schedule', 'create', '--instance-id', 'x', '--every', '5x', '--json']);
    expect(every.code).toBe(2);
    expect(every.last).toMatchObject({ ok: false, error: { field: '--every' } });

    const badId = await cli(['verify', '--instance-id', 'no spaces!', '--json']);
    expect(badId.code).toBe(2);
    expect(badId.last).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
    expect(String((badId.last.error as { field: string }).field)).toContain('--instance-id');

    const badEnv = await cli(['status', '--instance-id', 'x', '--json'], undefined, { TEMPORAL_ADDRESS: 'not an address' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.last).toMatchObject({ ok: false, error: { code: 'ConfigError', field: 'TEMPORAL_ADDRESS' } });

    const sub = await cli(['schedule', 'explode']);
    expect(sub.code).toBe(2);

    const unknownCommand = await cli(['frobnicate']);
    expect(unknownCommand.code).toBe(2);

    const cmds = [['status'], ['watch'], ['approve'], ['cancel'], ['teardown'], ['verify'], ['schedule', 'create'], ['schedule', 'list'], ['provision']];
    const helps = await Promise.all(cmds.map((cmd) => cli([...cmd, '--help'])));
    for (const [i, cmd] of cmds.entries()) {
      const help = helps[i] ?? (await cli([...cmd, '--help']));
      expect(help.code, cmd.join(' ')).toBe(0);
      expect(help.stdout, cmd.join(' ')).toContain('TEMPORAL_ADDRESS');
      expect(help.stdout, cmd.join(' ')).toContain('--json');
      expect(help.stdout, cmd.join(' ')).toContain('exit codes');
    }
  });

  it('worker, dev, sandbox, config, provision: shared --help format, usage errors name the flag', async () => {
    const flags: Record<string, string[]> = {
      worker: ['--only', '--task-queue', '--rate', 'TEMPORAL_TASK_QUEUE', 'OTC_*'],
      dev: ['--keep', '--json', '--ui-port', '--temporal-port', '--fresh', '--cross-account', '--no-kafka'],
      sandbox: ['--scenario', '--port', '--no-kafka', '--address-prefix', '--seed', '--clouds-yaml'],
      config: ['config show', '--json', '--discover', 'OS_CLOUD'],
      provision: ['--instance-id', '--wait', '--json', 'TEMPORAL_ADDRESS'],
    };
    const cmds = Object.keys(flags);
    const helps = await Promise.all(cmds.map((cmd) => cli([cmd, '--help'])));
    for (const [i, cmd] of cmds.entries()) {
      const help = helps[i];
      expect(help?.code, cmd).toBe(0);
      for (const f of [...(flags[cmd] ?? []), '--help', 'environment:', 'exit codes']) expect(help?.stdout, cmd).toContain(f);
    }

    const [bogus, rate, cache, port, sub, json] = await Promise.all([
      cli(['worker', '--bogus']),
      cli(['worker', '--rate', 'fast']),
      cli(['worker', '--max-cached-workflows', '1']),
      cli(['sandbox', '--port', '70000']),
      cli(['config', 'list']),
      cli(['provision', '--instance-id', 'x', '--json']),
    ]);
    expect(bogus.code).toBe(2);
    expect(bogus.stdout).toBe('');
    expect(bogus.stderr).toContain('field --bogus');
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--rate must be a number');
    expect(cache.code).toBe(2);
    expect(cache.stderr).toContain('--max-cached-workflows must be between 2 and 100000');
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be an integer 1..65530, got 70000');
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('expected the subcommand "show"');
    expect(json.code).toBe(2);
    // provision's documented error shape, plus the fields every command's JSON error has (ok, code, field, hint).
    expect(json.last).toMatchObject({ status: 'failed', bootstrapServers: null, ports: [], error: { type: 'InvalidInput', message: '--client-vpc-id is required; --client-subnet-id is required' } });
    expect(json.last).toMatchObject({ ok: false, error: { code: 'InvalidInput', field: '--client-vpc-id,--client-subnet-id', apiCode: 'ERR_INVALID_FLAG' } });
  });

  it('unknown instance → exit 4 with a clear error', async () => {
    const id = `nope${Date.now().toString(36)}`;
    for (const cmd of ['status', 'watch', 'approve', 'cancel']) {
      const r = await cli([cmd, '--instance-id', id, '--json']);
      expect(r.code, cmd).toBe(4);
      expect(r.last, cmd).toMatchObject({ ok: false, error: { code: 'NotFound', field: 'instanceId', apiCode: 'NOT_FOUND' } });
      expect(String((r.last.error as { message: string }).message)).toContain(`crossvpc-${id}`);
    }
    const text = await cli(['status', '--instance-id', id]);
    expect(text.code).toBe(4);
    expect(text.stderr).toContain(`access crossvpc-${id} not found`);
    expect(text.stderr).toContain('what to do: check the instance id');
    const schedule = await cli(['schedule', 'pause', '--instance-id', id, '--json']);
    expect(schedule.code).toBe(4);
  });

  it('status and watch (plain lines) follow an access; approve on a closed run → exit 5', async () => {
    await withWorkers(suite, async (tq) => {
      const req = defaultRequest(suite, { verify: NO_VERIFY });
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      await cv.startAccess(req);
      const watch = await cli(['watch', '--instance-id', req.instanceId, '--interval-ms', '200'], tq);
      // Unverified (verification disabled) is not success: exit 1.
      expect(watch.code, watch.stderr).toBe(1);
      const lines = watch.stdout.split('\n');
      expect(lines.some((l) => l.startsWith(`access ${req.instanceId}: provisioning-endpoints`))).toBe(true);
      expect(lines.filter((l) => /^port \S+ \S+ ready .*endpoint .* ip /.test(l)).length).toBeGreaterThanOrEqual(3);
      expect(lines.some((l) => l.startsWith(`access ${req.instanceId}: unverified`))).toBe(true);
      expect(watch.stdout).not.toContain('\u001b['); // not a TTY: no escape sequences

      const status = await cli(['status', '--instance-id', req.instanceId, '--json'], tq);
      expect(status.code).toBe(1);
      expect(status.last).toMatchObject({ ok: true, instanceId: req.instanceId, workflowId: `crossvpc-${req.instanceId}`, workflowStatus: 'COMPLETED', phase: 'unverified', awaitingApproval: false });
      const ports = status.last.ports as { status: string; endpointIp: string }[];
      expect(ports).toHaveLength(3);
      for (const p of ports) expect(p.status).toBe('ready');

      const approve = await cli(['approve', '--instance-id', req.instanceId, '--json'], tq);
      expect(approve.code).toBe(5);
      expect(approve.last).toMatchObject({ ok: false, error: { code: 'NotRunning' } });

      const watchJson = await cli(['watch', '--instance-id', req.instanceId, '--json'], tq);
      expect(watchJson.json[0]).toMatchObject({ type: 'progress', phase: 'unverified' });
      expect(watchJson.last).toMatchObject({ type: 'outcome', status: 'failed', error: { type: 'Unverified' } });
    });
  });

  it('cancel at the approval gate → rolled back (exit 0), then status exits 3', async () => {
    await withWorkers(suite, async (tq) => {
      const req = defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true });
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      await cv.startAccess(req);
      await eventually(async () => (await cv.getProgress(req.instanceId).catch(() => undefined))?.awaitingApproval, 60_000, 'approval gate');

      const waiting = await cli(['status', '--instance-id', req.instanceId, '--json'], tq);
      expect(waiting.code).toBe(0);
      expect(waiting.last).toMatchObject({ workflowStatus: 'RUNNING', phase: 'awaiting-approval', awaitingApproval: true });
      // The gate shows the switch it waits for: per port id, listener IP → that port's endpoint IP.
      const endpointIpOfPort = Object.fromEntries((await resources(suite)).endpoints.map((e) => [e.tags?.find((t) => t.key === 'crossvpc-port')?.value, e.ip]));
      const change = waiting.last.advertisedChange as { listenerIp: string; portId: string; before: string; after: string }[];
      expect(change).toHaveLength(3);
      for (const c of change) expect(c).toEqual({ listenerIp: c.listenerIp, portId: c.portId, before: c.listenerIp, after: endpointIpOfPort[c.portId] });
      const text = await cli(['status', '--instance-id', req.instanceId], tq);
      for (const c of change) expect(text.stdout).toContain(`advertised ${c.listenerIp} (port ${c.portId}): ${c.listenerIp} → ${c.after}`);

      const cancel = await cli(['cancel', '--instance-id', req.instanceId, '--wait', '--json'], tq);
      expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
      expect(cancel.last).toMatchObject({ ok: true, status: 'rolled_back', instanceId: req.instanceId, outcome: { status: 'rolled_back' } });

      const after = await cli(['status', '--instance-id', req.instanceId, '--json'], tq);
      expect(after.code).toBe(3);
      expect(after.last).toMatchObject({ phase: 'rolled_back', outcome: { status: 'rolled_back' } });
      const r = await resources(suite);
      expect(r.endpoints).toEqual([]);
      expect(r.services).toEqual([]);

      const again = await cli(['cancel', '--instance-id', req.instanceId, '--json'], tq);
      expect(again.code).toBe(5);
      expect(again.last).toMatchObject({ ok: false, error: { code: 'NotRunning' } });
    });
  });

  it('plan (text and --json): what provision would do, nothing created; a wrong subnet → exit 2 naming the field', async () => {
    await withWorkers(suite, async (tq) => {
      const req = defaultRequest(suite);
      const flags = ['--instance-id', req.instanceId, '--client-vpc-id', req.clientVpcId, '--client-subnet-id', req.clientSubnetId];
      const json = await cli(['plan', ...flags, '--json'], tq);
      expect(json.code, json.stdout + json.stderr).toBe(0);
      const plan = json.last.plan as { ok: boolean; ports: { portId: string; listenerIp: string; service: { action: string }; endpoint: { action: string }; advertised: { before: string; after: string } }[]; securityGroupRule: { action: string } };
      expect(plan.ok).toBe(true);
      expect(plan.ports).toHaveLength(3);
      for (const p of plan.ports) expect(p).toMatchObject({ service: { action: 'create' }, endpoint: { action: 'create' }, advertised: { before: p.listenerIp, after: 'to be assigned' } });
      expect(plan.securityGroupRule.action).toBe('create');

      const text = await cli(['plan', ...flags], tq);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('provisioning can go ahead');
      for (const p of plan.ports) expect(text.stdout).toContain(`advertised IP: ${p.listenerIp} → to be assigned`);

      const wrong = await cli(['plan', ...flags.slice(0, 4), '--client-subnet-id', 'no-such-subnet', '--json'], tq);
      expect(wrong.code).toBe(2);
      expect(wrong.last).toMatchObject({ ok: false, plan: { ok: false, problems: [{ field: 'clientSubnetId' }] } });

      const r = await resources(suite);
      expect(r.services).toEqual([]);
      expect(r.endpoints).toEqual([]);
      expect(r.sgRules9011).toBe(0);
    });
  });

  it('a second provision of a running access with another client VPC → exit 5 InputConflict naming the field; nothing joined', async () => {
    await withWorkers(suite, async (tq) => {
      const req = defaultRequest(suite, { verify: NO_VERIFY, approvalGate: true });
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      await cv.startAccess(req);
      const b = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'B');
      const other = await cli(['provision', '--instance-id', req.instanceId, '--client-vpc-id', b?.vpcId ?? '', '--client-subnet-id', b?.subnetId ?? '', '--no-wait', '--json'], tq);
      expect(other.code, other.stdout + other.stderr).toBe(5);
      expect(other.last).toMatchObject({ ok: false, error: { code: 'InputConflict' } });
      expect(String((other.last.error as { message: string }).message)).toMatch(/clientVpcId/);
      const cancel = await cli(['cancel', '--instance-id', req.instanceId, '--wait', '--json'], tq);
      expect(cancel.last).toMatchObject({ status: 'rolled_back' });
    });
  });

  it('verify --skip-data-path (healthy), schedule create/list/pause/unpause/trigger/delete, teardown', async () => {
    await withWorkers(suite, async (tq) => {
      const req = defaultRequest(suite, { verify: NO_VERIFY });
      const cv = CrossVpcClient.fromClient(suite.env.client, { taskQueue: tq });
      await cv.startAccess(req);
      await cv.waitForOutcome(req.instanceId);
      const id = req.instanceId;

      const verify = await cli(['verify', '--instance-id', id, '--skip-data-path', '--json'], tq);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.last).toMatchObject({ ok: true, instanceId: id, health: 'healthy', drifts: [] });
      expect(typeof verify.last.checkedAt).toBe('string');

      const create = await cli(['schedule', 'create', '--instance-id', id, '--every', '1h', '--skip-data-path', '--json'], tq);
      expect(create.code, create.stdout + create.stderr).toBe(0);
      expect(create.last).toMatchObject({ ok: true, action: 'create', scheduleId: `crossvpc-reverify-${id}`, instanceId: id, every: '1h' });
      // Creating it again updates it.
      const update = await cli(['schedule', 'create', '--instance-id', id, '--every', '2h', '--skip-data-path', '--json'], tq);
      expect(update.code).toBe(0);

      const listed = await eventually(
        async () => {
          const l = await cli(['schedule', 'list', '--json'], tq);
          return (l.last.schedules as { scheduleId: string; paused: boolean }[] | undefined)?.find((s) => s.scheduleId === `crossvpc-reverify-${id}`);
        },
        30_000,
        'schedule listed',
      );
      expect(listed).toMatchObject({ instanceId: id, paused: false });

      const pause = await cli(['schedule', 'pause', '--instance-id', id, '--note', 'maintenance', '--json'], tq);
      expect(pause.code).toBe(0);
      expect(pause.last).toMatchObject({ ok: true, action: 'pause', paused: true });
      const desc1 = await suite.env.client.schedule.getHandle(`crossvpc-reverify-${id}`).describe();
      expect(desc1.state.paused).toBe(true);

      const unpause = await cli(['schedule', 'unpause', '--instance-id', id, '--json'], tq);
      expect(unpause.code).toBe(0);
      expect(unpause.last).toMatchObject({ ok: true, action: 'unpause', paused: false });
      expect((await suite.env.client.schedule.getHandle(`crossvpc-reverify-${id}`).describe()).state.paused).toBe(false);

      const trigger = await cli(['schedule', 'trigger', '--instance-id', id, '--json'], tq);
      expect(trigger.code).toBe(0);
      await eventually(async () => ((await suite.env.client.schedule.getHandle(`crossvpc-reverify-${id}`).describe()).info.recentActions.length > 0 ? true : undefined), 30_000, 'triggered run');

      const del = await cli(['schedule', 'delete', '--instance-id', id, '--json'], tq);
      expect(del.code).toBe(0);
      expect(del.last).toMatchObject({ ok: true, action: 'delete', scheduleId: `crossvpc-reverify-${id}` });
      const gone = await cli(['schedule', 'delete', '--instance-id', id, '--json'], tq);
      expect(gone.code).toBe(4);

      const teardown = await cli(['teardown', '--instance-id', id, '--json'], tq);
      expect(teardown.code, teardown.stdout + teardown.stderr).toBe(0);
      expect(teardown.last).toMatchObject({ ok: true, status: 'completed', instanceId: id, workflowId: `crossvpc-teardown-${id}`, alreadyClean: false });
      const removed = teardown.last.removed as { endpoints: string[]; services: string[] };
      expect(removed.endpoints).toHaveLength(3);
      expect(removed.services).toHaveLength(3);
      const r = await resources(suite);
      expect(r.endpoints).toEqual([]);
      expect(r.services).toEqual([]);
      expect(r.sgRules9011).toBe(0);
      for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised).toBe(listener);

      const again = await cli(['teardown', '--instance-id', id, '--json'], tq);
      expect(again.code).toBe(0);
      expect(again.last).toMatchObject({ ok: true, alreadyClean: true });
    });
  });
});
