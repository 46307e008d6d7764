/**
 * Whether the compiled build in dist/ (scripts/build.mjs, run by `npm run build` and by `prepare` on
 * `npm install` / `npm ci`) is current: it exists, and no TypeScript source under src/, workflows/,
 * activities/ or worker/ was modified after the build started. The `crossvpc` launcher
 * (src/cli/crossvpc.mjs) runs dist/ only when it is current, else the sources through tsx; the worker loads
 * the prebuilt workflow bundle only when it is current, else bundles workflows/ itself. So an edited
 * checkout never runs stale code, and an installed package (no sources beside dist/) always runs dist/.
 *
 * Cost: one stat per source file (~200, about 2 ms), no reads.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './tool-paths.js';

export const DIST_DIR = join(projectRoot, 'dist');
/** Written last by the build: `{ startedAt, finishedAt, workflowBundle, cliSnapshot? }` (epoch ms, paths under dist/). */
export const BUILD_INFO = join(DIST_DIR, 'build-info.json');
/** The prebuilt workflow bundle (webpack output of workflows/index, what `Worker.create` would build). */
export const WORKFLOW_BUNDLE = join(DIST_DIR, 'workflow-bundle.js');
/** The same with the tracing workflow interceptors (worker/workflow-tracing.ts), for a worker with tracing on. */
export const TRACED_WORKFLOW_BUNDLE = join(DIST_DIR, 'workflow-bundle-traced.js');

export const SOURCE_DIRS = ['src', 'workflows', 'activities', 'worker'] as const;

export interface BuildInfo {
  startedAt: number;
  finishedAt: number;
  workflowBundle?: string;
  /** The CLI's start-up snapshot of this build (path under dist/, size): docs/decisions/cli-snapshot.md. */
  cliSnapshot?: { blob: string; bytes: number };
}

export function readBuildInfo(): BuildInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(BUILD_INFO, 'utf8')) as Partial<BuildInfo>;
    return typeof info.startedAt === 'number' && typeof info.finishedAt === 'number' ? (info as BuildInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** The newest mtime (ms) of the `.ts` sources under `dirs` (0 when there are none, e.g. an installed package). */
export function newestSourceMtime(dirs: readonly string[] = SOURCE_DIRS, root = projectRoot): number {
  let newest = 0;
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return newest;
}

/** True when dist/ holds a complete build at least as new as every source (`dirs`: which sources count). */
export function buildIsCurrent(dirs: readonly string[] = SOURCE_DIRS): boolean {
  const info = readBuildInfo();
  if (!info) return false;
  return newestSourceMtime(dirs) <= info.startedAt;
}

/** The prebuilt workflow bundle (`traced`: with the tracing interceptors) when it is current with workflows/ (else undefined: bundle from source). */
export function currentWorkflowBundle(kind: 'plain' | 'traced' = 'plain'): string | undefined {
  const info = readBuildInfo();
  if (!info?.workflowBundle) return undefined;
  const path = kind === 'traced' ? TRACED_WORKFLOW_BUNDLE : WORKFLOW_BUNDLE;
  try {
    statSync(path);
  } catch {
    return undefined;
  }
  return newestSourceMtime(['workflows']) <= info.startedAt ? path : undefined;
}
