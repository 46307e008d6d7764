/** Input and result of the per-port child workflow (built by the parent; validated again by the child). Pure. */
import { z } from 'zod';
import type { Leftover } from './definitions.js';
import { PollingSchema } from './polling-input.js';

const PortBaselineSchema = z
  .object({
    portId: z.string().min(1),
    serviceIds: z.array(z.string()),
    endpoints: z.array(
      z.object({ endpointId: z.string(), status: z.string(), ip: z.string().optional(), vpcId: z.string().optional(), subnetId: z.string().optional() }).strict(),
    ),
    whitelisted: z.boolean(),
    nameFree: z.boolean().optional(),
  })
  .strict();

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
    /** What of this port existed when the run started: never removed by this child. */
    baseline: PortBaselineSchema,
    timeouts: PollingSchema,
  })
  .strict();
export type PortInput = z.infer<typeof PortInputSchema>;

/** What a child returns: everything the parent needs for the mapping, the undo and the report. */
export interface PortResult {
  portId: string;
  listenerIp: string;
  serviceId: string;
  serviceName: string;
  endpointId: string;
  endpointIp: string;
  /** What this run created on the port (the rest existed before and is kept on undo). */
  created: { service: boolean; endpoint: boolean; whitelist: boolean };
  /** Extra endpoints of the port the run removed (late commits of creates without answer). */
  reconciled?: string[];
}

/** `details[0]` of a port child's failure. */
export interface PortFailureDetails {
  portId: string;
  causeType?: string;
  undone: string[];
  kept: string[];
  leftovers: Leftover[];
}
