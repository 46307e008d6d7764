/**
 * The entry of the `crossvpc` start-up snapshot (docs/decisions/cli-snapshot.md).
 *
 * scripts/build.mjs bundles this module (with everything `main` can load) into one CommonJS file and runs it
 * under `node --build-snapshot`: what it evaluates here — the Temporal protobuf root (a 1.4 MB descriptor that
 * otherwise costs about a third of every command's start), zod and the request schemas — is then in the V8 heap
 * image that `node --snapshot-blob` starts from, instead of being built again at every command (the bundle's
 * modules are shared, so the client later finds these already evaluated). The launcher
 * (src/cli/crossvpc.mjs) starts a command from the snapshot when one exists for the running Node binary.
 *
 * Only modules that are safe in a snapshot are evaluated here: no sockets, no `http2`/`tls` (the gRPC stack is
 * loaded when a command runs), and nothing that reads the environment or the clock at load time. Everything
 * else is evaluated at run time, exactly as from dist/.
 */
import v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import * as proto from '@temporalio/proto';
import * as zod from 'zod';
import { main } from './main.js';
// The request schemas the typed client parses every input with (pure zod; src/client/schemas.ts re-exports
// them beside SDK-bound modules, which cannot be evaluated here).
import * as input from '../../workflows/input.js';
import * as opsInput from '../../workflows/ops-input.js';

/** The bundle's `import.meta.url` (scripts/build.mjs defines it as this global): the bundle file of this run. */
declare global {
  var __crossvpcBundleUrl: string | undefined;
}

// Touch what was imported for its evaluation, so the bundler keeps it.
const warm = [proto.temporal, zod.object, input, opsInput];

if (v8.startupSnapshot.isBuildingSnapshot()) {
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // argv: [node, <bundle file>, ...the command's arguments] (the launcher passes the bundle's path first).
    const [bundle, ...argv] = process.argv.slice(1);
    globalThis.__crossvpcBundleUrl = pathToFileURL(bundle ?? '').href;
    void warm;
    main(argv).then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  });
}
