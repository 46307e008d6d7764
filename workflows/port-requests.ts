/** The input of one port child, built from the access input, the instance and the baseline. Pure. */
import type { AccessBaseline, CrossVpcEntry, InstanceView } from '../activities/types.js';
import { portBaseline } from './baseline.js';
import type { ProvisionInput } from './input.js';
import type { PortInput } from './port-input.js';

export function portRequest(input: ProvisionInput & { clientCredentials: string }, inst: InstanceView, e: CrossVpcEntry, baseline: AccessBaseline): PortInput {
  return {
    instanceId: input.instanceId,
    portId: e.portId,
    listenerIp: e.listenerIp,
    instanceVpcId: inst.vpcId,
    clientVpcId: input.clientVpcId,
    clientSubnetId: input.clientSubnetId,
    ...(input.clientDomainId ? { clientDomainId: input.clientDomainId } : {}),
    instanceCredentials: input.instanceCredentials,
    clientCredentials: input.clientCredentials,
    serviceApprovalEnabled: input.serviceApprovalEnabled,
    baseline: portBaseline(baseline, e.portId),
    timeouts: input.timeouts,
  };
}
