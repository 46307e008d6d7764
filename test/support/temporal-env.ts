import { TestWorkflowEnvironment } from '@temporalio/testing';
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
