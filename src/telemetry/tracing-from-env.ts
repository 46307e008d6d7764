/**
 * Tracing of this process as the OTEL_* variables say (src/config/otel-env.ts): `undefined` when off — then
 * not one OpenTelemetry SDK module is loaded — else the started SDK (src/telemetry/tracing.ts). Throws the
 * ConfigError of bad OTEL_* values (only when tracing would be on).
 */
import { tracingConfig, type TracedProcess } from '../config/otel-env.js';
import type { Env } from '../config/value-source.js';
import type { Tracing } from './tracing.js';

export async function tracingFromEnv(env: Env, process: TracedProcess): Promise<Tracing | undefined> {
  const config = tracingConfig(env, process);
  if (!config) return undefined;
  const { startTracing } = await import('./tracing.js');
  return startTracing(config);
}
