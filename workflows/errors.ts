/**
 * Every failure type string of kafka-crossvpc (`ApplicationFailure.type`, outcome `error.type`). One place, so
 * the activities, the workflows, the CLI, the typed client, tests and retry policies agree. Pure.
 */
export const ErrorTypes = {
  // ---- input and preconditions (nothing was created) ---------------------------------------------------
  InvalidInput: 'InvalidInput',
  InstanceNotReady: 'InstanceNotReady',
  InstanceOwnedElsewhere: 'InstanceOwnedElsewhere',
  /** Another mutating operation holds the instance (or its security group) and this one does not wait. */
  AccessBusy: 'AccessBusy',
  /** The access is running with a different input (client side: a second `provision` that differs). */
  InputConflict: 'InputConflict',
  /** A check before anything is created failed (client network, credentials, quota): details list the fields. */
  PreflightFailed: 'PreflightFailed',
  /** A resource with our deterministic name exists but does not carry our tags. */
  ResourceConflict: 'ResourceConflict',
  /** A credential set named in the input is not configured on the worker. */
  CredentialsNotConfigured: 'CredentialsNotConfigured',
  /** A verification secret reference is not configured on the verify worker. */
  SecretNotConfigured: 'SecretNotConfigured',

  // ---- cloud API (activities) --------------------------------------------------------------------------
  OtcApiError: 'OtcApiError',
  OtcTransportError: 'OtcTransportError',
  OtcResponseShapeError: 'OtcResponseShapeError',
  /** A service delete answered EndPoint.3006 (endpoints still attached): retried. */
  ServiceInUse: 'ServiceInUse',
  /** A VPCEP quota is used up (Endpoint.1018); the message names the quota and its usage. Not retried. */
  QuotaExceeded: 'QuotaExceeded',
  /** The DMS instance is not RUNNING around crossvpc/modify: retried until it is. */
  InstanceBusy: 'InstanceBusy',

  // ---- provisioning steps --------------------------------------------------------------------------------
  ServiceFailed: 'EndpointServiceFailed',
  EndpointFailed: 'EndpointFailed',
  EndpointRejected: 'EndpointRejected',
  PollDeadlineExceeded: 'PollDeadlineExceeded',
  MappingIncomplete: 'MappingIncomplete',
  ListenerUpdateFailed: 'ListenerUpdateFailed',
  VerificationFailed: 'VerificationFailed',
  ApprovalTimeout: 'ApprovalTimeout',

  // ---- outcomes ----------------------------------------------------------------------------------------
  /** A child (port) failed or was cancelled and removed what it created. */
  PortRolledBack: 'PortRolledBack',
  /** The access failed and everything its run created was removed (the cloud is as the run found it). */
  ProvisioningRolledBack: 'ProvisioningRolledBack',
  /** The access failed and some compensation did not finish: details list the leftovers. */
  CompensationFailed: 'CompensationFailed',
  /** A teardown could not remove everything: details list the leftovers (a re-run finishes the job). */
  TeardownIncomplete: 'TeardownIncomplete',
  /** Verification failed and `verify.onFailure = keep`: resources kept. */
  VerificationFailedKept: 'VerificationFailedKept',
  /**
   * A re-verification found the access drifted or broken and did not heal it: the run fails with this type
   * (non-retryable) so the Temporal UI, the schedule's recent actions and Temporal's failure metrics show it.
   * details[0] is the full report (`ReverifyResult`); the typed client turns it back into a result.
   */
  AccessUnhealthy: 'AccessUnhealthy',
  /** Client-side outcome types (not thrown by workflows). */
  Unverified: 'Unverified',
  Cancelled: 'Cancelled',
  Terminated: 'Terminated',
  Timeout: 'Timeout',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];
