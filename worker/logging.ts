/**
 * Logs of the worker process (`crossvpc worker --log-format json|text`).
 *
 *  - `text` (default): the SDK's readable lines (`2026-… [INFO] message { …meta }`).
 *  - `json`: one JSON object per line on stderr: `ts`, `level`, `msg`, then the ids that matter first —
 *    `instanceId`, `portId`, `workflowId`, `runId`, `workflowType`, `activityType`, `taskQueue`, `namespace` —
 *    then the rest of the entry's metadata. Never a secret: values under keys that name one (`sk`, `password`,
 *    `token`, …) are replaced by `[redacted]` (the product logs none; this guards SDK or future metadata).
 *
 * Ids: the SDK adds workflow/run/activity ids itself; the activity interceptor below adds `instanceId` and
 * `portId` from the activity's input, and the workflows pass them with their own log calls.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { DefaultLogger, type LogEntry, type LogLevel, type Logger } from '@temporalio/worker';

export type LogFormat = 'json' | 'text';

const FIRST = ['instanceId', 'portId', 'workflowId', 'runId', 'workflowType', 'activityType', 'activityId', 'taskQueue', 'namespace'] as const;

/** Keys whose values would be secrets (credential-set *names* such as `instanceCredentials` are not). */
const SECRET_KEY = /(password|passwd|passphrase|secret$|secretkey|token|authorization|private|^sk$|^ak$)/i;

function scrub(v: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (v instanceof Error) return { name: v.name, message: v.message };
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, SECRET_KEY.test(k) ? '[redacted]' : scrub(x, depth + 1)]));
  }
  return v;
}

/** One log entry as one JSON line (no trailing newline). */
export function jsonLine(entry: LogEntry): string {
  const meta = (scrub(entry.meta ?? {}) ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ts: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: entry.level, msg: entry.message };
  for (const k of FIRST) if (meta[k] !== undefined) out[k] = meta[k];
  for (const [k, v] of Object.entries(meta)) if (!(k in out)) out[k] = v;
  return JSON.stringify(out);
}

/** The worker's logger for a format, writing to `write` (default stderr). */
export function createLogger(format: LogFormat, level: LogLevel = 'INFO', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  return format === 'json' ? new DefaultLogger(level, (e) => write(jsonLine(e))) : new DefaultLogger(level);
}

interface IdsInput {
  instanceId?: unknown;
  portId?: unknown;
}

/** Activity interceptor: `instanceId` / `portId` of the activity's input on each of its log entries. */
export const activityLogIds: ActivityInterceptorsFactory = () => {
  let ids: Record<string, string> = {};
  return {
    inbound: {
      async execute(input, next) {
        const a = (input.args[0] ?? {}) as IdsInput;
        ids = {
          ...(typeof a.instanceId === 'string' ? { instanceId: a.instanceId } : {}),
          ...(typeof a.portId === 'string' ? { portId: a.portId } : {}),
        };
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next({ ...ids, ...input });
      },
    },
  };
};
