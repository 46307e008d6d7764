/**
 * How the workflow bundle is made: one set of bundler options for the build (scripts/build.mjs, the prebuilt
 * dist/workflow-bundle*.js), a worker bundling from source, the dev stack, tests and benchmarks.
 *
 * `preloadModules`: with the SDK's reusable V8 context (its default), every workflow run evaluates the
 * bundle's modules afresh, so that module state never leaks between runs. A module listed here is evaluated
 * once, before any workflow, shared by every run in the context and deep-frozen. We share zod alone
 * (workflows/shared-modules.ts): it holds no per-run state, and it was the largest part of each run's
 * start and of each cached run's memory (docs/decisions/worker-tuning.md). Our own schema modules stay
 * per run: a frozen zod schema cannot define its lazy members.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleOptions, Logger } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from './workflow-tracing.js';

type WebpackConfiguration = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

const ext = extname(import.meta.url) || '.ts';

/** The workflow bundle entry, as a file path (works from .ts sources under tsx and from compiled .js). */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${ext}`, import.meta.url));

/** Modules evaluated once per workflow context and shared by every workflow run (see above). */
export const WORKFLOW_SHARED_MODULES: readonly string[] = [fileURLToPath(new URL(`../workflows/shared-modules${ext}`, import.meta.url))];

/**
 * The bundle keeps every `import()` inside it, evaluated when called (workflows/index.ts loads each workflow's
 * module on its first activation): webpack would otherwise emit a chunk file the worker never loads.
 */
export function eagerDynamicImports(config: WebpackConfiguration): WebpackConfiguration {
  const javascript = { ...config.module?.parser?.javascript, dynamicImportMode: 'eager' as const };
  return { ...config, module: { ...config.module, parser: { ...config.module?.parser, javascript } } };
}

/**
 * What a workflow thread holds of the bundle, made smaller (docs/decisions/worker-tuning.md "A leaner bundle"):
 *  - modules whose exports nothing uses are left out, where their package declares them free of side effects
 *    (`sideEffects` in its package.json: zod's other locales, its conversion from JSON Schema; webpack's production
 *    tree-shaking, without minifying: names and lines stay as written). Our own packages declare nothing, so
 *    every module of ours stays;
 *  - the inline source map keeps its mappings (stack traces of a workflow still name our sources and lines) but
 *    not the sources' text, which the SDK reads only for `showStackTraceSources` (off: the enhanced stack trace
 *    query then returns locations without the files' content).
 */
export function leanBundle(config: WebpackConfiguration): WebpackConfiguration {
  const optimization = { ...config.optimization, providedExports: true, usedExports: true, innerGraph: true, sideEffects: true, minimize: false };
  return { ...config, devtool: 'inline-nosources-source-map', optimization };
}

/** Every hook the product's bundles are made with, in order. */
export function productBundleConfig(config: WebpackConfiguration): WebpackConfiguration {
  return leanBundle(eagerDynamicImports(config));
}

const noop = (): void => undefined;
/**
 * The bundler's logger: webpack's report of a successful build is not ours to print; a failed build's report goes
 * to stderr (the SDK logs it at error level and rejects with a generic message).
 */
const bundlerLogger: Logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (message) => void process.stderr.write(`${message}\n`) };

/** The options of `bundleWorkflowCode` for the plain or the traced bundle, with the bundler's logger (above). */
export function workflowBundleOptions(kind: 'plain' | 'traced' = 'plain'): {
  logger: Logger;
  workflowsPath: string;
  workflowInterceptorModules: string[];
  preloadModules: string[];
  webpackConfigHook: (config: WebpackConfiguration) => WebpackConfiguration;
} {
  return { logger: bundlerLogger, workflowsPath, workflowInterceptorModules: kind === 'traced' ? [WORKFLOW_TRACING_MODULE] : [], preloadModules: [...WORKFLOW_SHARED_MODULES], webpackConfigHook: productBundleConfig };
}
