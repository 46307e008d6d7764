/**
 * Determinism: histories recorded by the integration tests (test/workflow/histories, one per path) replay
 * against the current workflow code without a server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../worker/worker.js';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

describe('replay of recorded histories', () => {
  it('replays the success and rollback histories with Worker.runReplayHistories', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    // Every path recorded so far: verified, rolled back, cancelled while polling / at the gate / during the
    // listener update, approval approved and timed out, heal, unhealthy check, teardown, CompensationFailed; the
    // named access: add, remove (same account; cross-account after the whitelist patch, incomplete), the migration back to IPs.
    expect(files).toEqual(
      expect.arrayContaining([
        'rollback-parent.json',
        'success-child.json',
        'success-parent.json',
        'cancelled-while-polling.json',
        'cancelled-during-listener-update.json',
        'rerun-cancelled-at-gate.json',
        'approval-approved.json',
        'approval-timed-out.json',
        'reverify-heal.json',
        'reverify-unhealthy-fails.json',
        'teardown-success.json',
        'compensation-failed.json',
        'named-add-client-vpc.json',
        'named-remove-client-vpc.json',
        'named-remove-cross-account.json',
        'named-migrate-back-to-ip.json',
      ]),
    );
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
    const histories = files.map((f) => {
      const fixture = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as { workflowId: string; history: unknown };
      return { workflowId: fixture.workflowId, history: historyFromJSON(fixture.history) };
    });
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { code: bundle.code } }, histories)) results.push(r);
    expect(results).toHaveLength(files.length);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
