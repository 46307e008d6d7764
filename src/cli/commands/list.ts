/**
 * `crossvpc list [--instance-id ID] [--phase P] [--health H] [--client-vpc-id VPC] [--running | --closed]
 * [--json]`: every access of the namespace, one line each (instance, client VPC, phase, health, last
 * verified, ports), from what Temporal keeps (src/temporal/inventory.ts).
 */
import { z } from 'zod';
import type { AccessListEntry } from '../../temporal/inventory.js';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, connectOptions, flag } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runCommand } from '../output.js';

export const summary = 'list every access: instance, client VPC, phase, health, last verified, ports';

const spec = {
  name: 'list',
  summary: `${summary}. Exit code: 0 (also when none matches), 2 bad flags.`,
  flags: {
    'instance-id': { type: 'string', value: 'ID', description: 'only this instance' },
    phase: { type: 'string', value: 'PHASE', description: 'only accesses in this phase (verified, unverified, rolled_back, failed, awaiting-approval, tearing-down, torn-down, …)' },
    health: { type: 'string', value: 'H', description: 'only this health of the latest re-verification: healthy, drifted, broken' },
    'client-vpc-id': { type: 'string', value: 'VPC', description: 'only accesses from this client VPC' },
    running: { type: 'boolean', description: 'only accesses with a provisioning or teardown still running' },
    closed: { type: 'boolean', description: 'only accesses with nothing running' },
    ...CONNECTION_FLAGS,
    ...COMMON_FLAGS,
  },
  env: CONNECTION_ENV,
  schema: z
    .object({
      'instance-id': z.string().min(1, '--instance-id must not be empty').optional(),
      phase: z.string().min(1, '--phase must not be empty').optional(),
      health: z.enum(['healthy', 'drifted', 'broken'], { error: '--health must be healthy, drifted or broken' }).optional(),
      'client-vpc-id': z.string().min(1, '--client-vpc-id must not be empty').optional(),
      running: flag.bool,
      closed: flag.bool,
      address: flag.address, identity: flag.identity,
      namespace: flag.namespace,
      json: flag.bool,
      help: flag.bool,
    })
    .strict()
    .refine((a) => !(a.running && a.closed), { path: ['running'], message: '--running and --closed contradict each other: give one of them' }),
  notes: [
    'JSON: {ok, accesses[{instanceId, workflowId, runId, workflowStatus, phase, clientVpcId, clientSubnetId, health, lastVerifiedAt, ports[{portId, listenerIp, endpointId, endpointIp}], startedAt, closedAt, startedBy, tornDownAt}]}',
  ],
} as const;

function row(a: AccessListEntry): string[] {
  return [a.instanceId, a.clientVpcId ?? '-', a.phase, a.health ?? '-', a.lastVerifiedAt ?? '-', a.ports.length ? a.ports.map((p) => `${p.listenerIp}>${p.endpointIp ?? '?'}`).join(',') : '-', a.startedBy ?? '-'];
}

/** Columns padded to the widest cell (plain ASCII). */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const client = await connect(connectOptions(args));
    const accesses = await client.listAccesses({
      ...(args['instance-id'] ? { instanceId: args['instance-id'] } : {}),
      ...(args.phase ? { phase: args.phase } : {}),
      ...(args.health ? { health: args.health } : {}),
      ...(args['client-vpc-id'] ? { clientVpcId: args['client-vpc-id'] } : {}),
      ...(args.running ? { status: 'running' as const } : args.closed ? { status: 'closed' as const } : {}),
    });
    out.result(
      { ok: true, accesses },
      accesses.length ? table(['INSTANCE', 'CLIENT VPC', 'PHASE', 'HEALTH', 'LAST VERIFIED', 'PORTS (listener>endpoint)', 'STARTED BY'], accesses.map(row)) : ['no access matches'],
    );
    return ExitCode.Ok;
  });
}
