/**
 * `crossvpc` as a process against the sandbox WITH its real Kafka data plane: `provision --wait --json` is
 * really verified (bytes through the endpoint IPs), then `status`, `verify` and `teardown`; and the approval
 * gate: `provision --approval-gate`, `watch` in the background, `approve --wait`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultRequest, eventually, resetSandbox, resources, withWorkers, type Suite } from '../workflow/support.js';
import { cli, cliBackground, startCliSuite } from './support.js';

function provisionFlags(suite: Suite): string[] {
  const r = defaultRequest(suite);
  return ['--instance-id', r.instanceId, '--client-vpc-id', r.clientVpcId, '--client-subnet-id', r.clientSubnetId, '--client-subnet-cidr', r.clientSubnetCidr ?? ''];
}

describe('crossvpc CLI with real Kafka', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startCliSuite({ kafka: true });
  });
  afterAll(async () => {
    await suite?.stop();
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  it('provision --wait --json → verified; status, verify, teardown --json', async () => {
    await withWorkers(suite, async (tq) => {
      const id = defaultRequest(suite).instanceId;
      const p = await cli(['provision', ...provisionFlags(suite), '--wait', '--json'], tq);
      expect(p.code, p.stdout + p.stderr).toBe(0);
      expect(p.last).toMatchObject({ status: 'verified', workflowId: `crossvpc-${id}` });
      const ports = p.last.ports as { endpointIp: string }[];
      expect(ports).toHaveLength(3);
      expect(p.last.bootstrapServers).toBe(ports.map((x) => `${x.endpointIp}:9011`).join(','));

      const status = await cli(['status', '--instance-id', id, '--json'], tq);
      expect(status.code).toBe(0);
      expect(status.last).toMatchObject({ ok: true, workflowStatus: 'COMPLETED', phase: 'verified', bootstrapServers: p.last.bootstrapServers, outcome: { status: 'verified' } });
      expect((status.last.ports as { status: string }[]).map((x) => x.status)).toEqual(['ready', 'ready', 'ready']);
      const text = await cli(['status', '--instance-id', id], tq);
      expect(text.stdout).toContain(`access ${id}: verified bootstrap ${String(p.last.bootstrapServers)}`);

      const verify = await cli(['verify', '--instance-id', id, '--json'], tq);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.last).toMatchObject({ ok: true, health: 'healthy', drifts: [] });

      const teardown = await cli(['teardown', '--instance-id', id, '--json'], tq);
      expect(teardown.code, teardown.stdout + teardown.stderr).toBe(0);
      expect(teardown.last).toMatchObject({ ok: true, status: 'completed', alreadyClean: false, restoredAdvertisedIps: true });
      const r = await resources(suite);
      expect(r.endpoints).toEqual([]);
      expect(r.services).toEqual([]);
      for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised).toBe(listener);
    });
  });

  it('approval gate: provision --approval-gate, watch (plain lines), approve --wait → verified', async () => {
    await withWorkers(suite, async (tq) => {
      const id = defaultRequest(suite).instanceId;
      const started = await cli(['provision', ...provisionFlags(suite), '--approval-gate', '--json'], tq);
      expect(started.code, started.stdout + started.stderr).toBe(0);
      expect(started.last).toMatchObject({ status: 'started', workflowId: `crossvpc-${id}` });

      const watch = cliBackground(['watch', '--instance-id', id, '--interval-ms', '200'], tq);
      try {
        await eventually(
          async () => {
            const s = await cli(['status', '--instance-id', id, '--json'], tq);
            return s.last.awaitingApproval === true;
          },
          90_000,
          'awaiting approval',
        );
        const approve = await cli(['approve', '--instance-id', id, '--wait', '--json'], tq);
        expect(approve.code, approve.stdout + approve.stderr).toBe(0);
        expect(approve.last).toMatchObject({ ok: true, instanceId: id, wasAwaitingApproval: true, outcome: { status: 'verified' } });

        const w = await watch.done;
        expect(w.code, w.stderr).toBe(0);
        const lines = w.stdout.split('\n');
        expect(lines.some((l) => l.includes(': awaiting-approval') && l.includes('crossvpc approve'))).toBe(true);
        expect(lines.filter((l) => /^port \S+ \S+ ready /.test(l)).length).toBeGreaterThanOrEqual(3);
        expect(lines.some((l) => l.startsWith('verified: bootstrap '))).toBe(true);
      } finally {
        watch.stop();
      }
    });
  });
});
