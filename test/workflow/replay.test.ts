/**
 * Determinism: histories recorded by the integration tests (test/workflow/histories, one per path) replay
 * against the current workflow code without a server — with the plain workflow bundle and with the tracing
 * interceptors (worker/workflow-tracing.ts): turning tracing on or off never breaks a run in flight, including
 * one recorded with tracing on (traced-unverified-parent.json, by test/workflow/tracing.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import { bundleWorkflowCode, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundleOptions } from '../../worker/workflow-bundle.js';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

describe('replay of recorded histories', () => {
  it.each(['plain', 'traced'] as const)('replays every recorded path with Worker.runReplayHistories (%s bundle)', async (kind) => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    // Every path recorded so far: verified, rolled back, cancelled while waiting for the lock / reading the
    // instance / polling / at the gate / during the listener update / during the verification, approval approved
    // and timed out, heal, unhealthy check, teardown, CompensationFailed, a run recorded traced; the named access:
    // add, remove (same account; cross-account after the whitelist patch, incomplete), the migration back to IPs.
    expect(files).toEqual(
      expect.arrayContaining([
        'rollback-parent.json',
        'success-child.json',
        'success-parent.json',
        'cancelled-waiting-for-lock.json',
        'cancelled-while-reading-instance.json',
        'cancelled-while-reading-instance-reported.json',
        'cancelled-while-polling.json',
        'cancelled-during-listener-update.json',
        'cancelled-while-verifying.json',
        'rerun-cancelled-at-gate.json',
        'approval-approved.json',
        'approval-timed-out.json',
        'reverify-heal.json',
        'reverify-unhealthy-fails.json',
        'teardown-success.json',
        'compensation-failed.json',
        'traced-unverified-parent.json',
        'named-add-client-vpc.json',
        'named-remove-client-vpc.json',
        'named-remove-cross-account.json',
        'named-migrate-back-to-ip.json',
        'one-create-child.json',
      ]),
    );
    const traced = kind === 'traced';
    const bundle = await bundleWorkflowCode(workflowBundleOptions(traced ? 'traced' : 'plain'));
    // The traced worker's sink, as worker/tracing.ts injects it (the SDK does not call sinks while replaying).
    const exported = new InMemorySpanExporter();
    const sinks: ReplayWorkerOptions['sinks'] = traced ? { exporter: makeWorkflowExporter(new SimpleSpanProcessor(exported), Resource.default()) } : {};
    const histories = files.map((f) => {
      const fixture = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as { workflowId: string; history: unknown };
      return { workflowId: fixture.workflowId, history: historyFromJSON(fixture.history) };
    });
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { code: bundle.code }, sinks }, histories)) results.push(r);
    expect(results).toHaveLength(files.length);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
    expect(exported.getFinishedSpans(), 'spans exported while replaying').toEqual([]);
  });
});
