/**
 * The suite's file order: the files measured longest start first, so that none of them is the tail of the run
 * while the other workers sit idle (docs/decisions/ci-budget.md). The rest keep vitest's own order (failed
 * first, then longest by its local cache, unknown first, larger first). A file missing from the list is only
 * scheduled later, never left out: the list orders, it does not select.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, from the CI report of 2026-12-02 (fresh machine; seconds): re-measure when the suite changes. */
export const LONGEST_FILES = [
  'test/workflow/fault-matrix.test.ts', // 552
  'test/workflow/crash-recovery.test.ts', // 210
  'test/workflow/named-access.test.ts', // 194
  'test/cli/cli-control-plane.test.ts', // 169
  'test/workflow/provision-control-plane.test.ts', // 146
  'test/workflow/reverify.test.ts', // 109
  'test/workflow/replay.test.ts', // 84
  'test/workflow/cloud-faults.test.ts', // 83
  'test/workflow/sandbox-restart.test.ts', // 72
  'test/workflow/teardown.test.ts', // 72
  'test/workflow/ownership.test.ts', // 68
  'test/workflow/provision-kafka.test.ts', // 67
  'test/workflow/concurrency.test.ts', // 65
] as const;

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = (LONGEST_FILES as readonly string[]).indexOf(relative(f.project.config.root, f.moduleId));
      return i === -1 ? LONGEST_FILES.length : i;
    };
    const base = await super.sort(files);
    return base
      .map((f, i) => ({ f, i, r: rank(f) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map(({ f }) => f);
  }
}
