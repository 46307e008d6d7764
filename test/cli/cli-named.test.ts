/**
 * `crossvpc` for a named access, run as processes against the real dev server and one sandbox WITHOUT Kafka
 * (verification off): provision --access-mode named, status / watch / cancel of a client VPC's run
 * (`--client-vpc-id`), remove-client and its status / watch (`--removal`), verify --client-vpc-id. JSON outputs
 * and exit codes as docs/cli.md says; judged also by the sandbox's own state.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { admin, eventually, namedRequest, resetSandbox, withWorkers, type Suite } from '../workflow/support.js';
import { cli, startCliSuite } from './support.js';

interface Dump {
  accounts: { projects: { endpoints: { vpcId: string; status: string }[]; dnsZones: { id: string; routers: { router_id: string }[] }[] }[] }[];
}

describe('crossvpc CLI, named access (control plane, no Kafka)', () => {
  let suite: Suite;
  let dir: string;
  beforeAll(async () => {
    suite = await startCliSuite({ kafka: false });
    dir = mkdtempSync(join(tmpdir(), 'crossvpc-cli-named-'));
  });
  afterAll(async () => {
    await suite?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  /** The request file of VPC A without its access mode (the flag gives it), verification off. */
  function requestFile(extra: Record<string, unknown> = {}): { file: string; instanceId: string; vpcId: string } {
    const { access: _mode, ...req } = namedRequest(suite, 'A', 0, { verify: { enabled: false }, ...extra });
    const file = join(dir, `request-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(req));
    return { file, instanceId: req.instanceId, vpcId: req.clientVpcId };
  }
  const state = () => admin<Dump>(suite, 'GET', '/admin/state');
  const projects = (d: Dump) => d.accounts.flatMap((a) => a.projects);
  const zonesOn = (d: Dump, vpcId: string) => projects(d).flatMap((p) => p.dnsZones).filter((z) => z.routers.some((r) => r.router_id === vpcId));
  const endpointsIn = (d: Dump, vpcId: string) => projects(d).flatMap((p) => p.endpoints).filter((e) => e.vpcId === vpcId && e.status !== 'deleted');

  it('provision --access-mode named, status / watch --client-vpc-id, verify --client-vpc-id, remove-client and status / watch --removal', async () => {
    await withWorkers(suite, async (tq) => {
      const { file, instanceId: id, vpcId: vpc } = requestFile();
      const named = `crossvpc-${id}-vpc-${vpc}`;

      const started = await cli(['provision', '--input', file, '--access-mode', 'named', '--no-wait', '--json'], tq);
      expect(started.code, started.stderr).toBe(0);
      expect(started.last).toMatchObject({ ok: true, status: 'started', workflowId: named, instanceId: id, clientVpcId: vpc });

      // watch follows the VPC's run to its end; verification off → unverified, which is not success (exit 1).
      const watch = await cli(['watch', '--instance-id', id, '--client-vpc-id', vpc, '--interval-ms', '200', '--json'], tq);
      expect(watch.code, watch.stderr).toBe(1);
      expect(watch.json.filter((l) => l.type === 'progress').map((l) => l.phase)).toContain('unverified');
      expect(watch.last).toMatchObject({ type: 'outcome', ok: false, status: 'failed', workflowId: named, error: { type: 'Unverified' } });
      expect(String(watch.last.bootstrapServers)).toMatch(/^b1\.[a-z0-9]{8}\.kafka\.internal:\d+,b2\./);

      const status = await cli(['status', '--instance-id', id, '--client-vpc-id', vpc, '--json'], tq);
      expect(status.code).toBe(1);
      expect(status.last).toMatchObject({ ok: true, instanceId: id, clientVpcId: vpc, workflowId: named, workflowStatus: 'COMPLETED', phase: 'unverified', bootstrapServers: watch.last.bootstrapServers });
      expect((status.last.ports as { status: string }[]).map((p) => p.status)).toEqual(['ready', 'ready', 'ready']);
      // The instance has no IP-mode access: without --client-vpc-id there is nothing.
      const ipStatus = await cli(['status', '--instance-id', id, '--json'], tq);
      expect(ipStatus.code).toBe(4);
      expect(ipStatus.last).toMatchObject({ ok: false, error: { code: 'NotFound' } });

      const verify = await cli(['verify', '--instance-id', id, '--client-vpc-id', vpc, '--skip-data-path', '--json'], tq);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.last).toMatchObject({ ok: true, instanceId: id, clientVpcId: vpc, workflowId: `${named}-verify`, health: 'healthy', drift: [], verified: false });

      // Drift from the VPC's point of view (its zone deleted) → exit 6 with the drift named.
      const [zone] = zonesOn(await state(), vpc);
      if (!zone) throw new Error('no zone on the client VPC');
      const dns = suite.clients('default').dns;
      if (!dns) throw new Error('no DNS client');
      await dns.deleteZone(zone.id);
      await eventually(async () => zonesOn(await state(), vpc).length === 0, 10_000, 'zone gone');
      const drifted = await cli(['verify', '--instance-id', id, '--client-vpc-id', vpc, '--skip-data-path', '--json'], tq);
      expect(drifted.code).toBe(6);
      expect(drifted.last).toMatchObject({ ok: false, health: 'drifted', drift: [{ kind: 'zone-missing' }] });
      const healed = await cli(['verify', '--instance-id', id, '--client-vpc-id', vpc, '--skip-data-path', '--heal', '--json'], tq);
      expect(healed.code, healed.stdout + healed.stderr).toBe(0);
      expect(healed.last).toMatchObject({ ok: true, health: 'healed' });
      expect(zonesOn(await state(), vpc)).toHaveLength(1);

      // remove-client in the background, followed by watch --removal; then status --removal.
      const removing = await cli(['remove-client', '--instance-id', id, '--client-vpc-id', vpc, '--no-wait', '--json'], tq);
      expect(removing.code).toBe(0);
      expect(removing.last).toMatchObject({ ok: true, status: 'started', workflowId: `${named}-remove` });
      const watchRemoval = await cli(['watch', '--instance-id', id, '--client-vpc-id', vpc, '--removal', '--json'], tq);
      expect(watchRemoval.code, watchRemoval.stderr).toBe(0);
      expect(watchRemoval.last).toMatchObject({ type: 'removal', ok: true, clientVpcId: vpc, workflowId: `${named}-remove`, workflowStatus: 'COMPLETED', outcome: { status: 'removed', alreadyClean: false, leftovers: [] } });
      const removed = (watchRemoval.last.outcome as { removed: { zones: string[]; endpoints: string[] } }).removed;
      expect(removed.zones).toHaveLength(1);
      expect(removed.endpoints).toHaveLength(3);
      const d = await state();
      expect(zonesOn(d, vpc)).toEqual([]);
      expect(endpointsIn(d, vpc)).toEqual([]);

      const removalStatus = await cli(['status', '--instance-id', id, '--client-vpc-id', vpc, '--removal'], tq);
      expect(removalStatus.code).toBe(0);
      expect(removalStatus.stdout).toContain(`VPC ${vpc} removed from ${id}`);
      // Removing again finds nothing (idempotent); --removal without a VPC is a usage error.
      const again = await cli(['remove-client', '--instance-id', id, '--client-vpc-id', vpc, '--json'], tq);
      expect(again.code).toBe(0);
      expect(again.last).toMatchObject({ ok: true, status: 'completed', alreadyClean: true });
      const usage = await cli(['status', '--instance-id', id, '--removal', '--json'], tq);
      expect(usage.code).toBe(2);
      expect(usage.last).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
      expect(JSON.stringify(usage.last)).toContain('--removal');
      const noRemoval = await cli(['status', '--instance-id', id, '--client-vpc-id', 'vpc-never-added', '--removal', '--json'], tq);
      expect(noRemoval.code).toBe(4);
    });
  }, 180_000);

  it('cancel --client-vpc-id at the approval gate rolls the VPC back (exit 0); status then exits 3; a second cancel exits 5', async () => {
    await withWorkers(suite, async (tq) => {
      const { file, instanceId: id, vpcId: vpc } = requestFile({ approvalGate: true });
      const started = await cli(['provision', '--input', file, '--access-mode', 'named', '--no-wait', '--json'], tq);
      expect(started.code, started.stderr).toBe(0);
      const waiting = await eventually(async () => {
        const s = await cli(['status', '--instance-id', id, '--client-vpc-id', vpc, '--json'], tq);
        return s.last.awaitingApproval === true ? s : undefined;
      }, 60_000, 'approval gate');
      expect(waiting.code).toBe(0);
      expect(waiting.last).toMatchObject({ workflowStatus: 'RUNNING', phase: 'awaiting-approval' });

      const cancel = await cli(['cancel', '--instance-id', id, '--client-vpc-id', vpc, '--wait', '--json'], tq);
      expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
      expect(cancel.last).toMatchObject({ ok: true, status: 'rolled_back', workflowId: `crossvpc-${id}-vpc-${vpc}`, outcome: { status: 'rolled_back' } });
      const d = await state();
      expect(zonesOn(d, vpc)).toEqual([]);
      expect(endpointsIn(d, vpc).filter((e) => e.status !== 'deleting')).toEqual([]);

      const after = await cli(['status', '--instance-id', id, '--client-vpc-id', vpc, '--json'], tq);
      expect(after.code).toBe(3);
      expect(after.last).toMatchObject({ clientVpcId: vpc, phase: 'rolled_back', outcome: { status: 'rolled_back' } });
      const again = await cli(['cancel', '--instance-id', id, '--client-vpc-id', vpc, '--json'], tq);
      expect(again.code).toBe(5);
      expect(again.last).toMatchObject({ ok: false, error: { code: 'NotRunning' } });
    });
  }, 120_000);
});
