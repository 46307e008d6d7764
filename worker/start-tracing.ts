/**
 * Tracing of a process that runs workers (`crossvpc worker`, `crossvpc dev`), started from its parsed OTEL_*
 * settings: the OpenTelemetry SDK and the worker's side of it (worker/tracing.ts), both loaded only here, when
 * tracing is on. `sdk.shutdown()` flushes; call it after the workers stopped.
 */
import type { TracingConfig } from '../src/config/otel-env.js';
import type { Tracing } from '../src/telemetry/tracing.js';
import type { WorkerTracing } from './tracing.js';

export async function startWorkerTracing(settings: TracingConfig): Promise<{ sdk: Tracing; tracing: WorkerTracing }> {
  const sdk = (await import('../src/telemetry/tracing.js')).startTracing(settings);
  return { sdk, tracing: (await import('./tracing.js')).workerTracing(sdk) };
}
