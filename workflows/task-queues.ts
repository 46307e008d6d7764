/** Task queue naming and which queue an activity runs on. Pure. */

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

/** The cloud services whose calls can be rate-limited globally (docs/decisions/rate-limit.md). */
export const CLOUD_SERVICES = ['vpcep', 'dms', 'vpc'] as const;
export type CloudService = (typeof CLOUD_SERVICES)[number];

/** Task queue of the activities calling one cloud service: `<taskQueue>-cloud-<service>`. */
export function cloudTaskQueue(taskQueue: string, service: CloudService): string {
  return `${taskQueue}-cloud-${service}`;
}

/**
 * The service queue of each cloud activity (by the service it calls; the few that also read another service
 * do so only on undo paths). Activities not listed (Temporal-side ones) run on the main queue.
 */
export const ACTIVITY_SERVICE: Readonly<Record<string, CloudService>> = {
  readAccess: 'vpcep',
  findPortService: 'vpcep',
  ensureEndpointService: 'vpcep',
  getEndpointServiceStatus: 'vpcep',
  addWhitelist: 'vpcep',
  removeWhitelist: 'vpcep',
  deletePortServices: 'vpcep',
  portServicesRemaining: 'vpcep',
  findPortEndpoint: 'vpcep',
  ensureEndpoint: 'vpcep',
  getEndpointStatus: 'vpcep',
  acceptEndpointConnection: 'vpcep',
  reconcilePortEndpoints: 'vpcep',
  deletePortEndpoints: 'vpcep',
  portEndpointsRemaining: 'vpcep',
  awaitSettled: 'vpcep',
  discoverAccess: 'vpcep',
  attachedEndpoints: 'vpcep',
  retireWhitelist: 'vpcep',
  readInstance: 'dms',
  updateAdvertisedIps: 'dms',
  ensureSecurityGroupRule: 'vpc',
  removeSecurityGroupRule: 'vpc',
  removeMarkedSecurityGroupRules: 'vpc',
  ensureNetworkAclRules: 'vpc',
  findNetworkAclRules: 'vpc',
  removeNetworkAclRules: 'vpc',
  removeMarkedAclRules: 'vpc',
};
