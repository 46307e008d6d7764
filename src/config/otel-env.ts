/**
 * Tracing configuration from the standard OpenTelemetry variables (the SDK specification's names and
 * defaults), parsed with zod. Tracing is ON only when an OTLP endpoint is set
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`), `OTEL_TRACES_EXPORTER` is unset or
 * `otlp`, and `OTEL_SDK_DISABLED` is not `true`; otherwise {@link tracingConfig} returns `undefined` and no
 * interceptor, tracer or exporter is created anywhere.
 *
 *   OTEL_SDK_DISABLED                         true → off (case-insensitive; anything else → on)
 *   OTEL_TRACES_EXPORTER                      otlp (default) | none → off; other exporters are not shipped
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT        the traces URL, used as is (e.g. http://collector:4318/v1/traces)
 *   OTEL_EXPORTER_OTLP_ENDPOINT               base URL; `/v1/traces` is appended
 *   OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL      http/protobuf (default) | http/json (grpc is not shipped)
 *   OTEL_EXPORTER_OTLP_[TRACES_]HEADERS       k=v,k2=v2 (URL-encoded values; e.g. an API key — never printed)
 *   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT       export timeout, ms (default 10000)
 *   OTEL_SERVICE_NAME                         default kafka-crossvpc-worker / kafka-crossvpc-cli / kafka-crossvpc-dev
 *   OTEL_RESOURCE_ATTRIBUTES                  k=v,k2=v2 added to the resource (service.name from OTEL_SERVICE_NAME wins)
 * Sampling (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`) and the batch processor's `OTEL_BSP_*` are read by
 * the OpenTelemetry SDK itself. docs/operations.md "Tracing"; docs/decisions/tracing.md.
 */
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';
import type { Env } from './value-source.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Which process is traced: its default service name (`dev`: `crossvpc dev`, client and worker in one process). */
export type TracedProcess = 'worker' | 'cli' | 'dev';

export const DEFAULT_SERVICE_NAMES: Readonly<Record<TracedProcess, string>> = {
  worker: 'kafka-crossvpc-worker',
  cli: 'kafka-crossvpc-cli',
  dev: 'kafka-crossvpc-dev',
};

export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

export interface TracingConfig {
  serviceName: string;
  /** The OTLP/HTTP traces URL. */
  url: string;
  protocol: OtlpProtocol;
  /** Export headers (may hold an API key: never print them). */
  headers: Record<string, string>;
  timeoutMs: number;
  /** From OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Record<string, string>;
}

const blankToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'expected an http:// or https:// URL, e.g. http://127.0.0.1:4318');

/** `k=v,k2=v2` (W3C baggage-like, values URL-encoded) → a record; an entry without `=` or a key is an error. */
const keyValueList = z
  .string()
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const entry of v.split(',')) {
      if (entry.trim() === '') continue;
      const eq = entry.indexOf('=');
      const key = eq > 0 ? entry.slice(0, eq).trim() : '';
      if (!key) {
        ctx.addIssue({ code: 'custom', message: 'expected key=value pairs separated by commas (k1=v1,k2=v2)' });
        return z.NEVER;
      }
      let value = entry.slice(eq + 1).trim();
      try {
        value = decodeURIComponent(value);
      } catch {
        // not URL-encoded: keep as written
      }
      out[key] = value;
    }
    return out;
  });

const protocol = z.enum(['http/protobuf', 'http/json', 'grpc'], { error: 'expected http/protobuf (default) or http/json' }).refine((p) => p !== 'grpc', 'grpc is not supported: use http/protobuf (default) or http/json (OTLP over HTTP, port 4318)');

const OtelEnv = z.object({
  OTEL_SDK_DISABLED: optional(z.string().trim().toLowerCase()),
  OTEL_TRACES_EXPORTER: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v === 'otlp' || v === 'none', 'expected otlp (default) or none; no other trace exporter is shipped'),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(httpUrl),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(httpUrl),
  OTEL_EXPORTER_OTLP_PROTOCOL: optional(protocol),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optional(protocol),
  OTEL_EXPORTER_OTLP_HEADERS: optional(keyValueList),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optional(keyValueList),
  OTEL_EXPORTER_OTLP_TIMEOUT: optional(z.coerce.number({ error: 'expected milliseconds' }).int('expected whole milliseconds').positive('expected a positive number of milliseconds')),
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: optional(z.coerce.number({ error: 'expected milliseconds' }).int('expected whole milliseconds').positive('expected a positive number of milliseconds')),
  OTEL_SERVICE_NAME: optional(z.string().trim()),
  OTEL_RESOURCE_ATTRIBUTES: optional(keyValueList),
});

/** The variables read here (for `crossvpc config show` style listings and tests). */
export const OTEL_VARIABLES = Object.keys(OtelEnv.shape) as readonly (keyof typeof OtelEnv.shape)[];

/**
 * The tracing configuration of `process` (`worker` / `cli`), or `undefined` when the environment does not turn
 * tracing on. Throws one {@link ConfigError} naming every bad OTEL_* variable (never echoing header values) —
 * but only when tracing would be on: a bad value of a switched-off feature never stops the product.
 */
export function tracingConfig(env: Env, process: TracedProcess): TracingConfig | undefined {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const endpointSet = [env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT].some((v) => v !== undefined && v.trim() !== '');
  if (disabled || exporter === 'none' || !endpointSet) return undefined;

  const parsed = OtelEnv.safeParse(Object.fromEntries(OTEL_VARIABLES.map((k) => [k, env[k]])));
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? 'OTEL_*'), expected: i.message }));
    throw new ConfigError(issues);
  }
  const e = parsed.data;
  const url = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '')}/v1/traces`;
  return {
    serviceName: e.OTEL_SERVICE_NAME ?? DEFAULT_SERVICE_NAMES[process],
    url,
    protocol: (e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf') as OtlpProtocol,
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    timeoutMs: e.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? e.OTEL_EXPORTER_OTLP_TIMEOUT ?? DEFAULT_OTLP_TIMEOUT_MS,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES ?? {},
  };
}
