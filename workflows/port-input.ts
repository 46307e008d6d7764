/** Input of the per-port child workflow (built by the parent; validated again by the child). Pure. */
import { z } from 'zod';
import { PollingSchema } from './input.js';

export const PortInputSchema = z
  .object({
    instanceId: z.string().min(1),
    portId: z.string().min(1).max(43),
    listenerIp: z.string().min(1),
    instanceVpcId: z.string().min(1),
    clientVpcId: z.string().min(1),
    clientSubnetId: z.string().min(1),
    clientDomainId: z.string().min(1).optional(),
    instanceCredentials: z.string().min(1),
    clientCredentials: z.string().min(1),
    serviceApprovalEnabled: z.boolean(),
    timeouts: PollingSchema,
  })
  .strict();
export type PortInput = z.infer<typeof PortInputSchema>;

/** What a child returns: everything the parent needs for the mapping and the report. */
export interface PortResult {
  portId: string;
  listenerIp: string;
  serviceId: string;
  serviceName: string;
  endpointId: string;
  endpointIp: string;
}
