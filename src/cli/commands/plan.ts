/**
 * `crossvpc plan (--input FILE | --instance-id I --client-vpc-id V --client-subnet-id S) [request flags]
 *   [--task-queue Q] [--json]`
 *
 * What `provision` with the same request would do, read-only (CrossVpcClient.plan: the preflight on a worker,
 * then per broker port the endpoint service and endpoint to create or adopt, the whitelist entry, the rules and
 * the advertised-IP change by port id). Takes exactly provision's request flags and --input. Creates nothing.
 * Exit 0 provisioning can go ahead; 2 the preflight refuses the request (each problem names its field);
 * 5 brokers advertise IPs of another access (provision would refuse without --force).
 */
import { z } from 'zod';
import { CrossVpcClient } from '../../client/crossvpc-client.js';
import { CrossVpcError } from '../../client/errors.js';
import type { AccessPlan } from '../../../workflows/plan.js';
import { COMMON_FLAGS, CONNECTION_ENV, CONNECTION_FLAGS, TASK_QUEUE_ENV, TASK_QUEUE_FLAG, connectOptions, flag, withFlagNames, type CommandSpec } from '../args.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { runCommand } from '../output.js';
import { commandLineRequest, REQUEST_FLAGS, requestFlagSchema, requiredWithoutInput } from '../provision-request.js';

export const summary = 'show what provision would do for this request (preflight, per port create/adopt, advertised IPs before → after); creates nothing';

const ArgsSchema = z
  .object({
    ...requestFlagSchema,
    'task-queue': flag.taskQueue,
    address: flag.address,
    namespace: flag.namespace,
    json: flag.bool,
    help: flag.bool,
  })
  .strict()
  .superRefine((a, ctx) => requiredWithoutInput(a, ctx));

const spec = {
  name: 'plan',
  summary: `${summary}. Exit code: 0 provisioning can go ahead, 2 the preflight refuses the request (or bad flags), 5 brokers advertise another access's IPs (provision needs --force), 1 failed.`,
  flags: { ...REQUEST_FLAGS, ...TASK_QUEUE_FLAG, ...CONNECTION_FLAGS, ...COMMON_FLAGS },
  env: { ...CONNECTION_ENV, ...TASK_QUEUE_ENV },
  schema: ArgsSchema,
  notes: [
    'JSON: {ok, plan: {instanceId, ok, problems[{field,message,hint}], foreignAdvertised[], force, ports[{portId, listenerIp, service{action,name,id?}, endpoint{action,id?,ip?}, whitelist{action,domainId?}, advertised{before,after}}], securityGroupRule, networkAcl, quotas[]}}',
    'an endpoint IP not known yet is "to be assigned"; --input FILE and the request flags are exactly provision\'s.',
  ],
} as const satisfies CommandSpec<typeof ArgsSchema>;

/** Exit code of a plan: what `provision` with the same request would meet first. */
export function exitCodeOfPlan(plan: Pick<AccessPlan, 'ok' | 'problems'>): ExitCodeValue {
  if (plan.ok) return ExitCode.Ok;
  return plan.problems.length > 0 ? ExitCode.Usage : ExitCode.WrongState;
}

/** The plan as text: one block per port, then the rules, the quotas and what stands in the way. */
export function planText(plan: AccessPlan): string[] {
  const lines = [`plan for the cross-VPC access of Kafka ${plan.instanceId}: ${plan.ok ? 'provisioning can go ahead' : 'provisioning would be refused'}`];
  for (const p of plan.problems) lines.push(`  problem: ${p.field}: ${p.message}`, `    what to do: ${p.hint}`);
  for (const f of plan.foreignAdvertised) lines.push(`  listener ${f.listenerIp} advertises ${f.advertisedIp}, which is not an endpoint of this access${plan.force ? ' (taken over: --force; it comes back on a rollback)' : ' (start with --force to take it over)'}`);
  for (const p of plan.ports) {
    lines.push(`  port ${p.portId} (listener ${p.listenerIp})`);
    lines.push(`    endpoint service ${p.service.name}: ${p.service.action}${p.service.id ? ` ${p.service.id}` : ''}`);
    lines.push(`    endpoint: ${p.endpoint.action}${p.endpoint.id ? ` ${p.endpoint.id}` : ''}${p.endpoint.ip ? ` (${p.endpoint.ip})` : ''}`);
    if (p.whitelist.action !== 'not-needed') lines.push(`    whitelist ${p.whitelist.domainId ?? ''}: ${p.whitelist.action}`);
    lines.push(`    advertised IP: ${p.advertised.before} → ${p.advertised.after}${p.advertised.before === p.advertised.after ? ' (unchanged)' : ''}`);
  }
  const sg = plan.securityGroupRule;
  lines.push(`  security group ${sg.securityGroupId} rule 198.19.128.0/17 TCP 9011: ${sg.action}${sg.ruleId ? ` ${sg.ruleId}` : ''}`);
  const acl = plan.networkAcl;
  lines.push(`  network ACL: ${acl.action}${acl.firewallId ? ` ${acl.firewallId}` : ''}`);
  for (const q of plan.quotas) lines.push(`  quota ${q.type}: ${describeQuota(q)}`);
  return lines;
}

function describeQuota(q: AccessPlan['quotas'][number]): string {
  return `${q.used} of ${q.quota} used, this access needs ${q.needed} more${q.used + q.needed > q.quota ? ' (too small)' : ''}`;
}

export async function run(argv: string[]): Promise<number> {
  return runCommand(spec, argv, async ({ args, out, connect }) => {
    const clr = commandLineRequest(args);
    try {
      const input = CrossVpcClient.validateAccessRequest(clr.request);
      const client = await connect(connectOptions(args));
      const plan = await client.plan(input);
      out.result({ ok: plan.ok, plan }, planText(plan));
      return exitCodeOfPlan(plan);
    } catch (e) {
      if (e instanceof CrossVpcError && e.code === 'InvalidInput' && e.field) throw withFlagNames(e, clr.fieldFlags);
      throw e;
    }
  });
}
