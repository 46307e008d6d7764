// Where the `crossvpc` start-up snapshot lives and which Node binary it belongs to (docs/decisions/cli-snapshot.md).
// Plain JavaScript: the launcher (crossvpc.mjs) reads it before anything else is loaded, and the build
// (scripts/cli-snapshot.mjs) writes by it.
import { join } from 'node:path';

/** A blob starts only on the binary that made it: the version, platform and architecture name it. */
export function snapshotKey() {
  return `node-${process.version}-${process.platform}-${process.arch}`;
}

export function snapshotDir(root) {
  return join(root, 'dist', 'cli-snapshot');
}

export function snapshotBundle(root) {
  return join(snapshotDir(root), 'crossvpc.cjs');
}

export function snapshotBlob(root) {
  return join(snapshotDir(root), `${snapshotKey()}.blob`);
}

/** Commands that start workers or the sandbox load native and Kafka modules: they run from dist/, as before. */
export const NOT_FROM_SNAPSHOT = new Set(['worker', 'sandbox', 'dev']);
