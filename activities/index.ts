/**
 * Composes the activities of kafka-crossvpc: `createActivities(deps)` (the cloud API activities, one module per
 * resource, plus the Temporal-side ones) and `createVerifyActivities(deps)` (the Kafka probe).
 *
 * Rules every activity follows (see the modules):
 * - idempotent: find by deterministic name/tag before creating; a create without an answer is reported in
 *   doubt instead of being repeated (activities/cloud-call.ts);
 * - undo activities remove only what they are told is not the baseline, and only what carries our marks;
 * - cloud calls run in `cloudCall`: heartbeats, the activity's AbortSignal, per-call timeouts below the
 *   attempt's deadline; typed client errors become ApplicationFailures honouring `retryable`/`retryAfterMs`;
 * - no secret is taken from or returned to the workflow.
 */
import { createAccessStateActivities } from './access-state.js';
import { createAwaitActivities } from './await-settled.js';
import { resolveClients, type ActivityDeps } from './clients.js';
import { CALLS_PER_TASK } from './cloud-call.js';
import { createConnectionActivities } from './connections.js';
import { createDiscoveryActivities } from './discovery.js';
import { createDnsActivities } from './dns.js';
import { createEndpointActivities } from './endpoint.js';
import { createEndpointServiceActivities } from './endpoint-service.js';
import { createListenerActivities } from './listeners.js';
import { createNetworkRuleActivities, type OperationRunning } from './network-rules.js';
import { SettleEstimates } from './settle-estimates.js';
import { createWorkflowRunActivities, operationRunning } from './workflow-runs.js';

export { createVerifyActivities, type VerifyDeps } from './verify.js';
export type { ActivityDeps, OtcClientSet } from './clients.js';

export function createActivities(deps: ActivityDeps & { operationRunning?: OperationRunning; settleEstimates?: SettleEstimates; rateLimited?: boolean }) {
  const clients = resolveClients(deps);
  return {
    ...createAccessStateActivities(clients, deps.rateLimited ? { stepsPerAttempt: CALLS_PER_TASK } : {}),
    ...createListenerActivities(clients, deps),
    ...createEndpointServiceActivities(clients, deps),
    ...createEndpointActivities(clients),
    ...createConnectionActivities(clients),
    ...createAwaitActivities(clients, deps.settleEstimates ?? new SettleEstimates(), { lookPerAttempt: deps.rateLimited === true }),
    ...createNetworkRuleActivities(clients, deps.operationRunning ?? operationRunning),
    ...createDiscoveryActivities(clients),
    ...createDnsActivities(clients),
    ...createWorkflowRunActivities(),
  };
}

export type CrossVpcActivities = ReturnType<typeof createActivities>;
