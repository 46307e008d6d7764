/**
 * Deploying a changed workflow while an access is in flight (docs/operations.md, "Deploying new workflow code
 * while accesses are in flight"). An access starts on a fleet running the current code and waits at the
 * approval gate; that fleet stops; a fleet running a CHANGED bundle takes over the same task queue; the access
 * is approved and runs to its end there. The change is made the way the rules ask, behind `patched()`, at two
 * points of `provisionCrossVpcAccess`:
 *
 *  - before the gate (`test-deploy-change-passed`): the old run had passed this point when the new code came,
 *    so on replay `patched()` answers false (no marker in its history there) and the old path is kept;
 *  - after the gate (`test-deploy-change`): the old run reaches this point only on the new code, executing,
 *    not replaying, so `patched()` answers true, records its marker and the new path is taken — the Temporal
 *    semantics: a patch guards what a history has already done, not what a run started earlier will do.
 *
 * Each change upserts a memo key (a command of its own, as a real change would add one). A run started on the
 * new code takes both; its history replays on the new code, and does NOT replay on the old code: a
 * non-deprecated patch marker with no `patched()` call to meet it is a nondeterminism error (the control that
 * the change is real, so the first run's success is not vacuous; it is also why removal goes through
 * `deprecatePatch`). The workflow tasks' build ids (the SDK's default, a hash of the bundle) show which code
 * ran each step.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitAccessOutcome } from '../../src/temporal/access-client.js';
import { workflowBundleOptions } from '../../worker/workflow-bundle.js';
import { approveSignal, progressQuery } from '../../workflows/definitions.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';
import { defaultRequest, eventually, patchIds, resources, start, startSuite, withWorkers, type Suite } from './support.js';

type History = temporal.api.history.v1.IHistory;

/** The edits the "new release" makes to workflows/access-workflow.ts (each must apply, else the bundle fails). */
const CHANGE: [string, string][] = [
  // Its own import line (under names of its own), whatever the file already imports from the SDK.
  ["} from '@temporalio/workflow';\n", "} from '@temporalio/workflow';\nimport { patched as deployPatched, upsertMemo as deployUpsertMemo } from '@temporalio/workflow';\n"],
  [
    '    await approvalGate();\n',
    "    if (deployPatched('test-deploy-change-passed')) deployUpsertMemo({ testDeployChangePassed: true });\n    await approvalGate();\n    if (deployPatched('test-deploy-change')) deployUpsertMemo({ testDeployChange: true });\n",
  ],
];

/** The workflow bundle with {@link CHANGE} applied to access-workflow.ts by a webpack pre-loader. */
async function changedBundle(): Promise<{ code: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crossvpc-deploy-'));
  const loader = join(dir, 'deploy-change-loader.cjs');
  writeFileSync(
    loader,
    `module.exports = function (source) {
  let out = source;
  for (const [from, to] of this.getOptions().edits) {
    if (!out.includes(from)) throw new Error('deploy change: ' + JSON.stringify(from) + ' not in ' + this.resourcePath);
    out = out.replace(from, to);
  }
  return out;
};
`,
  );
  try {
    const product = workflowBundleOptions();
    const { code } = await bundleWorkflowCode({
      ...product,
      webpackConfigHook: (raw) => {
        const config = product.webpackConfigHook(raw);
        return {
          ...config,
          module: {
            ...config.module,
            rules: [...(config.module?.rules ?? []), { test: /[\\/]workflows[\\/]access-workflow\.ts$/, enforce: 'pre', use: [{ loader, options: { edits: CHANGE } }] }],
          },
        };
      },
    });
    return { code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ids of the history's patch markers of this test's change, in order (the product's own patches left out). */
function changeMarkers(history: History): string[] {
  return patchIds(history).filter((id) => id.startsWith('test-deploy-'));
}

/** The build id of each completed workflow task (the SDK's default: worker package version + a hash of the bundle). */
function taskBuildIds(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const a = e.workflowTaskCompletedEventAttributes;
    const id = a ? a.workerVersion?.buildId || a.binaryChecksum : undefined;
    return id ? [id] : [];
  });
}

async function replays(bundle: { code: string }, handle: WorkflowHandle): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'deploy-in-flight' }, await handle.fetchHistory(), handle.workflowId);
}

describe('deploying a changed workflow while an access is in flight', () => {
  let suite: Suite;
  let changed: { code: string };
  beforeAll(async () => {
    [suite, changed] = await Promise.all([startSuite({ kafka: false }), changedBundle()]);
  });
  afterAll(async () => {
    await suite?.stop();
  });

  it('an access waiting at the gate on the old code finishes on the new one; patched() is false where it had passed, true where it had not', async () => {
    expect(changed.code).toContain('test-deploy-change');
    expect(suite.bundle.code).not.toContain('test-deploy-change');
    const taskQueue = uniqueTaskQueue('deploy');
    const request = defaultRequest(suite, { approvalGate: true, verify: { enabled: false } });

    // The old fleet: the access runs up to the approval gate (endpoints created, listeners not yet switched).
    let oldBuild = '';
    let newBuild = '';
    const handle = await withWorkers(
      suite,
      async (_tq, workers) => {
        oldBuild = workers.main?.options.buildId ?? '';
        const h = await start(suite, taskQueue, request);
        await eventually(async () => (await h.query(progressQuery)).phase === 'awaiting-approval', 60_000, 'the run at the approval gate');
        // This run, not the workflow id's latest (the same access is started again below).
        return suite.env.client.workflow.getHandle(h.workflowId, h.firstExecutionRunId);
      },
      'deploy',
      { taskQueue },
    );
    expect((await resources(suite)).endpoints).toHaveLength(3);

    // The new fleet on the same queue; the operator approves.
    const newRun = await withWorkers(
      suite,
      async (_tq, workers) => {
        newBuild = workers.main?.options.buildId ?? '';
        await handle.signal(approveSignal);
        const outcome = await awaitAccessOutcome(handle);
        expect(outcome.result?.status, JSON.stringify(outcome.error)).toBe('unverified');

        // The cloud, read independently: each listener advertises the endpoint IP of its own port.
        const r = await resources(suite);
        expect(r.endpoints).toHaveLength(3);
        expect(outcome.ports).toHaveLength(3);
        for (const p of outcome.ports) expect(r.advertised[p.listenerIp], p.listenerIp).toBe(p.endpointIp);

        // A second access of the same instance, started on the new code (the first one's re-run: it finds what exists).
        const h2 = await start(suite, taskQueue, request);
        await eventually(async () => (await h2.query(progressQuery)).phase === 'awaiting-approval', 60_000, 'the new run at the gate');
        await h2.signal(approveSignal);
        expect((await awaitAccessOutcome(h2)).result?.status).toBe('unverified');
        return suite.env.client.workflow.getHandle(h2.workflowId, h2.firstExecutionRunId);
      },
      'deploy',
      { taskQueue, workflowBundle: changed },
    );

    // The old run: started on the old code, finished on the new one.
    const history = await handle.fetchHistory();
    expect(oldBuild).not.toBe(newBuild);
    expect([...new Set(taskBuildIds(history))]).toEqual([oldBuild, newBuild]);
    // Only the patch it reached on the new code is taken.
    expect(changeMarkers(history)).toEqual(['test-deploy-change']);
    const memo = (await handle.describe()).memo ?? {};
    expect(memo.testDeployChange).toBe(true);
    expect(memo.testDeployChangePassed).toBeUndefined();

    // The run started on the new code took both, and replays on it; it cannot replay on the old code.
    const newHistory = await newRun.fetchHistory();
    expect(changeMarkers(newHistory)).toEqual(['test-deploy-change-passed', 'test-deploy-change']);
    expect(new Set(taskBuildIds(newHistory))).toEqual(new Set([newBuild]));
    await replays(changed, newRun);
    await replays(changed, handle);
    await expect(replays(suite.bundle, newRun)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
