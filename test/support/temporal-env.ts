import { readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { currentWorkflowBundle } from '../../src/devtools/build-state.js';
import { workflowBundleOptions } from '../../worker/workflow-bundle.js';
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

const bundles = new Map<string, Promise<{ code: string }>>();
/**
 * The workflow code the test workers run: the build's prebuilt bundle when it is current with workflows/
 * (`npm test` rebuilds a stale dist/ first), else bundled from the sources — once per test process and kind
 * either way (webpack costs seconds of CPU per bundle, on a 2-core CI machine that is wall time). `traced`:
 * with the tracing workflow interceptors (worker/workflow-tracing.ts).
 */
export function testWorkflowBundle(kind: 'plain' | 'traced' = 'plain'): Promise<{ code: string }> {
  let bundle = bundles.get(kind);
  if (!bundle) {
    bundle = (async () => {
      const prebuilt = currentWorkflowBundle(kind);
      if (prebuilt) return { code: readFileSync(prebuilt, 'utf8') };
      return { code: (await bundleWorkflowCode(workflowBundleOptions(kind))).code };
    })();
    bundles.set(kind, bundle);
  }
  return bundle;
}
