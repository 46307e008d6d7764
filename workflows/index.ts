/** Workflow bundle entry (`workflowsPath`): every workflow the worker registers. */
export { provisionCrossVpcAccess } from './access-workflow.js';
export type { AccessResult, AccessFailureDetails } from './access-workflow.js';
export { provisionPortEndpoint } from './port-workflow.js';
