/**
 * `crossvpc setup [--create-namespace [--retention 72h]] [--check] [--json]`: makes the Temporal namespace
 * ready for kafka-crossvpc through the typed client (CrossVpcClient.setup): creates it when asked, registers
 * the search attributes CrossVpcInstanceId, CrossVpcPhase, CrossVpcHealth (Keyword). Idempotent.
 */
import { z } from 'zod';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, connectOptions, flag } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 'make the Temporal namespace ready: create it (--create-namespace), register the search attributes';

/** `72h`, `3d`, `30d` → ms (at least 1 h; the server may require more, e.g. 1 day). */
const RetentionSchema = z
  .string()
  .regex(/^[1-9]\d*(h|d)$/, '--retention must be a duration in hours or days, like 72h or 30d')
  .transform((v) => Number(v.slice(0, -1)) * (v.endsWith('d') ? 86_400_000 : 3_600_000));

const spec = {
  name: 'setup',
  summary: `${summary}. Idempotent. Exit code: 0 ready (or, with --check, ready without changes), 2 not ready: the namespace is missing or may not be changed by you (the message names the fix), bad flags.`,
  flags: {
    'create-namespace': { type: 'boolean', description: 'create the namespace when it does not exist' },
    retention: { type: 'string', value: 'DURATION', description: 'workflow-history retention of a namespace created here: 72h, 7d, … (default 72h; an existing namespace keeps its own)' },
    check: { type: 'boolean', description: 'change nothing: report what is missing (exit 2 when not ready)' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z
    .object({
      'create-namespace': flag.bool,
      retention: RetentionSchema.optional(),
      check: flag.bool,
      address: flag.address, identity: flag.identity,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict()
    .superRefine((a, ctx) => {
      if (a.retention !== undefined && !a['create-namespace']) ctx.addIssue({ code: 'custom', path: ['retention'], message: '--retention applies to a namespace created here: give --create-namespace too' });
      if (a.check && a['create-namespace']) ctx.addIssue({ code: 'custom', path: ['check'], message: '--check changes nothing: it cannot be combined with --create-namespace' });
    }),
  notes: [
    'JSON: {ok, namespace, namespaceCreated, retentionMs, searchAttributes[{name, type, status (present | registered | missing)}], changed, ready}',
    'Needs the operator API of the Temporal server (Temporal Cloud: register the attributes in its UI or tcld).',
  ],
} as const;

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const r = await client.setup({
      ...(args['create-namespace'] ? { createNamespace: true } : {}),
      ...(args.retention !== undefined ? { retentionMs: args.retention } : {}),
      ...(args.check ? { check: true } : {}),
    });
    const missing = r.searchAttributes.filter((s) => s.status === 'missing').map((s) => s.name);
    const ready = missing.length === 0;
    const retention = r.retentionMs === null ? 'unknown' : r.retentionMs % 86_400_000 === 0 ? `${r.retentionMs / 86_400_000}d` : `${Math.round(r.retentionMs / 3_600_000)}h`;
    out.result({ ok: ready, ...r, ready }, [
      `namespace ${r.namespace}: ${r.namespaceCreated ? `created (retention ${retention})` : `exists (retention ${retention})`}`,
      ...r.searchAttributes.map((s) => `  search attribute ${s.name} (${s.type}): ${s.status === 'registered' ? 'registered now' : s.status}`),
      ready ? `ready${r.changed ? '' : ' (nothing to change)'}` : `not ready: run crossvpc setup --namespace ${r.namespace} to register ${missing.join(', ')}`,
    ]);
    return ready ? ExitCode.Ok : ExitCode.Usage;
  });
}
