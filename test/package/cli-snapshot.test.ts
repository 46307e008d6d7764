/**
 * The `crossvpc` launcher starts a command from the build's V8 start-up snapshot
 * (docs/decisions/cli-snapshot.md) — and behaves exactly like the command run from dist/: same output, exit
 * code, signals; it falls back to dist/ when the snapshot cannot serve (node flags, a damaged blob, a blob Node refuses).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildIsCurrent } from '../../src/devtools/build-state.js';
import { projectRoot } from '../../src/devtools/tool-paths.js';
// @ts-expect-error plain JavaScript module without declarations (the launcher's own helper)
import { snapshotBlob, snapshotBundle } from '../../src/cli/snapshot-key.mjs';

const CLI = join(projectRoot, 'src', 'cli', 'crossvpc.mjs');
const blob = (snapshotBlob as (root: string) => string)(projectRoot);
const run = promisify(execFile);
const baseEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: inject('temporalAddress'), ...extra });

/** The live children of a process (Linux /proc: the parent pid is field 4 of stat). */
function childPids(pid: number): string[] {
  return readdirSync('/proc').filter((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
    } catch {
      return false;
    }
  });
}

/** The command lines of a process's live children. */
function childCommandLines(pid: number): string[][] {
  return childPids(pid).flatMap((d) => {
    try {
      return [readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean)];
    } catch {
      return [];
    }
  });
}

/** Runs `crossvpc status` against a TCP listener that never answers; resolves when the command connects. */
async function startedCommand(env: NodeJS.ProcessEnv): Promise<{ launcher: ChildProcess; children: string[][]; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const launcher = spawn(process.execPath, [CLI, 'status', '--instance-id', 'snapshot-probe'], { env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, stdio: 'ignore' });
  await new Promise<void>((resolve) => server.once('connection', () => resolve()));
  return { launcher, children: launcher.pid ? childCommandLines(launcher.pid) : [], server };
}

describe('crossvpc starts from the build’s start-up snapshot', () => {
  beforeAll(() => {
    if (!buildIsCurrent()) throw new Error('dist/ is missing or older than the sources: run `npm run build` (npm test does it)');
  });

  it('the build made a blob for this Node binary, and a command runs in `node --snapshot-blob` with the same answer as from dist/', async () => {
    expect(existsSync(blob), `${blob} (the build's log says why it is missing)`).toBe(true);
    const probe = await startedCommand(baseEnv());
    try {
      expect(probe.children.some((argv) => argv.includes('--snapshot-blob') && argv.includes(blob))).toBe(true);
    } finally {
      probe.launcher.kill('SIGTERM');
      probe.server.close();
    }
    // Same output and exit code either way (a NotFound from the real server: exit 4, one JSON line).
    const answers = await Promise.all(
      [{}, { CROSSVPC_NO_SNAPSHOT: '1' }].map((extra) =>
        run(process.execPath, [CLI, 'status', '--instance-id', 'never-provisioned', '--json'], { env: baseEnv(extra) }).then(
          () => ({ code: 0, stdout: '' }),
          (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
        ),
      ),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.code).toBe(4);
    expect(JSON.parse(answers[0]?.stdout ?? '')).toMatchObject({ ok: false, error: { code: 'NotFound', field: 'instanceId' } });
  });

  it('SIGTERM to the launcher ends the command too, and the launcher ends by that signal', async () => {
    const probe = await startedCommand(baseEnv());
    const child = probe.children.find((argv) => argv.includes('--snapshot-blob'));
    expect(child).toBeDefined();
    const pids = probe.launcher.pid ? childPids(probe.launcher.pid) : [];
    const ended = new Promise<NodeJS.Signals | null>((resolve) => probe.launcher.once('exit', (_code, signal) => resolve(signal)));
    probe.launcher.kill('SIGTERM');
    expect(await ended).toBe('SIGTERM');
    probe.server.close();
    for (const pid of pids) expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
  });

  it('with node flags (NODE_OPTIONS) the command runs from dist/ in the launcher: a blob only starts with the flags it was built with', async () => {
    const probe = await startedCommand(baseEnv({ NODE_OPTIONS: '--max-old-space-size=512' }));
    try {
      expect(probe.children).toEqual([]);
    } finally {
      probe.launcher.kill('SIGTERM');
      probe.server.close();
    }
  });

  /**
   * A copy of the built package in a temporary directory (package.json, the launcher, dist/; node_modules
   * linked), so a test can damage its blob without touching the checkout's, which other test files run.
   * It is also a package moved after its build: the snapshot must find its new root.
   */
  function builtPackageCopy(): { root: string; cli: string; blob: string; buildInfo: string; remove(): void } {
    const root = mkdtempSync(join(tmpdir(), 'crossvpc-pkg-'));
    copyFileSync(join(projectRoot, 'package.json'), join(root, 'package.json'));
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    for (const f of ['crossvpc.mjs', 'snapshot-key.mjs']) copyFileSync(join(projectRoot, 'src', 'cli', f), join(root, 'src', 'cli', f));
    cpSync(join(projectRoot, 'dist'), join(root, 'dist'), { recursive: true });
    symlinkSync(join(projectRoot, 'node_modules'), join(root, 'node_modules'));
    return {
      root,
      cli: join(root, 'src', 'cli', 'crossvpc.mjs'),
      blob: (snapshotBlob as (r: string) => string)(root),
      buildInfo: join(root, 'dist', 'build-info.json'),
      remove: () => rmSync(root, { recursive: true, force: true }),
    };
  }

  const statusOf = (cli: string): Promise<{ code: number; stdout: string }> =>
    run(process.execPath, [cli, 'status', '--instance-id', 'never-provisioned', '--json'], { env: baseEnv() }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );

  it('a moved package starts from its snapshot; a truncated blob is not started (it would crash Node): dist/ answers', async () => {
    const pkg = builtPackageCopy();
    try {
      const moved = await statusOf(pkg.cli);
      expect(moved.code).toBe(4);
      expect(JSON.parse(moved.stdout)).toMatchObject({ ok: false, error: { code: 'NotFound', field: 'instanceId' } });
      writeFileSync(pkg.blob, readFileSync(pkg.blob).subarray(0, 4096));
      const r = await statusOf(pkg.cli);
      expect(r).toEqual(moved);
    } finally {
      pkg.remove();
    }
  });

  it('a blob Node refuses (built with other V8 flags: exit 14) falls back to dist/: the answer is the command’s', async () => {
    const pkg = builtPackageCopy();
    try {
      const bundle = (snapshotBundle as (r: string) => string)(pkg.root);
      await run(process.execPath, ['--max-semi-space-size=32', '--snapshot-blob', pkg.blob, '--build-snapshot', bundle], { cwd: join(bundle, '..'), timeout: 120_000 });
      const info = JSON.parse(readFileSync(pkg.buildInfo, 'utf8')) as { cliSnapshot: { bytes: number } };
      info.cliSnapshot.bytes = statSync(pkg.blob).size;
      writeFileSync(pkg.buildInfo, JSON.stringify(info));
      const r = await statusOf(pkg.cli);
      expect(r.code).toBe(4);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'NotFound', field: 'instanceId' } });
    } finally {
      pkg.remove();
    }
  });
});
