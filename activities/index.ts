/**
 * The provisioning activities: `createActivities(deps)` wires the OTC clients (one set per named credential
 * set, resolved by the worker) and `createVerifyActivities(deps)` the Kafka probe.
 *
 * Rules every activity follows:
 * - idempotent: find by deterministic name/tag before creating, so a retry after a lost response (the cloud
 *   committed, the caller saw a reset) finds what the first attempt created;
 * - compensations find by tag/marker before deleting and never touch a resource this access did not create;
 * - cloud calls run in {@link cloudCall}: heartbeats + the activity's AbortSignal; typed client errors become
 *   ApplicationFailures honouring `retryable`/`retryAfterMs`;
 * - no secret is taken from or returned to the workflow.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DmsClient } from '../src/otc/dms-client.js';
import type { VpcClient } from '../src/otc/vpc-client.js';
import type { VpcepClient } from '../src/otc/vpcep-client.js';
import type { Endpoint, EndpointService } from '../src/otc/vpcep-schemas.js';
import type { SecurityGroupRule } from '../src/otc/vpc-schemas.js';
import { createDiscoveryActivities } from './discovery.js';
import { instanceView } from './instance-view.js';
import { cloudCall, deleteIgnoringNotFound, hasCode, isApiError, isNotFound } from './failures.js';
import { accessMarker, accessTags, ACL_RULE_NAME_CLIENT, ACL_RULE_NAME_VPCEP, hasAccessTags, isVpcepKafkaIngressRule, KAFKA_CROSSVPC_PORT, shortServiceName, tagValue, TAG_PORT, VPCEP_CIDR } from './naming.js';
import type {
  AcceptArgs,
  AccessEndpoint,
  AdvertisedIpArgs,
  AdvertisedIpResult,
  CredentialSetName,
  DeletedIds,
  EndpointStatus,
  EndpointView,
  EnsureEndpointArgs,
  EnsureServiceArgs,
  InstanceView,
  NetworkAclArgs,
  NetworkAclResult,
  PortCleanupArgs,
  RemainingIds,
  SecurityGroupRuleArgs,
  SecurityGroupRuleResult,
  ServiceStatus,
  ServiceView,
  WhitelistArgs,
} from './types.js';

export { createVerifyActivities, type VerifyDeps } from './verify.js';

/** The client methods the activities use (the real clients from `createOtcClients` satisfy this). */
export interface OtcClientSet {
  vpcep: Pick<
    VpcepClient,
    | 'createEndpointService'
    | 'getEndpointService'
    | 'listAllEndpointServices'
    | 'deleteEndpointService'
    | 'addPermissions'
    | 'listPermissions'
    | 'createEndpoint'
    | 'getEndpoint'
    | 'listAllEndpoints'
    | 'deleteEndpoint'
    | 'connectionAction'
    | 'getQuotas'
  >;
  dms: Pick<DmsClient, 'getInstance' | 'modifyCrossVpc'>;
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
  >;
}

export interface ActivityDeps {
  /**
   * The clients of a named credential set (`default`, `client`, ...), built from the worker's configuration.
   * Throws (a non-retryable configuration error) for an unknown name.
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

const LIVE = (status: string): boolean => status !== 'deleting';

export function createActivities(deps: ActivityDeps) {
  const clientsOf = (name: CredentialSetName): OtcClientSet => {
    try {
      return deps.clients(name);
    } catch (err) {
      throw ApplicationFailure.create({
        type: 'CredentialsNotConfigured',
        nonRetryable: true,
        message: `credential set "${name}" is not configured on this worker: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  };

  async function servicesOfPort(c: OtcClientSet, instanceId: string, portId: string, signal: AbortSignal): Promise<EndpointService[]> {
    const all = await c.vpcep.listAllEndpointServices({}, { signal });
    return all.filter((s) => hasAccessTags(s.tags, instanceId, portId));
  }

  async function endpointsOfAccess(c: OtcClientSet, instanceId: string, portId: string | undefined, signal: AbortSignal): Promise<Endpoint[]> {
    const all = await c.vpcep.listAllEndpoints({}, { signal });
    return all.filter((e) => hasAccessTags(e.tags, instanceId, portId));
  }

  function ruleMatches(r: SecurityGroupRule, securityGroupId: string): boolean {
    return r.security_group_id === securityGroupId && isVpcepKafkaIngressRule(r);
  }

  /**
   * A create refused for a VPCEP quota (the one table classifies Endpoint.1018 as `quota`, not retryable): told
   * as which quota and how full it is (`GET /v1/{project_id}/quotas`), as a non-retryable QuotaExceeded.
   */
  async function quotaRefusal(c: OtcClientSet, resource: 'endpoint_service' | 'endpoint', err: unknown, signal: AbortSignal): Promise<never> {
    if (!isApiError(err, (e) => e.kind === 'quota')) throw err;
    const usage = await c.vpcep
      .getQuotas(resource, { signal })
      .then((q) => q.quotas.resources.find((r) => r.type === resource))
      .catch(() => undefined); // only for the message
    throw ApplicationFailure.create({
      type: 'QuotaExceeded',
      nonRetryable: true,
      message: `VPCEP ${resource} quota exceeded (${err.code}: ${err.message})${usage ? `: ${usage.used} of ${usage.quota} in use` : ''}; delete unused ${resource === 'endpoint' ? 'endpoints' : 'endpoint services'} or ask for a higher quota`,
      details: [{ quota: resource, code: err.code, ...(usage ? { used: usage.used, limit: usage.quota } : {}) }],
    });
  }

  const isConfigured = (name: CredentialSetName): boolean => {
    try {
      deps.clients(name);
      return true;
    } catch {
      return false;
    }
  };

  return {
    // Teardown and re-verification: discovery from the cloud, marked-rule removal, run look-ups.
    ...createDiscoveryActivities(clientsOf, isConfigured),

    // ---- reads -----------------------------------------------------------------------------------------

    async readInstance(args: { credentials: CredentialSetName; instanceId: string }): Promise<InstanceView> {
      const c = clientsOf(args.credentials);
      return instanceView(await cloudCall((signal) => c.dms.getInstance(args.instanceId, { signal })));
    },

    /** Endpoints (any port) tagged for this access, e.g. left by an earlier successful run. */
    async findAccessEndpoints(args: { credentials: CredentialSetName; instanceId: string }): Promise<AccessEndpoint[]> {
      const c = clientsOf(args.credentials);
      const eps = await cloudCall((signal) => endpointsOfAccess(c, args.instanceId, undefined, signal));
      return eps
        .filter((e) => LIVE(e.status))
        .map((e) => ({ portId: tagValue(e.tags, TAG_PORT) ?? '', endpointId: e.id, status: e.status, ...(e.ip ? { ip: e.ip } : {}) }));
    },

    async getEndpointServiceStatus(args: { credentials: CredentialSetName; serviceId: string }): Promise<ServiceStatus> {
      const c = clientsOf(args.credentials);
      return cloudCall(async (signal) => {
        try {
          const s = await c.vpcep.getEndpointService(args.serviceId, { signal });
          return { status: s.status, ...(s.error?.length ? { errors: s.error.map((e) => `${e.error_code ?? ''} ${e.error_message ?? ''}`.trim()) } : {}) };
        } catch (err) {
          if (isNotFound(err)) return { status: 'gone' };
          throw err;
        }
      });
    },

    async getEndpointStatus(args: { credentials: CredentialSetName; endpointId: string }): Promise<EndpointStatus> {
      const c = clientsOf(args.credentials);
      return cloudCall(async (signal) => {
        try {
          const e = await c.vpcep.getEndpoint(args.endpointId, { signal });
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

    // ---- forward steps -----------------------------------------------------------------------------------

    /** Find (by exact short name + our tags) or create the endpoint service of one broker port. */
    async ensureEndpointService(args: EnsureServiceArgs): Promise<ServiceView> {
      const c = clientsOf(args.credentials);
      return cloudCall(async (signal, mutate) => {
        const named = (await c.vpcep.listAllEndpointServices({ endpoint_service_name: args.serviceName }, { signal })).filter(
          (s) => shortServiceName(s.service_name) === args.serviceName && LIVE(s.status),
        );
        const ours = named.filter((s) => hasAccessTags(s.tags, args.instanceId, args.portId));
        const found = ours[0];
        if (found) return serviceView(found, false);
        if (named.length > 0) {
          throw ApplicationFailure.create({
            type: 'ResourceConflict',
            nonRetryable: true,
            message: `an endpoint service named ${args.serviceName} exists (${named.map((s) => s.id).join(', ')}) but does not carry the tags of access ${args.instanceId} / port ${args.portId}; not touching it`,
          });
        }
        const created = await mutate(() =>
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
          {},
          ),
        ).catch((err: unknown) => quotaRefusal(c, 'endpoint_service', err, signal));
        return serviceView(created, true);
      });
    },

    /** Whitelist the client's account on the service (no-op when already listed). */
    async addWhitelist(args: WhitelistArgs): Promise<{ added: boolean }> {
      const c = clientsOf(args.credentials);
      const permission = `iam:domain::${args.domainId}`;
      return cloudCall(async (signal, mutate) => {
        const list = await c.vpcep.listPermissions(args.serviceId, { permission, limit: 500 }, { signal });
        if (list.permissions.some((p) => p.permission === permission)) return { added: false };
        await mutate(() => c.vpcep.addPermissions(args.serviceId, [permission]));
        return { added: true };
      });
    },

    /** Find (by our tags and the service id) or create the endpoint in the client VPC/subnet. */
    async ensureEndpoint(args: EnsureEndpointArgs): Promise<EndpointView> {
      const c = clientsOf(args.credentials);
      return cloudCall(async (signal, mutate) => {
        const ours = (await endpointsOfAccess(c, args.instanceId, args.portId, signal)).filter(
          (e) => LIVE(e.status) && (e.endpoint_service_id ?? args.serviceId) === args.serviceId,
        );
        const found = ours[0];
        if (found) return { endpointId: found.id, status: found.status, ...(found.ip ? { ip: found.ip } : {}), created: false };
        const e = await mutate(() =>
          c.vpcep.createEndpoint(
          {
            endpoint_service_id: args.serviceId,
            vpc_id: args.vpcId,
            subnet_id: args.subnetId,
            tags: accessTags(args.instanceId, args.portId),
            description: `kafka-crossvpc ${accessMarker(args.instanceId)} port ${args.portId}`,
          },
          {},
          ),
        ).catch((err: unknown) => quotaRefusal(c, 'endpoint', err, signal));
        return { endpointId: e.id, status: e.status, ...(e.ip ? { ip: e.ip } : {}), created: true };
      });
    },

    /** Accept our own endpoint on our own service (approval on): `receive`. */
    async acceptEndpointConnection(args: AcceptArgs): Promise<{ status: string }> {
      const c = clientsOf(args.credentials);
      return cloudCall(async (signal, mutate) => {
        try {
          const r = await mutate(() => c.vpcep.connectionAction(args.serviceId, args.endpointId, 'receive'));
          return { status: r.connections[0]?.status ?? 'accepted' };
        } catch (err) {
          if (hasCode(err, 'EndPoint.2014')) return { status: 'accepted' }; // already connected
          throw err;
        }
      });
    },

    /** Ingress TCP 9011 from 198.19.128.0/17 on the instance security group. 409 = it exists. */
    async ensureSecurityGroupRule(args: SecurityGroupRuleArgs): Promise<SecurityGroupRuleResult> {
      const c = clientsOf(args.credentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (signal, mutate) => {
        const find = async (): Promise<SecurityGroupRule | undefined> => {
          const rules = await c.vpc.listAllSecurityGroupRules(
            { security_group_id: args.securityGroupId, direction: 'ingress', protocol: 'tcp', remote_ip_prefix: VPCEP_CIDR },
            { signal },
          );
          const matching = rules.filter((r) => ruleMatches(r, args.securityGroupId));
          return matching.find((r) => r.description === marker) ?? matching[0];
        };
        const existing = await find();
        if (existing) return { ruleId: existing.id, created: existing.description === marker };
        try {
          const r = await mutate(() =>
            c.vpc.createSecurityGroupRule(
            {
              security_group_id: args.securityGroupId,
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: 'tcp',
              port_range_min: KAFKA_CROSSVPC_PORT,
              port_range_max: KAFKA_CROSSVPC_PORT,
              remote_ip_prefix: VPCEP_CIDR,
              description: marker,
            },
            {},
            ),
          );
          return { ruleId: r.id, created: true };
        } catch (err) {
          if (isApiError(err, (e) => e.status === 409 || e.kind === 'conflict')) {
            const again = await find();
            return { ruleId: again?.id ?? null, created: again?.description === marker };
          }
          throw err;
        }
      });
    },

    /** Where the instance subnet has a network ACL: allow 9011 from 198.19.128.0/17 (and the client subnet). */
    async ensureNetworkAclRules(args: NetworkAclArgs): Promise<NetworkAclResult> {
      const c = clientsOf(args.credentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (signal, mutate) => {
        const fw = await c.vpc.findFirewallForSubnet(args.subnetId, { signal });
        if (!fw) return { firewallId: null, ruleIds: [], created: false };
        const ours = (fw.ingress_rules ?? []).filter((r) => r.description === marker);
        const wanted = [
          { name: ACL_RULE_NAME_VPCEP, source: VPCEP_CIDR },
          ...(args.clientSubnetCidr ? [{ name: ACL_RULE_NAME_CLIENT, source: args.clientSubnetCidr }] : []),
        ];
        const missing = wanted.filter((w) => !ours.some((r) => r.name === w.name));
        let rules = ours;
        if (missing.length > 0) {
          const updated = await mutate(() =>
            c.vpc.insertFirewallRules(
            fw.id,
            {
              ingress_rules: missing.map((w) => ({
                name: w.name,
                description: marker,
                action: 'allow',
                protocol: 'tcp',
                ip_version: 4,
                source_ip_address: w.source,
                destination_port: String(KAFKA_CROSSVPC_PORT),
                enabled: true,
              })),
            },
            {},
            ),
          );
          rules = (updated.ingress_rules ?? []).filter((r) => r.description === marker);
        }
        return { firewallId: fw.id, ruleIds: rules.map((r) => r.id), created: rules.length > 0 };
      });
    },

    /**
     * `crossvpc/modify` with the full map (every broker; unchanged ones keep their current value), check each
     * broker's result, read the instance back and confirm. A no-op (no call) when nothing would change.
     */
    async updateAdvertisedIps(args: AdvertisedIpArgs): Promise<AdvertisedIpResult> {
      const c = clientsOf(args.credentials);
      /**
       * The instance once it is RUNNING — as both Terraform providers do around a change (retry DMS.00400026,
       * wait for RUNNING): within this attempt for a while, then a retryable InstanceBusy for the next one.
       */
      const running = async (signal: AbortSignal, when: string) => {
        const pollMs = deps.instancePollMs ?? 2_000;
        const until = Date.now() + (deps.instanceWaitMs ?? 10_000);
        for (;;) {
          const inst = await c.dms.getInstance(args.instanceId, { signal });
          if (inst.status === 'RUNNING') return inst;
          if (Date.now() + pollMs > until) {
            throw ApplicationFailure.create({
              type: 'InstanceBusy',
              nonRetryable: false,
              nextRetryDelay: pollMs,
              message: `instance ${args.instanceId} is ${inst.status}, not RUNNING, ${when}; waiting for RUNNING`,
            });
          }
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
      };
      return cloudCall(async (signal, mutate) => {
        const before = await running(signal, 'before crossvpc/modify');
        const current = Object.fromEntries(before.crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
        const unknown = Object.keys(args.mapping).filter((k) => !(k in current));
        if (unknown.length) {
          throw ApplicationFailure.create({ type: 'ListenerUpdateFailed', nonRetryable: true, message: `listener IP(s) ${unknown.join(', ')} are not brokers of ${args.instanceId}` });
        }
        if (Object.entries(args.mapping).every(([k, v]) => current[k] === v)) return { changed: false, confirmed: current };
        const full = { ...current, ...args.mapping };
        const res = await mutate(() => c.dms.modifyCrossVpc(args.instanceId, full));
        const bad = (res.results ?? []).filter((r) => r.success === false).map((r) => r.ip ?? '?');
        if (!res.success || bad.length) {
          throw ApplicationFailure.create({
            type: 'ListenerUpdateFailed',
            nonRetryable: false,
            message: `crossvpc/modify of ${args.instanceId} did not succeed${bad.length ? ` for broker(s) ${bad.join(', ')}` : ''}`,
          });
        }
        const after = await running(signal, 'after crossvpc/modify');
        const confirmed = Object.fromEntries(after.crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
        const wrong = Object.entries(full).filter(([k, v]) => confirmed[k] !== v);
        if (wrong.length) {
          throw ApplicationFailure.create({
            type: 'ListenerUpdateFailed',
            nonRetryable: false,
            message: `after crossvpc/modify, ${wrong.map(([k, v]) => `${k} advertises ${confirmed[k] ?? '?'} instead of ${v}`).join('; ')}`,
          });
        }
        return { changed: true, confirmed };
      });
    },

    // ---- compensations ---------------------------------------------------------------------------------

    /** Delete the endpoints tagged for this access and port (client account). Returns what it found. */
    async deletePortEndpoints(args: PortCleanupArgs): Promise<DeletedIds> {
      const c = clientsOf(args.endpointCredentials);
      return cloudCall(async (signal, mutate) => {
        const eps = await endpointsOfAccess(c, args.instanceId, args.portId, signal);
        for (const e of eps) {
          if (e.status !== 'deleting') await deleteIgnoringNotFound(mutate, () => c.vpcep.deleteEndpoint(e.id));
        }
        return { ids: eps.map((e) => e.id) };
      });
    },

    async portEndpointsRemaining(args: PortCleanupArgs): Promise<RemainingIds> {
      const c = clientsOf(args.endpointCredentials);
      return cloudCall(async (signal) => ({ remaining: (await endpointsOfAccess(c, args.instanceId, args.portId, signal)).map((e) => e.id) }));
    },

    /** Delete the endpoint services tagged for this access and port; EndPoint.3006 (still in use) is retried. */
    async deletePortServices(args: PortCleanupArgs): Promise<DeletedIds> {
      const c = clientsOf(args.serviceCredentials);
      return cloudCall(async (signal, mutate) => {
        const svcs = await servicesOfPort(c, args.instanceId, args.portId, signal);
        for (const s of svcs) {
          if (s.status === 'deleting') continue;
          try {
            await mutate(() => c.vpcep.deleteEndpointService(s.id));
          } catch (err) {
            if (isNotFound(err)) continue;
            if (hasCode(err, 'EndPoint.3006')) {
              throw ApplicationFailure.create({
                type: 'ServiceInUse',
                nonRetryable: false,
                nextRetryDelay: deps.serviceInUseRetryMs ?? 2_000,
                message: `endpoint service ${s.id} is still in use (EndPoint.3006): endpoints still deleting`,
              });
            }
            throw err;
          }
        }
        return { ids: svcs.map((s) => s.id) };
      });
    },

    async portServicesRemaining(args: PortCleanupArgs): Promise<RemainingIds> {
      const c = clientsOf(args.serviceCredentials);
      return cloudCall(async (signal) => ({ remaining: (await servicesOfPort(c, args.instanceId, args.portId, signal)).map((s) => s.id) }));
    },

    /** Remove the security-group rule carrying this access's marker (never another rule). */
    async removeSecurityGroupRule(args: SecurityGroupRuleArgs): Promise<DeletedIds> {
      const c = clientsOf(args.credentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (signal, mutate) => {
        const rules = (await c.vpc.listAllSecurityGroupRules({ security_group_id: args.securityGroupId, direction: 'ingress' }, { signal })).filter(
          (r) => r.description === marker && ruleMatches(r, args.securityGroupId),
        );
        for (const r of rules) await deleteIgnoringNotFound(mutate, () => c.vpc.deleteSecurityGroupRule(r.id));
        return { ids: rules.map((r) => r.id) };
      });
    },

    /** Remove the network ACL rules carrying this access's marker. */
    async removeNetworkAclRules(args: { credentials: CredentialSetName; instanceId: string; subnetId: string }): Promise<DeletedIds> {
      const c = clientsOf(args.credentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (signal, mutate) => {
        const fw = await c.vpc.findFirewallForSubnet(args.subnetId, { signal });
        if (!fw) return { ids: [] };
        const ids = (fw.ingress_rules ?? []).filter((r) => r.description === marker).map((r) => r.id);
        if (ids.length) await mutate(() => c.vpc.removeFirewallRules(fw.id, ids, { direction: 'ingress' }));
        return { ids };
      });
    },
  };
}

function serviceView(s: EndpointService, created: boolean): ServiceView {
  return {
    serviceId: s.id,
    serviceName: s.service_name ?? '',
    status: s.status,
    approvalEnabled: s.approval_enabled ?? true,
    created,
    ...(s.error?.length ? { errors: s.error.map((e) => `${e.error_code ?? ''} ${e.error_message ?? ''}`.trim()) } : {}),
  };
}

export type CrossVpcActivities = ReturnType<typeof createActivities>;
