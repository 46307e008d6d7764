/**
 * `crossvpc worker --log-format json` as a process, configured from the sandbox's ready line as an operator
 * would (OTC_* variables): every stderr line is one JSON object; the entries of a provisioning cancelled at
 * its gate (it rolls back) carry the access's instance id, the workflow and run ids; no secret
 * of the ready line (AK/SK, passwords) appears anywhere in the output.
 */
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CrossVpcClient } from '../../src/client/index.js';
import { sandboxEnv } from '../../src/cli/dev/stack.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';
import { defaultRequest, eventually, type Suite } from '../workflow/support.js';
import { cliBackground, startCliSuite } from './support.js';

describe('crossvpc worker --log-format json', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await startCliSuite({ kafka: false });
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('one JSON object per line, with instance/workflow/run ids, never a secret', async () => {
    const tq = uniqueTaskQueue('logs');
    const ready = suite.sandbox.ready;
    const env = sandboxEnv(ready, { address: inject('temporalAddress'), namespace: 'default', taskQueue: tq });
    const worker = cliBackground(['worker', '--log-format', 'json'], tq, env);
    let stderr = '';
    try {
      await worker.stderrLine(/"msg":"main on /, 60_000);
      const cv = CrossVpcClient.fromClient(new Client({ connection: suite.env.connection, namespace: 'default' }), { taskQueue: tq });
      const request = defaultRequest(suite, { verify: { enabled: false }, approvalGate: true });
      await cv.startAccess(request);
      await eventually(async () => (await cv.getProgress(request.instanceId).catch(() => undefined))?.awaitingApproval, 30_000, 'at the gate');
      expect((await cv.cancel(request.instanceId, { wait: true })).outcome?.status).toBe('rolled_back');
    } finally {
      worker.stop();
      const r = await worker.done;
      stderr = r.stderr;
      expect(r.code, r.stderr).toBe(0);
    }
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(2);
    const entries = lines.map((l) => {
      let o: unknown;
      expect(() => (o = JSON.parse(l)), `not JSON: ${l}`).not.toThrow();
      return o as Record<string, unknown>;
    });
    for (const e of entries) {
      expect(typeof e.ts === 'string' && Number.isFinite(Date.parse(e.ts)), JSON.stringify(e)).toBe(true);
      expect(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).toContain(e.level);
      expect(typeof e.msg).toBe('string');
    }
    const instanceId = defaultRequest(suite).instanceId;
    const compensating = entries.find((e) => e.msg === 'provisioning failed; compensating');
    expect(compensating).toMatchObject({ level: 'WARN', instanceId, workflowId: `crossvpc-${instanceId}`, workflowType: 'provisionCrossVpcAccess', taskQueue: tq, namespace: 'default' });
    expect(typeof compensating?.runId).toBe('string');
    // Nothing of the ready line's secrets, anywhere.
    const secrets = [...ready.accounts.flatMap((a) => [a.ak, a.sk, a.password]), ...ready.instances.flatMap((i) => (i.saslUsers ?? []).map((u) => u.password))].filter((s) => s.length >= 6);
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(stderr.includes(s), 'a secret of the ready line is in the logs').toBe(false);
  });
});
