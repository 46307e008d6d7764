/**
 * The worker's side of tracing (on only when the OTEL_* variables say so: src/config/otel-env.ts):
 *
 *  - activity interceptors: each activity runs in a span `RunActivity:<type>` whose parent is the workflow's
 *    `StartActivity:<type>` (trace context from the activity's headers), tagged with the access's instance and
 *    port ids; the cloud HTTP spans the activity makes are its children (src/otc/transport.ts);
 *  - the client interceptor on the Temporal client activities use (e.g. `requestLock`'s signal-with-start of the
 *    instance's lock workflow), so that workflow joins the same trace;
 *  - the `exporter` sink: the workflow isolate's spans (worker/workflow-tracing.ts) leave the sandbox through
 *    it into the process's span processor (the SDK does not call it during replay);
 *  - the tracer the OTC clients give their transports.
 *
 * Loaded dynamically by `crossvpc worker` only when tracing is on.
 */
import { trace } from '@opentelemetry/api';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { ClientInterceptors } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Tracing } from '../src/telemetry/tracing.js';

export interface WorkerTracing {
  activity: ActivityInterceptorsFactory[];
  client: ClientInterceptors;
  sinks: InjectedSinks<OpenTelemetrySinks>;
  tracer: Tracing['tracer'];
}

interface IdsInput {
  instanceId?: unknown;
  portId?: unknown;
}

export function workerTracing(tracing: Tracing): WorkerTracing {
  const { tracer } = tracing;
  return {
    tracer,
    client: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    activity: [
      (ctx) => {
        const otel = new OpenTelemetryActivityInboundInterceptor(ctx, { tracer });
        return {
          inbound: {
            execute: (input, next) =>
              otel.execute(input, (inner) => {
                const a = (inner.args[0] ?? {}) as IdsInput;
                const span = trace.getActiveSpan();
                if (typeof a.instanceId === 'string') span?.setAttribute('crossvpc.instance_id', a.instanceId);
                if (typeof a.portId === 'string') span?.setAttribute('crossvpc.port_id', a.portId);
                return next(inner);
              }),
          },
          // trace_id / span_id on the activity's log entries
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        };
      },
    ],
  };
}
