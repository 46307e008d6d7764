/**
 * The first look of a provisioning run: the DMS instance and the **baseline** — what already exists of this
 * access (services, endpoints, the whitelist entry, the rules, the advertised IP of every broker). The run keeps
 * it in its history; its undo removes only what is not in it and puts the advertised IPs back to it.
 *
 * Read-only. Calls: the instance, one service look-up per port (by its deterministic name), and only for ports
 * that have a service: one endpoint look-up (and the whitelist when cross-account); the security-group rules
 * of the instance's group (filtered); the instance subnet's ACL.
 */
import type { Clients } from './clients.js';
import { cloudCall } from './cloud-call.js';
import { portEndpoints } from './endpoint.js';
import { portServices } from './endpoint-service.js';
import { instanceView } from './instance-view.js';
import { accessMarker, isVpcepKafkaIngressRule, VPCEP_CIDR } from './naming.js';
import type { AccessState, PortBaseline, ReadAccessArgs } from './types.js';

const LIVE = (status: string): boolean => status !== 'deleting';

export function createAccessStateActivities(clients: Clients) {
  return {
    async readAccess(args: ReadAccessArgs): Promise<AccessState> {
      const c = clients.of(args.instanceCredentials);
      const cc = clients.of(args.clientCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const instance = instanceView(await c.dms.getInstance(args.instanceId, scope.read()));
        const ports: PortBaseline[] = [];
        for (const e of instance.entries) {
          const services = (await portServices(c, scope, args.instanceId, e.portId)).filter((s) => LIVE(s.status));
          const port: PortBaseline = { portId: e.portId, serviceIds: services.map((s) => s.id), endpoints: [], whitelisted: false };
          if (services.length > 0) {
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
        return {
          instance,
          baseline: {
            advertised: Object.fromEntries(instance.entries.map((e) => [e.listenerIp, e.advertisedIp])),
            ports,
            securityGroupRule,
            networkAcl,
          },
        };
      });
    },
  };
}
