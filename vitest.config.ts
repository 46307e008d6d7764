import { defineConfig } from 'vitest/config';

/**
 * Test projects, by what a test needs (docs/architecture.md "Tests"):
 *  - unit:     nothing beyond Node — no Temporal server, no sandbox, no external tool (`npm run test:unit`);
 *  - sandbox:  the OTC sandbox and external tools (Kafka JVMs, python-otcextensions, gophertelekomcloud, compose-check,
 *              the deployment test's own Temporal server) — not the shared dev server;
 *  - workflow: the suite's real Temporal dev server (test/global-setup.ts) — workflows, CLI, typed client, package;
 *  - ui:       a dev stack of its own with the Web UI, driven by Chromium.
 * A pure test that lives outside test/unit/ is listed in UNIT_ELSEWHERE (and so excluded from its folder's project).
 * Every test file belongs to exactly one project (test/unit/vitest-projects.test.ts): a new test folder goes here.
 */
// Files left out of every project (comma-separated globs): `vitest --exclude` does not reach the projects' own
// exclude lists, so .ci/run keeps the deployment test out of its first pass with CROSSVPC_TEST_EXCLUDE.
const EXCLUDED = (process.env.CROSSVPC_TEST_EXCLUDE ?? '').split(',').filter(Boolean);
const UNIT_ELSEWHERE = ['test/cli/progress-view.test.ts', 'test/workflow/logic.test.ts', 'test/workflow/replay.test.ts', 'test/sandbox/scenario.test.ts'];

export default defineConfig({
  test: {
    // The Temporal native bridge is not safe under worker threads (sdk-typescript#876).
    pool: 'forks',
    setupFiles: ['test/setup-runtime.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    // Most test time is waiting (sandbox delays, Temporal timers, brokers), so CI runs one more file at a time
    // than there are cores; CROSSVPC_TEST_WORKERS overrides (docs/decisions/ci-budget.md).
    maxWorkers: Number(process.env.CROSSVPC_TEST_WORKERS ?? '') || (process.env.CI ? 3 : 2),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', ...UNIT_ELSEWHERE], exclude: EXCLUDED } },
      { extends: true, test: { name: 'sandbox', include: ['test/sandbox/**/*.test.ts', 'test/python/**/*.test.ts', 'test/go/**/*.test.ts', 'test/ops/**/*.test.ts'], exclude: [...UNIT_ELSEWHERE, ...EXCLUDED] } },
      {
        extends: true,
        test: {
          name: 'workflow',
          include: ['test/temporal/**/*.test.ts', 'test/workflow/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/client/**/*.test.ts', 'test/package/**/*.test.ts'],
          exclude: [...UNIT_ELSEWHERE, ...EXCLUDED],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      { extends: true, test: { name: 'ui', include: ['test/ui/**/*.test.ts'], exclude: EXCLUDED } },
    ],
  },
});
