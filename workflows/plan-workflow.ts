/**
 * `planCrossVpcAccess`: what `provisionCrossVpcAccess` would do with this input, read-only — the preflight and
 * the plan per broker port (workflows/plan.ts). Runs on the worker (it holds the cloud credentials); takes no
 * lock and creates nothing.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from './errors.js';
import { parseProvisionInput } from './input.js';
import { buildPlan, type AccessPlan } from './plan.js';
export { PLAN_WORKFLOW_TYPE } from './plan.js';
import { otcProxies } from './proxies.js';

export async function planCrossVpcAccess(raw: unknown): Promise<AccessPlan> {
  const parsed = parseProvisionInput(raw);
  if (!parsed.ok) throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  const input = parsed.input;
  const { look } = otcProxies(input.timeouts);
  let state;
  try {
    state = await look.readAccess.executeWithOptions({ summary: `preflight and plan for ${input.instanceId}` }, [
    {
      instanceCredentials: input.instanceCredentials,
      clientCredentials: input.clientCredentials ?? input.instanceCredentials,
      instanceId: input.instanceId,
      clientVpcId: input.clientVpcId,
      clientSubnetId: input.clientSubnetId,
      ...(input.clientSubnetCidr ? { clientSubnetCidr: input.clientSubnetCidr } : {}),
      ...(input.clientDomainId ? { clientDomainId: input.clientDomainId } : {}),
    },
    ]);
  } catch (err) {
    // The instance itself cannot be read (unknown, credentials refused): a plan of problems only.
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || cause.type !== ErrorTypes.PreflightFailed) throw err;
    const problems = ((cause.details?.[0] as { problems?: AccessPlan['problems'] } | undefined)?.problems ?? []);
    return { instanceId: input.instanceId, ok: false, problems, foreignAdvertised: [], force: input.force, ports: [], securityGroupRule: { action: 'not-managed', securityGroupId: '' }, networkAcl: { action: 'not-managed' }, quotas: [] };
  }
  return buildPlan(input, state);
}
