/**
 * Who is attached to this access's endpoint services (named access, docs/decisions/named-access.md): every
 * endpoint connected to a service of the access — in any account, read on the provider side (the service's
 * connections: endpoint id, consumer account) — and, where the client account sees it, its VPC. And the
 * retirement of a client account's whitelist entry once no attached endpoint of that account needs it.
 *
 * The provider side is the only place that sees the endpoints of every account (the worker may hold no
 * credentials of a consumer account at all); the client account's own listing adds the VPC of its endpoints.
 */
import { isNotFound } from '../src/otc/errors.js';
import type { Clients } from './clients.js';
import { cloudCall } from './cloud-call.js';
import { portEndpoints } from './endpoint.js';
import { portServices } from './endpoint-service.js';
import type { CredentialSetName } from './types.js';

/** Connections that no longer hold a VPC to the service. */
const GONE = new Set(['deleting', 'deleted', 'rejected', 'failed']);
/** One page is enough: a service of one access has one endpoint per client VPC. */
const CONNECTIONS_PAGE = 500;

export interface AttachedEndpoint {
  portId: string;
  serviceId: string;
  endpointId: string;
  status: string;
  /** The consumer account (null when the API does not say). */
  domainId: string | null;
  /** Known when the client account lists the endpoint; null for an endpoint of another account. */
  vpcId: string | null;
}

export interface AttachedEndpoints {
  /** The account owning the services (the instance's), when the API says. */
  ownerDomainId: string | null;
  endpoints: AttachedEndpoint[];
}

export interface AttachedArgs {
  instanceCredentials: CredentialSetName;
  clientCredentials: CredentialSetName;
  /** Further accounts whose endpoints' VPCs are looked up where configured on this worker (e.g. `client`). */
  optionalClientCredentials?: CredentialSetName[];
  instanceId: string;
  portIds: string[];
}

export interface RetireWhitelistArgs {
  instanceCredentials: CredentialSetName;
  instanceId: string;
  portIds: string[];
  /** The account whose entry is retired. */
  domainId: string;
}

export interface RetireWhitelistResult {
  /** Services the entry was removed from. */
  removed: string[];
  /** Services whose entry stays: an endpoint of that account is still attached. */
  stillNeeded: string[];
}

export function createConnectionActivities(clients: Clients) {
  return {
    /** Every live endpoint attached to this access's services, with its account and (client account) VPC. */
    async attachedEndpoints(args: AttachedArgs): Promise<AttachedEndpoints> {
      const c = clients.of(args.instanceCredentials);
      const sets = [...new Set([args.clientCredentials, ...(args.optionalClientCredentials ?? []).filter((n) => clients.isConfigured(n))])];
      return cloudCall(async (scope) => {
        const out: AttachedEndpoints = { ownerDomainId: null, endpoints: [] };
        for (const portId of args.portIds) {
          const vpcOf = new Map<string, string | null>();
          for (const name of sets) {
            const listed = await portEndpoints(clients.of(name), scope, args.instanceId, portId).catch((err: unknown) => {
              if (name === args.clientCredentials) throw err;
              return []; // an optional account that refuses us: its endpoints stay without a VPC
            });
            for (const e of listed) vpcOf.set(e.id, e.vpc_id ?? null);
          }
          for (const s of await portServices(c, scope, args.instanceId, portId)) {
            if (s.domain_id) out.ownerDomainId = s.domain_id;
            const list = await c.vpcep.listConnections(s.id, { limit: CONNECTIONS_PAGE }, scope.read());
            for (const x of list.connections) {
              if (GONE.has(x.status.toLowerCase())) continue;
              out.endpoints.push({ portId, serviceId: s.id, endpointId: x.id, status: x.status, domainId: x.domain_id ?? null, vpcId: vpcOf.get(x.id) ?? null });
            }
          }
        }
        out.endpoints.sort((a, b) => a.endpointId.localeCompare(b.endpointId));
        return out;
      });
    },

    /**
     * Removes `iam:domain::<domainId>` from each service of the access that no live endpoint of that account is
     * attached to any more. Never the services' own account (the instance's: never whitelisted by an access), and
     * only services carrying this access's tags (an entry on them was added by this access's port children).
     */
    async retireWhitelist(args: RetireWhitelistArgs): Promise<RetireWhitelistResult> {
      const c = clients.of(args.instanceCredentials);
      const permission = `iam:domain::${args.domainId}`;
      return cloudCall(async (scope) => {
        const out: RetireWhitelistResult = { removed: [], stillNeeded: [] };
        for (const portId of args.portIds) {
          for (const s of await portServices(c, scope, args.instanceId, portId)) {
            if (s.domain_id === args.domainId) continue;
            try {
              const conns = await c.vpcep.listConnections(s.id, { limit: CONNECTIONS_PAGE }, scope.read());
              if (conns.connections.some((x) => x.domain_id === args.domainId && !GONE.has(x.status.toLowerCase()))) {
                out.stillNeeded.push(s.id);
                continue;
              }
              const perms = await c.vpcep.listPermissions(s.id, { permission, limit: 500 }, scope.read());
              if (!perms.permissions.some((p) => p.permission === permission)) continue;
              await scope.mutate('removePermissions', (o) => c.vpcep.removePermissions(s.id, [permission], o));
              out.removed.push(s.id);
            } catch (err) {
              if (isNotFound(err)) continue; // the service is gone, its whitelist with it
              throw err;
            }
          }
        }
        return out;
      });
    },
  };
}
