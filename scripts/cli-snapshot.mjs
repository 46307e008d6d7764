// The `crossvpc` start-up snapshot (docs/decisions/cli-snapshot.md), made by scripts/build.mjs after tsc:
//   1. esbuild bundles dist/src/cli/snapshot-entry.js and everything `main` loads into one CommonJS file,
//      dist/cli-snapshot/crossvpc.cjs (a V8 startup snapshot takes one script);
//   2. `node --build-snapshot` runs it and writes the heap image to dist/cli-snapshot/<key>.blob, where the key
//      names the Node binary that made it (a blob only starts on that binary; src/cli/snapshot-key.mjs).
// Not bundled: the commands that never start from the snapshot (worker, sandbox, dev: they run from dist/) and
// what only they load (the native Temporal worker, the Kafka client, the sandbox).
// src/temporal/sdk.ts loads the SDK with createRequire, which a bundler cannot follow; for the bundle that line
// is removed so its require calls are the bundle's own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Builds the bundle and the blob for the running Node; returns `{ line, snapshot }`: a line for the build's
 * log and what dist/build-info.json records of it (the launcher starts only a blob of that size), or throws.
 */
export async function buildCliSnapshot(root) {
  const require = createRequire(join(root, 'package.json'));
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href);
  const { snapshotDir, snapshotBlob, snapshotBundle, NOT_FROM_SNAPSHOT } = await import(pathToFileURL(join(root, 'src', 'cli', 'snapshot-key.mjs')).href);
  const dir = snapshotDir(root);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bundle = snapshotBundle(root);
  const sdkRequire = {
    name: 'sdk-require',
    setup(build) {
      build.onLoad({ filter: /[\\/]dist[\\/]src[\\/]temporal[\\/]sdk\.js$/ }, (args) => {
        const code = readFileSync(args.path, 'utf8');
        const line = 'const require = createRequire(import.meta.url);';
        if (!code.includes(line)) throw new Error(`${args.path}: expected "${line}" (scripts/cli-snapshot.mjs)`);
        return { contents: code.replace(line, ''), loader: 'js' };
      });
    },
  };
  // The commands the launcher never starts from the snapshot are left out of the bundle (with what only they load:
  // the sandbox, the worker); a stub stands in, should one be reached anyway.
  const notInSnapshot = {
    name: 'not-in-snapshot',
    setup(build) {
      const filter = new RegExp(`^\\./commands/(${[...NOT_FROM_SNAPSHOT].join('|')})\\.js$`);
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'not-in-snapshot' }));
      build.onLoad({ filter: /.*/, namespace: 'not-in-snapshot' }, (args) => ({
        contents: `export const summary = ''; export async function run() { throw new Error('${args.path}: not in the start-up snapshot (src/cli/snapshot-key.mjs)'); }`,
        loader: 'js',
      }));
    },
  };
  await esbuild.build({
    entryPoints: [join(root, 'dist', 'src', 'cli', 'snapshot-entry.js')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    external: ['@temporalio/worker', '@temporalio/core-bridge', '@temporalio/testing', '@platformatic/kafka', 'tsx', 'tsx/*', 'esbuild', 'typescript'],
    // The modules' import.meta.url: the bundle file of the running command (set by the snapshot's main).
    define: { 'import.meta.url': 'globalThis.__crossvpcBundleUrl' },
    plugins: [sdkRequire, notInSnapshot],
    logLevel: 'error',
  });
  const blob = snapshotBlob(root);
  const made = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', bundle], { cwd: dir, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`node --build-snapshot failed (exit ${made.status ?? made.signal}): ${(made.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return {
    line: `start-up snapshot for Node ${process.version} (${blob.slice(root.length + 1)})`,
    snapshot: { blob: blob.slice(join(root, 'dist').length + 1), bytes: statSync(blob).size },
  };
}
