import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as activities from './fixtures/smoke-activities.js';
import { smokeWorkflow } from './fixtures/smoke-workflow.js';
import { connectTestEnv, uniqueTaskQueue } from '../support/temporal-env.js';

describe('real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectTestEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow with a timer and an activity', async () => {
    const taskQueue = uniqueTaskQueue('smoke');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/smoke-workflow.ts', import.meta.url)),
      activities,
    });
    const handle = await worker.runUntil(async () => {
      const h = await env.client.workflow.start(smokeWorkflow, { taskQueue, workflowId: `smoke-${taskQueue}`, args: ['crossvpc'] });
      await h.result();
      return h;
    });
    expect(await handle.result()).toBe(`hello crossvpc from pid ${process.pid}`);
    const history = await handle.fetchHistory();
    const kinds = (history.events ?? []).map((e) => e.eventType);
    // The timer really fired on the server, and the activity really completed there.
    expect(kinds.some((k) => String(k).includes('TIMER_FIRED') || k === 17)).toBe(true);
    expect(kinds.some((k) => String(k).includes('ACTIVITY_TASK_COMPLETED') || k === 12)).toBe(true);
  });
});
