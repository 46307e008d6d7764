/**
 * VPC endpoint services, one per broker port, in the instance's account (`instanceCredentials`): find or
 * create, status, the client account's whitelist entry, and removal of the ones a run created.
 *
 * Found by the exact short name `cvpc-…` (the list filter is fuzzy: matched again here) and the tags
 * `crossvpc-access`/`crossvpc-port`; a service of that name without our tags is never touched.
 */
import { ApplicationFailure } from '@temporalio/common';
import { hasCode, isNotFound } from '../src/otc/errors.js';
import type { EndpointService } from '../src/otc/vpcep-schemas.js';
import { ErrorTypes } from '../workflows/errors.js';
import { serviceNameForPort } from '../workflows/input.js';
import type { Clients, OtcClientSet } from './clients.js';
import { cloudCall, createOnce, type CloudScope, type Ensured } from './cloud-call.js';
import { accessMarker, accessTags, hasAccessTags, KAFKA_CROSSVPC_PORT, shortServiceName } from './naming.js';
import { quotaRefusal } from './quota.js';
import type { DeletedIds, EnsureServiceArgs, PortCleanupArgs, RemainingIds, ServiceStatus, ServiceStatusArgs, ServiceView, WhitelistArgs } from './types.js';

const LIVE = (status: string): boolean => status !== 'deleting';

export function serviceView(s: EndpointService): ServiceView {
  return {
    serviceId: s.id,
    serviceName: s.service_name ?? '',
    status: s.status,
    approvalEnabled: s.approval_enabled ?? true,
    ...(s.error?.length ? { errors: s.error.map((e) => `${e.error_code ?? ''} ${e.error_message ?? ''}`.trim()) } : {}),
  };
}

/** Services named `serviceName` (exactly), live; `ours` = those carrying this access's and port's tags. */
export async function servicesNamed(
  c: OtcClientSet,
  scope: CloudScope,
  serviceName: string,
  instanceId: string,
  portId: string,
): Promise<{ named: EndpointService[]; ours: EndpointService[] }> {
  const named = (await c.vpcep.listAllEndpointServices({ endpoint_service_name: serviceName }, scope.read())).filter(
    (s) => shortServiceName(s.service_name) === serviceName && LIVE(s.status),
  );
  return { named, ours: named.filter((s) => hasAccessTags(s.tags, instanceId, portId)) };
}

/** Every service named exactly `name` (any status, any tags): the list filter is fuzzy, matched again here. */
export async function servicesOfName(c: OtcClientSet, scope: CloudScope, name: string): Promise<EndpointService[]> {
  const all = await c.vpcep.listAllEndpointServices({ endpoint_service_name: name }, scope.read());
  return all.filter((s) => shortServiceName(s.service_name) === name);
}

/** Every tagged service of the port (any status), found by its deterministic name. */
export async function portServices(c: OtcClientSet, scope: CloudScope, instanceId: string, portId: string): Promise<EndpointService[]> {
  return (await servicesOfName(c, scope, serviceNameForPort(portId))).filter((s) => hasAccessTags(s.tags, instanceId, portId));
}

/**
 * The run's services of a port: the known ids and every tagged one (by name) not kept. When the look-up fails,
 * the known ids alone (`swept: false`).
 */
async function candidates(c: OtcClientSet, scope: CloudScope, args: PortCleanupArgs): Promise<{ ids: string[]; swept: boolean }> {
  const known = (args.knownServiceIds ?? []).filter((id) => !args.keepServiceIds.includes(id));
  try {
    const tagged = (await portServices(c, scope, args.instanceId, args.portId)).filter((s) => !args.keepServiceIds.includes(s.id));
    return { ids: [...new Set([...known, ...tagged.map((s) => s.id)])].sort(), swept: true };
  } catch (err) {
    if (known.length === 0) throw err;
    return { ids: known, swept: false };
  }
}

export function createEndpointServiceActivities(clients: Clients, deps: { serviceInUseRetryMs?: number } = {}) {
  return {
    /** The live tagged service of the port, or null. */
    async findPortService(args: EnsureServiceArgs): Promise<ServiceView | null> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        const { ours } = await servicesNamed(c, scope, args.serviceName, args.instanceId, args.portId);
        return ours[0] ? serviceView(ours[0]) : null;
      });
    },

    /** Find (exact short name + our tags) or create the endpoint service of one broker port. */
    async ensureEndpointService(args: EnsureServiceArgs): Promise<Ensured<ServiceView>> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        // Fresh (the baseline saw no service of this name, under the instance's lock): nothing to find yet.
        const { named, ours } = args.fresh && scope.firstAttempt ? { named: [], ours: [] } : await servicesNamed(c, scope, args.serviceName, args.instanceId, args.portId);
        if (ours[0]) return { state: 'done', value: serviceView(ours[0]) };
        if (named.length > 0) {
          throw ApplicationFailure.create({
            type: ErrorTypes.ResourceConflict,
            nonRetryable: true,
            message: `an endpoint service named ${args.serviceName} exists (${named.map((s) => s.id).join(', ')}) but does not carry the tags of access ${args.instanceId} / port ${args.portId}; not touching it`,
          });
        }
        const r = await createOnce(scope, 'createEndpointService', (o) =>
          c.vpcep.createEndpointService(
            {
              port_id: args.portId,
              vpc_id: args.vpcId,
              server_type: 'VM',
              service_type: 'interface',
              ports: [{ client_port: KAFKA_CROSSVPC_PORT, server_port: KAFKA_CROSSVPC_PORT, protocol: 'TCP' }],
              approval_enabled: args.approvalEnabled,
              service_name: args.serviceName,
              tags: accessTags(args.instanceId, args.portId),
              description: `kafka-crossvpc ${accessMarker(args.instanceId)} port ${args.portId}`,
            },
            o,
          ),
        ).catch((err: unknown) => quotaRefusal(c, 'endpoint_service', err, scope));
        return r.state === 'done' ? { state: 'done', value: { ...serviceView(r.value), createdAtMs: Date.now() } } : r;
      });
    },

    async getEndpointServiceStatus(args: ServiceStatusArgs): Promise<ServiceStatus> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        try {
          const s = await c.vpcep.getEndpointService(args.serviceId, scope.read());
          return { status: s.status, ...(s.error?.length ? { errors: s.error.map((e) => `${e.error_code ?? ''} ${e.error_message ?? ''}`.trim()) } : {}) };
        } catch (err) {
          if (isNotFound(err)) return { status: 'gone' };
          throw err;
        }
      });
    },

    /** Whitelist the client's account on the service (no-op when already listed). */
    async addWhitelist(args: WhitelistArgs): Promise<{ added: boolean }> {
      const c = clients.of(args.instanceCredentials);
      const permission = `iam:domain::${args.domainId}`;
      return cloudCall(async (scope) => {
        const list = await c.vpcep.listPermissions(args.serviceId, { permission, limit: 500 }, scope.read());
        if (list.permissions.some((p) => p.permission === permission)) return { added: false };
        await scope.mutate('addPermissions', (o) => c.vpcep.addPermissions(args.serviceId, [permission], o));
        return { added: true };
      });
    },

    /** Remove the client's account from the whitelist (undo of `addWhitelist` on a service the run kept). */
    async removeWhitelist(args: WhitelistArgs): Promise<{ removed: boolean }> {
      const c = clients.of(args.instanceCredentials);
      const permission = `iam:domain::${args.domainId}`;
      return cloudCall(async (scope) => {
        let list;
        try {
          list = await c.vpcep.listPermissions(args.serviceId, { permission, limit: 500 }, scope.read());
        } catch (err) {
          if (isNotFound(err)) return { removed: false }; // the service is gone, and its whitelist with it
          throw err;
        }
        if (!list.permissions.some((p) => p.permission === permission)) return { removed: false };
        await scope.mutate('removePermissions', (o) => c.vpcep.removePermissions(args.serviceId, [permission], o));
        return { removed: true };
      });
    },

    /**
     * Delete the port's services the run created (known ids and every tagged one not in `keepServiceIds`);
     * EndPoint.3006 (endpoints still attached or deleting) is retried.
     */
    async deletePortServices(args: PortCleanupArgs): Promise<DeletedIds> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        const { ids, swept } = await candidates(c, scope, args);
        for (const id of ids) {
          try {
            await scope.mutate('deleteEndpointService', (o) => c.vpcep.deleteEndpointService(id, o));
          } catch (err) {
            if (isNotFound(err)) continue;
            if (hasCode(err, 'EndPoint.3006')) {
              throw ApplicationFailure.create({
                type: ErrorTypes.ServiceInUse,
                nonRetryable: false,
                nextRetryDelay: deps.serviceInUseRetryMs ?? 2_000,
                message: `endpoint service ${id} is still in use (EndPoint.3006): endpoints still deleting`,
              });
            }
            throw err;
          }
        }
        return { ids, swept };
      });
    },

    /** The run's services of the port still there (deleting included); same rules as `portEndpointsRemaining`. */
    async portServicesRemaining(args: PortCleanupArgs): Promise<RemainingIds> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        const known = (args.knownServiceIds ?? []).filter((id) => !args.keepServiceIds.includes(id));
        let listed: string[] | undefined;
        let listError: unknown;
        try {
          listed = (await portServices(c, scope, args.instanceId, args.portId)).filter((s) => !args.keepServiceIds.includes(s.id)).map((s) => s.id);
        } catch (err) {
          listError = err;
        }
        if (!listed && known.length === 0) throw listError;
        const remaining = [...(listed ?? [])];
        for (const id of known.filter((k) => !remaining.includes(k))) {
          try {
            await c.vpcep.getEndpointService(id, scope.read());
            remaining.push(id);
          } catch (err) {
            if (isNotFound(err) || listed) continue;
            throw err;
          }
        }
        return { remaining: remaining.sort() };
      });
    },
  };
}
