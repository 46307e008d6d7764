/**
 * The narrow client interfaces the activities are written against (the real clients from `createOtcClients`
 * satisfy them; unit tests pass fakes), and the resolution of a credential-set name to its clients.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DmsClient } from '../src/otc/dms-client.js';
import type { DnsClient } from '../src/otc/dns-client.js';
import type { VpcClient } from '../src/otc/vpc-client.js';
import type { VpcepClient } from '../src/otc/vpcep-client.js';
import { ErrorTypes } from '../workflows/errors.js';
import type { CredentialSetName } from './types.js';

/** The client methods the activities use. */
export interface OtcClientSet {
  vpcep: Pick<
    VpcepClient,
    | 'createEndpointService'
    | 'getEndpointService'
    | 'listAllEndpointServices'
    | 'deleteEndpointService'
    | 'addPermissions'
    | 'removePermissions'
    | 'listPermissions'
    | 'createEndpoint'
    | 'getEndpoint'
    | 'listAllEndpoints'
    | 'deleteEndpoint'
    | 'connectionAction'
    | 'listConnections'
    | 'getQuotas'
  >;
  dms: Pick<DmsClient, 'getInstance' | 'modifyCrossVpc' | 'listAllInstances'>;
  vpc: Pick<
    VpcClient,
    | 'listAllSecurityGroupRules'
    | 'createSecurityGroupRule'
    | 'deleteSecurityGroupRule'
    | 'findFirewallForSubnet'
    | 'insertFirewallRules'
    | 'removeFirewallRules'
    | 'listAllFirewalls'
    | 'getFirewall'
    | 'getVpc'
    | 'getSubnet'
  >;
  /** DNS private zones: only named access uses them (absent in fakes of IP-mode tests). */
  dns?: Pick<
    DnsClient,
    'createPrivateZone' | 'getZone' | 'listAllPrivateZones' | 'deleteZone' | 'createRecordSet' | 'listAllRecordSets' | 'updateRecordSet' | 'deleteRecordSet' | 'associateRouter' | 'disassociateRouter'
  >;
}

export interface ActivityDeps {
  /**
   * The clients of a named credential set (`default`, `client`, ...), built from the worker's configuration.
   * Throws for an unknown name.
   */
  clients(credentials: CredentialSetName): OtcClientSet;
  /** Delay before retrying a service delete blocked by EndPoint.3006 (endpoints still deleting). */
  serviceInUseRetryMs?: number;
  /**
   * Waiting for a DMS instance to be RUNNING around `crossvpc/modify` (DMS refuses changes otherwise with
   * DMS.00400026, and a change may leave it briefly not RUNNING): look every `instancePollMs` (default 2 s) for
   * at most `instanceWaitMs` (default 10 s) within one attempt, then retry the activity.
   */
  instancePollMs?: number;
  instanceWaitMs?: number;
}

export interface Clients {
  /** The clients of a set; a non-retryable `CredentialsNotConfigured` failure for an unknown name. */
  of(name: CredentialSetName): OtcClientSet;
  /** Whether a set is configured on this worker (never throws). */
  isConfigured(name: CredentialSetName): boolean;
}

export function resolveClients(deps: ActivityDeps): Clients {
  return {
    of(name) {
      try {
        return deps.clients(name);
      } catch (err) {
        throw ApplicationFailure.create({
          type: ErrorTypes.CredentialsNotConfigured,
          nonRetryable: true,
          message: `credential set "${name}" is not configured on this worker: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    },
    isConfigured(name) {
      try {
        deps.clients(name);
        return true;
      } catch {
        return false;
      }
    },
  };
}
