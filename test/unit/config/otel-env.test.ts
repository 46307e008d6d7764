/**
 * OTEL_* → tracing on or off (src/config/otel-env.ts): off unless an OTLP endpoint is set, off again with
 * OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true; the standard names and defaults; bad values named.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { tracingConfig, type TracingConfig } from '../../../src/config/otel-env.js';
import type { Env } from '../../../src/config/value-source.js';

const ENDPOINT: Env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' };

function problems(env: Env): string[] {
  try {
    tracingConfig(env, 'worker');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.variable}: ${i.expected}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('tracingConfig', () => {
  it('is off by default and whenever the standard variables say so', () => {
    expect(tracingConfig({}, 'worker')).toBeUndefined();
    expect(tracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: '' }, 'cli')).toBeUndefined();
    expect(tracingConfig({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' }, 'worker')).toBeUndefined();
    expect(tracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' }, 'worker')).toBeUndefined();
    // Off, a bad value of tracing is not an error (it must not stop the product).
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'worker')).toBeUndefined();
  });

  it('is on with an endpoint: the spec defaults, the per-signal variables winning over the general ones', () => {
    expect(tracingConfig(ENDPOINT, 'worker')).toEqual<TracingConfig>({
      serviceName: 'kafka-crossvpc-worker',
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      timeoutMs: 10_000,
      resourceAttributes: {},
    });
    expect(tracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }, 'cli')?.serviceName).toBe('kafka-crossvpc-cli');
    const c = tracingConfig(
      {
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example:4318/custom',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a,api-key=general',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=s%3Dcret',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '3000',
        OTEL_SERVICE_NAME: 'crossvpc-prod',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, team=platform',
      },
      'worker',
    );
    expect(c).toEqual<TracingConfig>({
      serviceName: 'crossvpc-prod',
      url: 'https://traces.example:4318/custom',
      protocol: 'http/json',
      headers: { 'x-tenant': 'a', 'api-key': 's=cret' },
      timeoutMs: 3000,
      resourceAttributes: { 'deployment.environment': 'prod', team: 'platform' },
    });
  });

  it('names every bad variable, never echoing a header value', () => {
    const p = problems({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
      OTEL_EXPORTER_OTLP_HEADERS: 'topsecretvalue',
    });
    expect(p.map((l) => l.split(':')[0]).sort()).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_TRACES_EXPORTER']);
    expect(p.join('\n')).toMatch(/grpc is not supported/);
    expect(p.join('\n')).not.toContain('topsecretvalue');
  });
});
