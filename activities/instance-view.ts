/** The workflow-facing view of a DMS instance (JSON-safe, only what the workflows read). */
import type { DmsInstance } from '../src/otc/dms-schemas.js';
import type { InstanceView } from './types.js';

export function instanceView(inst: DmsInstance): InstanceView {
  return {
    instanceId: inst.instance_id,
    status: inst.status,
    vpcId: inst.vpc_id ?? '',
    subnetId: inst.subnet_id ?? '',
    securityGroupId: inst.security_group_id ?? '',
    brokerNum: typeof inst.broker_num === 'number' ? inst.broker_num : null,
    entries: inst.crossVpcEntries.map((e) => ({ listenerIp: e.listenerIp, advertisedIp: e.advertisedIp, port: e.port, portId: e.portId })),
  };
}
