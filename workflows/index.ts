/** Workflow bundle entry (`workflowsPath`): every workflow the worker registers. */
export { provisionCrossVpcAccess } from './access-workflow.js';
export type { AccessResult, AccessFailureDetails } from './access-outcome.js';
export { provisionPortEndpoint } from './port-workflow.js';
export { provisionNamedClientVpc, type NamedAccessResult } from './named-access-workflow.js';
export { removeNamedClientVpc, type RemoveClientResult } from './remove-client-workflow.js';
export { reverifyNamedClientVpc, type NamedReverifyResult } from './named-reverify-workflow.js';
export { teardownCrossVpcAccess } from './teardown-workflow.js';
export { reverifyCrossVpcAccess } from './reverify-workflow.js';
export { crossVpcOperationLock } from './lock-workflow.js';
export { planCrossVpcAccess } from './plan-workflow.js';
export type { TeardownResult, ReverifyResult, Drift, DriftKind, Health } from './ops-input.js';
