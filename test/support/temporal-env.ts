import { readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { currentWorkflowBundle } from '../../src/devtools/build-state.js';
import { workflowsPath } from '../../worker/worker.js';
import { inject } from 'vitest';

/** Connects to the suite's shared dev server (started in test/global-setup.ts). */
export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') });
}

let counter = 0;
/** A task queue unique to this test process, so parallel test files never steal each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

let bundle: Promise<{ code: string }> | undefined;
/**
 * The workflow code the test workers run: the build's prebuilt bundle when it is current with workflows/
 * (`npm test` rebuilds a stale dist/ first), else bundled from the sources — once per test process either way
 * (webpack costs seconds of CPU per bundle, on a 2-core CI machine that is wall time).
 */
export function testWorkflowBundle(): Promise<{ code: string }> {
  bundle ??= (async () => {
    const prebuilt = currentWorkflowBundle();
    if (prebuilt) return { code: readFileSync(prebuilt, 'utf8') };
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    return { code: (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code };
  })();
  return bundle;
}
