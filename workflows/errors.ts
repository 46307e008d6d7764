/**
 * Error type strings of kafka-crossvpc failures (`ApplicationFailure.type`). One place, so the CLI,
 * tests and retry policies agree. Pure.
 */
export const ErrorTypes = {
  InvalidInput: 'InvalidInput',
  InstanceNotReady: 'InstanceNotReady',
  InstanceOwnedElsewhere: 'InstanceOwnedElsewhere',
  ResourceConflict: 'ResourceConflict',
  ServiceFailed: 'EndpointServiceFailed',
  EndpointFailed: 'EndpointFailed',
  EndpointRejected: 'EndpointRejected',
  PollDeadlineExceeded: 'PollDeadlineExceeded',
  MappingIncomplete: 'MappingIncomplete',
  ListenerUpdateFailed: 'ListenerUpdateFailed',
  VerificationFailed: 'VerificationFailed',
  ApprovalTimeout: 'ApprovalTimeout',
  /** A child (port) failed or was cancelled and removed what it created. */
  PortRolledBack: 'PortRolledBack',
  /** The access failed and everything it created was removed. */
  ProvisioningRolledBack: 'ProvisioningRolledBack',
  /** The access failed and some compensation did not finish: details list the leftovers. */
  CompensationFailed: 'CompensationFailed',
  /** Verification failed and `verify.onFailure = keep`: resources kept. */
  VerificationFailedKept: 'VerificationFailedKept',
  /** A service delete answered EndPoint.3006 (endpoints still attached): retried. */
  ServiceInUse: 'ServiceInUse',
  /** A VPCEP quota is used up (Endpoint.1018); the message names the quota and its usage. Not retried. */
  QuotaExceeded: 'QuotaExceeded',
  /** The DMS instance is not RUNNING around crossvpc/modify: retried until it is. */
  InstanceBusy: 'InstanceBusy',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];
