/**
 * The first look of a provisioning run (and all of `crossvpc plan`): the DMS instance, the **baseline** — what
 * already exists of this access (services, endpoints, the whitelist entry, the rules, the advertised IP of every
 * broker) — and the **preflight**: every check that can be made before anything is created. The run keeps the
 * baseline in its history; its undo removes only what is not in it and puts the advertised IPs back to it.
 *
 * Read-only. Calls: the instance, one service look-up per port (by its deterministic name), and only for ports
 * that have a service: one endpoint look-up (and the whitelist when cross-account); the security-group rules
 * of the instance's group (filtered); the instance subnet's ACL; the client VPC and subnet (client account);
 * the VPCEP quotas of both accounts.
 *
 * Preflight problems (a wrong client network, a refused credential set, a full quota) are returned, not thrown:
 * the workflow fails with one error naming each field, having created nothing.
 */
import { hasCode, isAuthError, isNotFound, isRetryable } from '../src/otc/errors.js';
import { preflightFailure } from '../workflows/preflight-failure.js';
import type { Clients, OtcClientSet } from './clients.js';
import { cloudCall, type CloudCallOptions, type CloudScope } from './cloud-call.js';
import { portEndpoints } from './endpoint.js';
import { servicesOfName } from './endpoint-service.js';
import { instanceView } from './instance-view.js';
import { accessMarker, hasAccessTags, isVpcepKafkaIngressRule, VPCEP_CIDR } from './naming.js';
import { serviceNameForPort } from '../workflows/input.js';
import type { AccessState, PortBaseline, PreflightProblem, QuotaCheck, ReadAccessArgs } from './types.js';

const LIVE = (status: string): boolean => status !== 'deleting';

/** IPv4 CIDRs a and b overlap. */
function overlaps(a: string, b: string): boolean {
  const parse = (c: string): [number, number] | null => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(c);
    if (!m) return null;
    const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    const bits = Number(m[5]);
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return [(ip & mask) >>> 0, mask];
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return false;
  const mask = (x[1] & y[1]) >>> 0;
  return ((x[0] & mask) >>> 0) === ((y[0] & mask) >>> 0);
}

type QuotaFigures = Partial<Record<QuotaCheck['type'], { quota: number; used: number }>>;

/**
 * The quotas of one type (or, without a type, of both), by type; undefined when the API does not report them
 * (older regions, no quota API).
 */
async function quotasOf(c: OtcClientSet, scope: CloudScope, type: QuotaCheck['type'] | undefined): Promise<QuotaFigures | undefined> {
  try {
    const q = await c.vpcep.getQuotas(type, scope.read());
    const out: QuotaFigures = {};
    for (const r of q.quotas.resources) {
      if ((r.type === 'endpoint' || r.type === 'endpoint_service') && (type === undefined || r.type === type)) out[r.type] = { quota: r.quota, used: r.used };
    }
    return out;
  } catch (err) {
    // Where the API does not report quotas (not there, not allowed), there is nothing to check.
    if (isRetryable(err)) throw err;
    return undefined;
  }
}

export function createAccessStateActivities(clients: Clients, options: CloudCallOptions = {}) {
  return {
    async readAccess(args: ReadAccessArgs): Promise<AccessState> {
      const c = clients.of(args.instanceCredentials);
      const cc = clients.of(args.clientCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const problems: PreflightProblem[] = [];
        const refused = (field: 'instanceCredentials' | 'clientCredentials', set: string, err: unknown): PreflightProblem => ({
          field,
          message: `credential set "${set}" is refused by the cloud: ${err instanceof Error ? err.message : String(err)}`,
          hint: `check the worker's configuration of the set "${set}" (OTC_* / OTC_CREDENTIALS_<NAME>_* or its clouds.yaml entry) and its permissions`,
        });
        let raw;
        try {
          raw = await c.dms.getInstance(args.instanceId, scope.read());
        } catch (err) {
          // Nothing else can be checked without the instance: fail the preflight at once.
          if (isAuthError(err)) throw preflightFailure([refused('instanceCredentials', args.instanceCredentials, err)]);
          // 404 DMS.00404022 for an unknown id; 400 DMS.00400030 for one that cannot be an instance id at all.
          if (isNotFound(err) || hasCode(err, 'DMS.00400030')) {
            throw preflightFailure([
              { field: 'instanceId', message: `DMS instance ${args.instanceId} does not exist in the account of credential set "${args.instanceCredentials}" (${err instanceof Error ? err.message : String(err)})`, hint: 'check the instance id and instanceCredentials' },
            ]);
          }
          throw err;
        }
        const instance = instanceView(raw);

        // ---- the client network, in the client's account ------------------------------------------------
        let clientSubnetCidr: string | undefined;
        const clientVpcId = args.clientVpcId;
        if (clientVpcId && args.clientSubnetId) {
          const where = `in the account of credential set "${args.clientCredentials}"`;
          const vpcMissing = (): PreflightProblem => ({ field: 'clientVpcId', message: `VPC ${args.clientVpcId} does not exist ${where}`, hint: 'check the VPC id, and that clientCredentials (or clientDomainId) names the client’s account' });
          /** The VPC itself, asked for only where the subnet does not vouch for it (it names it as its own). */
          const checkVpc = async (): Promise<void> => {
            try {
              await cc.vpc.getVpc(clientVpcId, scope.read());
            } catch (err) {
              if (isNotFound(err)) problems.push(vpcMissing());
              else if (isAuthError(err)) {
                if (!problems.some((p) => p.field === 'clientCredentials')) problems.push(refused('clientCredentials', args.clientCredentials, err));
              } else throw err;
            }
          };
          let subnetVouches = false;
          try {
            const subnet = await cc.vpc.getSubnet(args.clientSubnetId, scope.read());
            clientSubnetCidr = subnet.cidr ?? undefined;
            subnetVouches = subnet.vpc_id === args.clientVpcId;
            if (subnet.vpc_id && subnet.vpc_id !== args.clientVpcId) {
              problems.push({ field: 'clientSubnetId', message: `subnet ${args.clientSubnetId} belongs to VPC ${subnet.vpc_id}, not to clientVpcId ${args.clientVpcId}`, hint: 'give a subnet of the client VPC (the VPC-API subnet id, i.e. the network id)' });
            }
            if (subnet.cidr && overlaps(subnet.cidr, VPCEP_CIDR)) {
              problems.push({ field: 'clientSubnetId', message: `subnet ${args.clientSubnetId} (${subnet.cidr}) overlaps ${VPCEP_CIDR}, the VPC endpoint service segment`, hint: 'use a client subnet outside 198.19.128.0/17' });
            }
            if (args.clientSubnetCidr && subnet.cidr && args.clientSubnetCidr !== subnet.cidr) {
              problems.push({ field: 'clientSubnetCidr', message: `clientSubnetCidr ${args.clientSubnetCidr} is not the CIDR of subnet ${args.clientSubnetId} (${subnet.cidr})`, hint: `leave it out or give ${subnet.cidr}` });
            }
          } catch (err) {
            if (isNotFound(err)) {
              problems.push({ field: 'clientSubnetId', message: `subnet ${args.clientSubnetId} does not exist ${where}`, hint: 'check the subnet id (the VPC-API subnet id, i.e. the network id), and that it is in the client’s account' });
            } else if (isAuthError(err)) {
              problems.push(refused('clientCredentials', args.clientCredentials, err));
            } else throw err;
          }
          // A subnet of the client's account that names the VPC as its own proves the VPC is there: one call less.
          if (!subnetVouches) await checkVpc();
          // The problems in the order the fields are given (VPC first).
          const vpcAt = problems.findIndex((p) => p.field === 'clientVpcId');
          if (vpcAt > 0) problems.unshift(...problems.splice(vpcAt, 1));
        }

        // ---- the baseline --------------------------------------------------------------------------------
        const ports: PortBaseline[] = [];
        for (const e of instance.entries) {
          const port = await scope.step(`baseline:${e.portId}`, async (): Promise<PortBaseline> => {
            const named = await servicesOfName(c, scope, serviceNameForPort(e.portId));
            const services = named.filter((s) => hasAccessTags(s.tags, args.instanceId, e.portId) && LIVE(s.status));
            const port: PortBaseline = { portId: e.portId, serviceIds: services.map((s) => s.id), endpoints: [], whitelisted: false, ...(named.length === 0 ? { nameFree: true } : {}) };
            if (services.length > 0 && !problems.some((p) => p.field === 'clientCredentials')) {
              const eps = (await portEndpoints(cc, scope, args.instanceId, e.portId)).filter((x) => LIVE(x.status));
              port.endpoints = eps.map((x) => ({
                endpointId: x.id,
                status: x.status,
                ...(x.ip ? { ip: x.ip } : {}),
                ...(x.vpc_id ? { vpcId: x.vpc_id } : {}),
                ...(x.subnet_id ? { subnetId: x.subnet_id } : {}),
              }));
              const first = services[0];
              if (args.clientDomainId && first) {
                const permission = `iam:domain::${args.clientDomainId}`;
                const list = await c.vpcep.listPermissions(first.id, { permission, limit: 500 }, scope.read());
                port.whitelisted = list.permissions.some((p) => p.permission === permission);
              }
            }
            return port;
          });
          ports.push(port);
        }
        let securityGroupRule: AccessState['baseline']['securityGroupRule'] = null;
        if (instance.securityGroupId) {
          const rules = (
            await c.vpc.listAllSecurityGroupRules(
              { security_group_id: instance.securityGroupId, direction: 'ingress', protocol: 'tcp', remote_ip_prefix: VPCEP_CIDR },
              scope.read(),
            )
          ).filter((r) => r.security_group_id === instance.securityGroupId && isVpcepKafkaIngressRule(r));
          const pick = rules.find((r) => r.description === marker) ?? rules[0];
          if (pick) securityGroupRule = { ruleId: pick.id, marked: pick.description === marker };
        }
        let networkAcl: AccessState['baseline']['networkAcl'] = null;
        if (instance.subnetId) {
          const fw = await c.vpc.findFirewallForSubnet(instance.subnetId, scope.read());
          if (fw) networkAcl = { firewallId: fw.id, ruleIds: (fw.ingress_rules ?? []).filter((r) => r.description === marker).map((r) => r.id) };
        }

        // ---- quotas, where the API reports them -----------------------------------------------------------
        const quotas: QuotaCheck[] = [];
        const needServices = ports.filter((p) => p.serviceIds.length === 0).length;
        const needEndpoints = ports.filter((p) => !p.endpoints.some((e) => !args.clientVpcId || e.vpcId === undefined || e.vpcId === args.clientVpcId)).length;
        const wantServices = needServices > 0;
        const wantEndpoints = needEndpoints > 0 && !problems.some((p) => p.field === 'clientCredentials');
        // One account for both (the same credential set): one call answers both quotas.
        const both =
          wantServices && wantEndpoints && args.instanceCredentials === args.clientCredentials
            ? await scope.step('quota:both', async () => (await quotasOf(c, scope, undefined)) ?? null)
            : undefined;
        const sq = both !== undefined ? (both?.endpoint_service ?? null) : wantServices ? await scope.step('quota:endpoint_service', async () => (await quotasOf(c, scope, 'endpoint_service'))?.endpoint_service ?? null) : undefined;
        if (sq) quotas.push({ type: 'endpoint_service', ...sq, needed: needServices });
        const eq = both !== undefined ? (both?.endpoint ?? null) : wantEndpoints ? await scope.step('quota:endpoint', async () => (await quotasOf(cc, scope, 'endpoint'))?.endpoint ?? null) : undefined;
        if (eq) quotas.push({ type: 'endpoint', ...eq, needed: needEndpoints });
        for (const q of quotas) {
          if (q.quota - q.used >= q.needed) continue;
          const account = q.type === 'endpoint_service' ? 'instanceCredentials' : 'clientCredentials';
          problems.push({
            field: account,
            message: `the ${q.type === 'endpoint_service' ? 'endpoint-service' : 'endpoint'} quota of the ${q.type === 'endpoint_service' ? 'instance' : 'client'} account is too small: ${q.used} of ${q.quota} used, this access needs ${q.needed} more`,
            hint: 'free some VPC endpoint resources of that account, or ask for a higher quota',
          });
        }

        return {
          instance,
          baseline: { advertised: Object.fromEntries(instance.entries.map((e) => [e.listenerIp, e.advertisedIp])), ports, securityGroupRule, networkAcl },
          problems,
          quotas,
          ...(clientSubnetCidr ? { clientSubnetCidr } : {}),
        };
      }, options);
    },
  };
}
