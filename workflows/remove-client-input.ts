/** Input and result of `removeNamedClientVpc` (pure: the workflow, the typed client and the CLI share it). */
import { z } from 'zod';
import { DEFAULT_ACCESS_ZONE, zoneNameSchema } from './broker-names.js';
import { clientDomainIdSchema, PollingSchema, refName, resourceId } from './input.js';

export const RemoveClientInputSchema = z
  .object({
    instanceId: resourceId('instanceId'),
    clientVpcId: resourceId('clientVpcId'),
    instanceCredentials: refName('instanceCredentials').default('default'),
    /** Credential set of the VPC's account (its zone and endpoints); default: the instance's. */
    clientCredentials: refName('clientCredentials').optional(),
    /**
     * The VPC's account when it differs from the instance's: its whitelist entry is retired once no VPC of that
     * account is attached. Found from the VPC's endpoints when they are still there; needed only by a re-run.
     */
    clientDomainId: clientDomainIdSchema.optional(),
    zone: zoneNameSchema.default(DEFAULT_ACCESS_ZONE),
    timeouts: PollingSchema.default(PollingSchema.parse({})),
  })
  .strict();
export type RemoveClientRequest = z.input<typeof RemoveClientInputSchema>;

export interface RemoveClientResult {
  instanceId: string;
  clientVpcId: string;
  /** `whitelist`: services the VPC's account was removed from the whitelist of (absent in runs before that step). */
  removed: { zones: string[]; endpoints: string[]; whitelist?: string[] };
  /** Nothing of this VPC was found. */
  alreadyClean: boolean;
}
