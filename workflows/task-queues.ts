/** Task queue naming. Pure. */

/** Task queue of the verification activity: `<taskQueue>-verify` (a worker inside the client network). */
export function verifyTaskQueue(taskQueue: string): string {
  return `${taskQueue}-verify`;
}

/**
 * Task queue of the verification from one client VPC of a named access: `<taskQueue>-verify-<clientVpcId>` (a
 * worker inside that VPC, resolving through that VPC's resolver).
 */
export function vpcVerifyTaskQueue(taskQueue: string, clientVpcId: string): string {
  return `${verifyTaskQueue(taskQueue)}-${clientVpcId}`;
}
