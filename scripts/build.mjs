#!/usr/bin/env node
// The build of the package (`npm run build`; `prepare` runs it on `npm install` / `npm ci`):
//   1. tsc -p tsconfig.build.json  → dist/ (compiled ESM + .d.ts, same layout as the sources)
//   2. the workflow bundle          → dist/workflow-bundle.js (what Worker.create would otherwise build at start)
//      and the same with the tracing interceptors → dist/workflow-bundle-traced.js (worker/workflow-tracing.ts)
//   3. the `crossvpc` start-up snapshot → dist/cli-snapshot/ (scripts/cli-snapshot.mjs; optional: without it
//                                    the launcher runs dist/ directly, so a failure here is reported, not fatal)
//   4. dist/build-info.json         (written last: the launcher and the worker use dist/ only when it is
//                                    complete and newer than every source, src/devtools/build-state.ts)
// `--if-stale` builds only when dist/ is not current (npm test).
// Without TypeScript (a production install with --omit=dev) it builds nothing and says so: `crossvpc`
// then runs the sources through tsx, and the worker bundles the workflows at start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(join(root, 'package.json'));
const startedAt = Date.now();
const say = (line) => process.stderr.write(`kafka-crossvpc build: ${line}\n`);

// --if-stale: nothing to do when dist/ is complete and newer than every source (what `npm test` runs).
if (process.argv.includes('--if-stale')) {
  try {
    const state = await import(pathToFileURL(join(dist, 'src', 'devtools', 'build-state.js')).href);
    if (state.buildIsCurrent()) process.exit(0);
  } catch {
    // no build yet
  }
}

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  say('typescript is not installed (production install): nothing built; crossvpc runs the sources through tsx');
  process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) {
  say(`tsc failed (exit ${compiled.status ?? compiled.signal})`);
  process.exit(1);
}

const { bundleWorkflowCode } = await import(pathToFileURL(require.resolve('@temporalio/worker')).href);
const { workflowBundleOptions } = await import(pathToFileURL(join(dist, 'worker', 'workflow-bundle.js')).href);
const [bundle, traced] = await Promise.all([
  bundleWorkflowCode(workflowBundleOptions('plain')),
  bundleWorkflowCode(workflowBundleOptions('traced')),
]);
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'workflow-bundle.js'), bundle.code);
writeFileSync(join(dist, 'workflow-bundle-traced.js'), traced.code);

let snapshotLine;
let cliSnapshot;
try {
  const { buildCliSnapshot } = await import(pathToFileURL(join(root, 'scripts', 'cli-snapshot.mjs')).href);
  ({ line: snapshotLine, snapshot: cliSnapshot } = await buildCliSnapshot(root));
} catch (err) {
  snapshotLine = `no start-up snapshot (${err instanceof Error ? err.message : String(err)}); crossvpc starts from dist/`;
}

const finishedAt = Date.now();
writeFileSync(join(dist, 'build-info.json'), `${JSON.stringify({ startedAt, finishedAt, workflowBundle: 'workflow-bundle.js', ...(cliSnapshot ? { cliSnapshot } : {}) })}\n`);
say(`dist/ built in ${((finishedAt - startedAt) / 1000).toFixed(1)} s (compiled ESM + .d.ts, workflow bundle ${(bundle.code.length / 1024).toFixed(0)} KiB, traced ${(traced.code.length / 1024).toFixed(0)} KiB, ${snapshotLine})`);
