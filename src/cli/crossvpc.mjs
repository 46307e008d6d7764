#!/usr/bin/env node
// The `crossvpc` command. Runs the compiled build (dist/, made by `npm run build`, which `prepare` runs on
// `npm install` / `npm ci`) when it is current with the sources (src/devtools/build-state.ts); otherwise —
// no build, a production install without TypeScript, or sources edited since the build — the TypeScript
// sources through tsx, so a checkout never runs stale code. CROSSVPC_FROM_SOURCE=1 forces the sources.
import module from 'node:module';

// Node ≥ 22.1 caches compiled code across runs (in the OS temp dir): a third of the start-up of a command.
module.enableCompileCache?.();

const root = new URL('../../', import.meta.url);

async function compiledMain() {
  if (process.env.CROSSVPC_FROM_SOURCE === '1') return undefined;
  let state;
  try {
    state = await import(new URL('dist/src/devtools/build-state.js', root).href);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
  if (!state.buildIsCurrent()) return undefined;
  return (await import(new URL('dist/src/cli/main.js', root).href)).main;
}

let main = await compiledMain();
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  main = (await import('./main.ts')).main;
}
process.exitCode = await main(process.argv.slice(2));
