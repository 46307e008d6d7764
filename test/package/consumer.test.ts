/**
 * kafka-crossvpc as a real package: a separate consumer (test/consumer/: its own package.json depending on
 * this one by path, its own tsconfig) installs it with npm, typechecks and compiles against the shipped
 * .d.ts with tsc, and runs on plain Node — no TypeScript loader — resolving `kafka-crossvpc/client` to the
 * compiled ESM in dist/ and talking to the suite's Temporal server.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildIsCurrent } from '../../src/devtools/build-state.js';
import { projectRoot } from '../../src/devtools/tool-paths.js';

const run = promisify(execFile);
const consumer = join(projectRoot, 'test', 'consumer');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the package, from a consumer on plain Node', () => {
  beforeAll(() => {
    // `npm install` / `npm ci` build dist/ (prepare), and `npm test` rebuilds it when stale.
    if (!buildIsCurrent()) throw new Error('dist/ is missing or older than the sources: run `npm run build` (npm test does it)');
  });

  it('package.json exports ./client with types and import conditions pointing into dist/', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; scripts: Record<string, string> };
    expect(pkg.exports['./client']).toEqual({ types: './dist/src/client/index.d.ts', import: './dist/src/client/index.js' });
    expect(pkg.scripts.prepare).toContain('scripts/build.mjs');
  });

  it('npm installs it by path, tsc typechecks the consumer against the .d.ts, node runs the compiled consumer', async () => {
    rmSync(join(consumer, 'node_modules'), { recursive: true, force: true });
    rmSync(join(consumer, 'dist'), { recursive: true, force: true });
    await run(npm, ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', '--no-package-lock'], { cwd: consumer, timeout: 120_000 });

    // Its own tsc run (strict; the @ts-expect-error lines in src/main.ts fail the build if the types were `any`).
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer, timeout: 120_000 });

    // Plain Node: no loader, no NODE_OPTIONS.
    const env = { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: inject('temporalAddress') };
    const { stdout } = await run(process.execPath, [join(consumer, 'dist', 'main.js')], { cwd: consumer, env, timeout: 60_000 });
    expect(JSON.parse(stdout.trim())).toEqual({
      resolved: `file://${join(projectRoot, 'dist', 'src', 'client', 'index.js')}`,
      validate: { code: 'InvalidInput', field: 'clientSubnetCidr' },
      schema: true,
      describe: { code: 'NotFound', field: 'instanceId' },
    });
  });

  it('the TypeScript source is not what a consumer gets: importing the .ts entry on plain Node fails as the issue describes', async () => {
    const script = `import(${JSON.stringify(join(projectRoot, 'src', 'client', 'index.ts'))}).then(() => console.log('loaded'), (e) => console.log(e.code))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '' } });
    expect(stdout.trim()).toBe('ERR_UNKNOWN_FILE_EXTENSION');
  });
});
