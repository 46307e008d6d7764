#!/usr/bin/env node
// The `crossvpc` command. Runs the compiled build (dist/, made by `npm run build`, which `prepare` runs on
// `npm install` / `npm ci`) when it is current with the sources (src/devtools/build-state.ts); otherwise —
// no build, a production install without TypeScript, or sources edited since the build — the TypeScript
// sources through tsx, so a checkout never runs stale code. CROSSVPC_FROM_SOURCE=1 forces the sources.
//
// A current build with a start-up snapshot for this Node binary (dist/cli-snapshot/, docs/decisions/cli-snapshot.md)
// runs the command in a child `node --snapshot-blob …`, which starts with the protobuf root, zod and the
// schemas already built: about half the start-up of a command that talks to Temporal. The child inherits
// stdio; its exit code (or signal) is this process's. CROSSVPC_NO_SNAPSHOT=1 runs dist/ in this process.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOT_FROM_SNAPSHOT, snapshotBlob, snapshotBundle } from './snapshot-key.mjs';

// Node ≥ 22.1 caches compiled code across runs (in the OS temp dir): a third of the start-up of a command.
module.enableCompileCache?.();

const root = new URL('../../', import.meta.url);
const args = process.argv.slice(2);

async function currentBuild() {
  if (process.env.CROSSVPC_FROM_SOURCE === '1') return undefined;
  try {
    const state = await import(new URL('dist/src/devtools/build-state.js', root).href);
    return state.buildIsCurrent() ? state : undefined;
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/**
 * The snapshot's blob when this command may start from it: the current build made one for this Node binary,
 * intact (the size the build recorded: a truncated blob would crash Node), no V8/Node options (a blob starts
 * only with the flags it was built with: NODE_OPTIONS or node flags → dist/), not opted out.
 */
function snapshotFor(build, argv) {
  if (process.env.CROSSVPC_NO_SNAPSHOT === '1' || NOT_FROM_SNAPSHOT.has(argv[0] ?? '')) return undefined;
  // No command (`crossvpc`, `--help`, `help`): the usage loads nothing a snapshot would save.
  if (!argv[0] || argv[0].startsWith('-') || argv[0] === 'help') return undefined;
  if ((process.env.NODE_OPTIONS ?? '').trim() !== '' || process.execArgv.length > 0) return undefined;
  const dir = fileURLToPath(root);
  const blob = snapshotBlob(dir);
  const bundle = snapshotBundle(dir);
  const recorded = build.readBuildInfo()?.cliSnapshot;
  if (!recorded || join(build.DIST_DIR, recorded.blob) !== blob) return undefined;
  try {
    return statSync(blob).size === recorded.bytes && statSync(bundle).isFile() ? { blob, bundle } : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the command in `node --snapshot-blob`; resolves with its exit code (re-raises a signal that ended it). */
function runFromSnapshot({ blob, bundle }, argv) {
  const child = spawn(process.execPath, ['--snapshot-blob', blob, bundle, ...argv], { stdio: 'inherit' });
  // Signals meant for the command: forwarded. Ctrl-C at a terminal already reaches the child (same process
  // group), so SIGINT is forwarded only when it did not come from the terminal.
  const forward = (sig) => () => {
    if (sig !== 'SIGINT' || !process.stdin.isTTY) child.kill(sig);
  };
  const handlers = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => [sig, forward(sig)]);
  for (const [sig, h] of handlers) process.on(sig, h);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`crossvpc: cannot start ${process.execPath}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

/** Node's exit code when it cannot load a startup snapshot (nothing of the command has run). */
const SNAPSHOT_FAILURE = 14;

const build = await currentBuild();
const snapshot = build ? snapshotFor(build, args) : undefined;
const fromSnapshot = snapshot ? await runFromSnapshot(snapshot, args) : undefined;
if (fromSnapshot !== undefined && fromSnapshot !== SNAPSHOT_FAILURE) {
  process.exitCode = fromSnapshot;
} else {
  let main = build ? (await import(new URL('dist/src/cli/main.js', root).href)).main : undefined;
  if (!main) {
    const { register } = await import('tsx/esm/api');
    register();
    main = (await import('./main.ts')).main;
  }
  process.exitCode = await main(args);
}
