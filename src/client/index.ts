/**
 * Public API of kafka-crossvpc for other TypeScript services: the typed client, its inputs (zod schemas and
 * types) and the shapes it returns.
 */
export {
  CrossVpcClient,
  progressFromOutcome,
  reverifyScheduleId,
  teardownWorkflowId,
  verifyWorkflowId,
  REVERIFY_WORKFLOW_TYPE,
  TEARDOWN_WORKFLOW_TYPE,
  type AccessHandle,
  type AccessStatus,
  type AccessTarget,
  type ApproveResult,
  type ConnectOptions,
  type FollowOptions,
  type FromClientOptions,
  type RemovalStatus,
  type ScheduleSummary,
  type TeardownOutcome,
  type VerifyOutcome,
} from './crossvpc-client.js';
export { CrossVpcError, type CrossVpcErrorCode } from './errors.js';
export {
  EverySchema,
  InstanceIdSchema,
  ListFiltersSchema,
  ReverifyRequestSchema,
  ScheduleRequestSchema,
  TeardownRequestSchema,
  type ListFilters,
  type ScheduleRequest,
} from './schemas.js';
export type { AccessListEntry, HistoryAction, HistoryEntry, InventoryPort } from '../temporal/inventory.js';
export type { Drift, DriftKind, Health, ReverifyRequest, ReverifyResult, TeardownRequest, TeardownResult } from '../../workflows/ops-input.js';
export { ProvisionInputSchema, type ProvisionInput, type ProvisionRequest } from '../../workflows/input.js';
export { TO_BE_ASSIGNED, type AccessPlan, type PortPlan } from '../../workflows/plan.js';
export type { AccessPhase, AccessProgress, PortProgressEntry, PortStatus } from '../../workflows/definitions.js';
export { PROVISION_WORKFLOW_TYPE, type OutcomeStatus, type PortOutcome, type ProvisionOutcome } from '../temporal/access-client.js';
