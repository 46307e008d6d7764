/**
 * The workflow interceptor module of tracing (`@temporalio/interceptors-opentelemetry`'s workflow
 * interceptors: a span per workflow run, signal, update, query and per scheduled activity / child workflow,
 * and the trace context passed on in their headers). It lives in the workflow bundle, so it is chosen when the
 * bundle is made: scripts/build.mjs prebuilds `dist/workflow-bundle-traced.js` with it beside the plain
 * `dist/workflow-bundle.js`, and a worker with tracing on loads the traced one (worker/worker.ts).
 * The plain bundle has no interceptor at all. Both replay the same histories (test/workflow/replay.test.ts).
 */
import { createRequire } from 'node:module';

export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
