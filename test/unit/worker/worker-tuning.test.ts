/**
 * worker/worker.ts mainWorkerTuning: what the main worker hands the SDK for its slots, cache and rate — the
 * SDK's own defaults unless a value is given (`crossvpc worker --max-cached-workflows`, `--workflow-task-slots`,
 * `--rate`; docs/decisions/worker-tuning.md), and always the activity slots that keep idle lock waits from
 * starving the main queue.
 */
import { describe, expect, it } from 'vitest';
import { MAIN_ACTIVITY_SLOTS, mainWorkerTuning } from '../../../worker/worker.js';

describe('the main worker tuning', () => {
  it('leaves cache size and workflow-task slots to the SDK unless given', () => {
    expect(mainWorkerTuning({})).toEqual({ maxConcurrentActivityTaskExecutions: MAIN_ACTIVITY_SLOTS });
  });

  it('passes a given cache size, workflow-task slots and rate under the SDK names', () => {
    expect(mainWorkerTuning({ maxCachedWorkflows: 800, workflowTaskSlots: 20, maxTaskQueueActivitiesPerSecond: 5 })).toEqual({
      maxConcurrentActivityTaskExecutions: MAIN_ACTIVITY_SLOTS,
      maxCachedWorkflows: 800,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxTaskQueueActivitiesPerSecond: 5,
    });
  });
});
