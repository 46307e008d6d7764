/**
 * The OpenTelemetry SDK of one process (worker or CLI), started only when {@link tracingConfig} says tracing
 * is on (src/config/otel-env.ts). It registers, process-wide, the AsyncLocalStorage context manager (so an
 * activity's span is the parent of the HTTP spans its cloud calls make) and the W3C trace-context propagator
 * (what the Temporal interceptors write into and read from workflow/activity headers), and exports spans in
 * batches by OTLP over HTTP. `shutdown()` flushes: the worker calls it after its workers stopped, the CLI
 * before it exits.
 *
 * Import it dynamically (`await import(...)`) only when tracing is on: with tracing off, no OpenTelemetry SDK
 * code is even loaded.
 */
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/otel-env.js';

/** The instrumentation scope of the product's own spans (HTTP calls to the cloud). */
export const TRACER_NAME = 'kafka-crossvpc';

export interface Tracing {
  tracer: Tracer;
  /** Where every span ends (also the workflow isolate's spans, through the worker's sink). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** `<url> (<protocol>, service.name <name>)`, for the start-up line (never the headers). */
  exportsTo: string;
  /** Exports what is buffered, then stops; idempotent. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** Instead of OTLP (tests: an in-memory exporter, then spans are handed over one by one). */
  exporter?: SpanExporter;
}

export function startTracing(config: TracingConfig, options: StartTracingOptions = {}): Tracing {
  const resource = Resource.default().merge(new Resource({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName }));
  const spanProcessor: SpanProcessor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(otlpExporter(config));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global context manager and propagator (a second registration in the same process keeps the first ones).
  provider.register();
  let stopped: Promise<void> | undefined;
  return {
    tracer: provider.getTracer(TRACER_NAME),
    spanProcessor,
    resource,
    exportsTo: options.exporter ? 'a test exporter' : `${withoutCredentials(config.url)} (${config.protocol}, service.name ${config.serviceName})`,
    shutdown: () => (stopped ??= provider.shutdown().catch(() => undefined)),
  };
}

function otlpExporter(config: TracingConfig): SpanExporter {
  const options = { url: config.url, headers: config.headers, timeoutMillis: config.timeoutMs };
  return config.protocol === 'http/json' ? new OtlpJsonExporter(options) : new OtlpProtobufExporter(options);
}

/** The URL without user:password@ or query (what a start-up line may print). */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
