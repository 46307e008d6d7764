/**
 * VPC endpoints, one per broker port, in the client's account (`clientCredentials`): find or create, status,
 * accepting our own endpoint on our own service (approval on), the reconcile "one endpoint per port", and
 * removal of the ones a run created.
 *
 * Looked up by the port's service name (`endpoint_service_name`) and, where the VPC is known, `vpc_id` — never by
 * listing the whole account: the calls per access do not grow with the number of endpoints in the project. The
 * name filter is fuzzy (a substring match, reference §9), so the short name is matched exactly here, then the tags.
 */
import { hasCode, isNotFound } from '../src/otc/errors.js';
import type { Endpoint } from '../src/otc/vpcep-schemas.js';
import { serviceNameForPort } from '../workflows/input.js';
import type { Clients, OtcClientSet } from './clients.js';
import { cloudCall, createOnce, deleteIgnoringNotFound, type CloudScope, type Ensured } from './cloud-call.js';
import { accessMarker, accessTags, hasAccessTags, shortServiceName } from './naming.js';
import { quotaRefusal } from './quota.js';
import type {
  AcceptArgs,
  DeletedIds,
  EndpointStatus,
  EndpointStatusArgs,
  EndpointView,
  EnsureEndpointArgs,
  PortCleanupArgs,
  ReconcileEndpointsArgs,
  RemainingIds,
} from './types.js';

const LIVE = (status: string): boolean => status !== 'deleting';

export function endpointView(e: Endpoint): EndpointView {
  return { endpointId: e.id, status: e.status, ...(e.ip ? { ip: e.ip } : {}) };
}

/**
 * Endpoints tagged for this access and port (any status), found through the port's service name (matched exactly:
 * the filter is fuzzy) and, when given, the VPC (`vpc_id`, a server-side filter).
 */
export async function portEndpoints(c: OtcClientSet, scope: CloudScope, instanceId: string, portId: string, where: { vpcId?: string } = {}): Promise<Endpoint[]> {
  const name = serviceNameForPort(portId);
  const all = await c.vpcep.listAllEndpoints({ endpoint_service_name: name, ...(where.vpcId ? { vpc_id: where.vpcId } : {}) }, scope.read());
  return all.filter((e) => (e.endpoint_service_name ? shortServiceName(e.endpoint_service_name) === name : true) && hasAccessTags(e.tags, instanceId, portId));
}

/** Oldest first (created_at, then id): every reconciler keeps the same one. */
function oldestFirst(a: Endpoint, b: Endpoint): number {
  const ta = a.created_at ?? '';
  const tb = b.created_at ?? '';
  return ta === tb ? a.id.localeCompare(b.id) : ta.localeCompare(tb);
}

/** Ours on this service, in this VPC and subnet, live. */
function matching(eps: readonly Endpoint[], args: { serviceId: string; vpcId: string; subnetId: string }): Endpoint[] {
  return eps
    .filter((e) => LIVE(e.status) && (e.endpoint_service_id ?? args.serviceId) === args.serviceId && (e.vpc_id ?? args.vpcId) === args.vpcId && (e.subnet_id ?? args.subnetId) === args.subnetId)
    .sort(oldestFirst);
}

/**
 * The run's endpoints of a port: the known ids and every tagged one not kept. When the look-up fails, the known
 * ids alone (`swept: false`).
 */
async function candidates(c: OtcClientSet, scope: CloudScope, args: PortCleanupArgs): Promise<{ ids: string[]; swept: boolean }> {
  const known = (args.knownEndpointIds ?? []).filter((id) => !args.keepEndpointIds.includes(id));
  try {
    const tagged = (await portEndpoints(c, scope, args.instanceId, args.portId)).filter((e) => !args.keepEndpointIds.includes(e.id));
    return { ids: [...new Set([...known, ...tagged.map((e) => e.id)])].sort(), swept: true };
  } catch (err) {
    if (known.length === 0) throw err;
    return { ids: known, swept: false };
  }
}

export function createEndpointActivities(clients: Clients) {
  return {
    /** The live tagged endpoint of the port on this service in this VPC/subnet (the oldest), or null. */
    async findPortEndpoint(args: EnsureEndpointArgs): Promise<EndpointView | null> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const found = matching(await portEndpoints(c, scope, args.instanceId, args.portId, { vpcId: args.vpcId }), args)[0];
        return found ? endpointView(found) : null;
      });
    },

    /** Find (our tags, the service, the VPC and subnet) or create the endpoint in the client VPC/subnet. */
    async ensureEndpoint(args: EnsureEndpointArgs): Promise<Ensured<EndpointView>> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        // Fresh (the service is this run's own, its first attempt): no endpoint can be on it yet.
        const found = args.fresh && scope.firstAttempt ? undefined : matching(await portEndpoints(c, scope, args.instanceId, args.portId, { vpcId: args.vpcId }), args)[0];
        if (found) return { state: 'done', value: endpointView(found) };
        const r = await createOnce(scope, 'createEndpoint', (o) =>
          c.vpcep.createEndpoint(
            {
              endpoint_service_id: args.serviceId,
              vpc_id: args.vpcId,
              subnet_id: args.subnetId,
              tags: accessTags(args.instanceId, args.portId),
              description: `kafka-crossvpc ${accessMarker(args.instanceId)} port ${args.portId}`,
            },
            o,
          ),
        ).catch((err: unknown) => quotaRefusal(c, 'endpoint', err, scope));
        return r.state === 'done' ? { state: 'done', value: { ...endpointView(r.value), createdAtMs: Date.now(), ...(scope.firstAttempt ? { onlyCreate: true as const } : {}) } } : r;
      });
    },

    async getEndpointStatus(args: EndpointStatusArgs): Promise<EndpointStatus> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        try {
          const e = await c.vpcep.getEndpoint(args.endpointId, scope.read());
          return {
            status: e.status,
            ...(e.ip ? { ip: e.ip } : {}),
            ...(e.error?.length ? { errors: e.error.map((x) => `${x.error_code ?? ''} ${x.error_message ?? ''}`.trim()) } : {}),
          };
        } catch (err) {
          if (isNotFound(err)) return { status: 'gone' };
          throw err;
        }
      });
    },

    /** Accept our own endpoint on our own service (approval on): `receive`. */
    async acceptEndpointConnection(args: AcceptArgs): Promise<{ status: string }> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        try {
          const r = await scope.mutate('connectionAction', (o) => c.vpcep.connectionAction(args.serviceId, args.endpointId, 'receive', o));
          return { status: r.connections[0]?.status ?? 'accepted' };
        } catch (err) {
          if (hasCode(err, 'EndPoint.2014')) return { status: 'accepted' }; // already connected
          throw err;
        }
      });
    },

    /**
     * One endpoint per port: the tagged endpoints of the port on this service that are neither the one kept
     * nor in the baseline (e.g. a late commit of a create whose answer was lost) are deleted.
     */
    async reconcilePortEndpoints(args: ReconcileEndpointsArgs): Promise<DeletedIds> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const extra = (await portEndpoints(c, scope, args.instanceId, args.portId)).filter(
          (e) => LIVE(e.status) && e.endpoint_service_id === args.serviceId && e.id !== args.keepEndpointId && !args.baseline.includes(e.id),
        );
        for (const e of extra) await deleteIgnoringNotFound(scope, 'deleteEndpoint', (o) => c.vpcep.deleteEndpoint(e.id, o));
        return { ids: extra.map((e) => e.id) };
      });
    },

    /**
     * Delete the port's endpoints the run created: the known ids and every tagged one not in the baseline
     * (`keepEndpointIds`). When the look-up fails, the known ids are still deleted (`swept: false`).
     */
    async deletePortEndpoints(args: PortCleanupArgs): Promise<DeletedIds> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const { ids, swept } = await candidates(c, scope, args);
        for (const id of ids) await deleteIgnoringNotFound(scope, 'deleteEndpoint', (o) => c.vpcep.deleteEndpoint(id, o));
        return { ids, swept };
      });
    },

    /**
     * The run's endpoints of the port still there (deleting included). In the port's look-up: still there. Known
     * ids the look-up does not list are asked for by id (a resource of another name); when that GET fails too, a
     * working look-up without it counts as gone. Only when nothing can be looked at does the call fail.
     */
    async portEndpointsRemaining(args: PortCleanupArgs): Promise<RemainingIds> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const known = (args.knownEndpointIds ?? []).filter((id) => !args.keepEndpointIds.includes(id));
        let listed: string[] | undefined;
        let listError: unknown;
        try {
          listed = (await portEndpoints(c, scope, args.instanceId, args.portId)).filter((e) => !args.keepEndpointIds.includes(e.id)).map((e) => e.id);
        } catch (err) {
          listError = err;
        }
        if (!listed && known.length === 0) throw listError;
        const remaining = [...(listed ?? [])];
        for (const id of known.filter((k) => !remaining.includes(k))) {
          try {
            await c.vpcep.getEndpoint(id, scope.read());
            remaining.push(id);
          } catch (err) {
            if (isNotFound(err) || listed) continue;
            throw err;
          }
        }
        return { remaining: remaining.sort() };
      });
    },

    /**
     * Named access, removing one client VPC: this access's endpoints of the port in that VPC are deleted (those
     * already deleting are counted as such); returns what is still there (deleting or not) for the caller to wait on.
     */
    async removeVpcPortEndpoints(args: { clientCredentials: string; instanceId: string; portId: string; vpcId: string; deleteNow: boolean }): Promise<{ deleted: string[]; remaining: string[] }> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const inVpc = (await portEndpoints(c, scope, args.instanceId, args.portId)).filter((e) => e.vpc_id === args.vpcId);
        const deleted: string[] = [];
        if (args.deleteNow) {
          for (const e of inVpc.filter((x) => LIVE(x.status))) {
            await deleteIgnoringNotFound(scope, 'deleteEndpoint', (o) => c.vpcep.deleteEndpoint(e.id, o));
            deleted.push(e.id);
          }
        }
        return { deleted, remaining: inVpc.map((e) => e.id).sort() };
      });
    },

    /** Named access: this access's live endpoints in one VPC, per port (re-verification of that VPC). */
    async readVpcEndpoints(args: { clientCredentials: string; instanceId: string; portIds: string[]; vpcId: string }): Promise<{ portId: string; endpointId: string; status: string; ip?: string }[]> {
      const c = clients.of(args.clientCredentials);
      return cloudCall(async (scope) => {
        const out: { portId: string; endpointId: string; status: string; ip?: string }[] = [];
        for (const portId of args.portIds) {
          const eps = (await portEndpoints(c, scope, args.instanceId, portId)).filter((e) => e.vpc_id === args.vpcId && LIVE(e.status)).sort(oldestFirst);
          for (const e of eps) out.push({ portId, endpointId: e.id, status: e.status, ...(e.ip ? { ip: e.ip } : {}) });
        }
        return out;
      });
    },
  };
}
