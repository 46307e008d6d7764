/**
 * The network rules of the procedure, in the instance's account (`instanceCredentials`): the security-group
 * rule "ingress TCP 9011 from 198.19.128.0/17" and, where the instance subnet has a network ACL, ACL rules
 * allowing 9011 from the VPCEP segment (and the client subnet).
 *
 * Ownership: rules have no tags; a rule carries `crossvpc-access=<instanceId>` in its description when
 * kafka-crossvpc created it. ACL rules are per access. The security-group rule is **shared**: instances in one
 * security group need the same rule and the cloud refuses a duplicate, so it is removed only when no other
 * access on that security group needs it — decided from the cloud (other instances of the group with tagged
 * endpoint services, or advertising other IPs than their listener IPs), so it works without history. The
 * workflows hold a per-security-group lock around "ensure" and "remove", so the decision and the deletion
 * cannot interleave with another access's ensure.
 */
import { isConflict, isDuplicateRule, isNotFound } from '../src/otc/errors.js';
import type { Firewall, FirewallRule, SecurityGroupRule } from '../src/otc/vpc-schemas.js';
import { serviceNameForPort } from '../workflows/input.js';
import type { Clients, OtcClientSet } from './clients.js';
import { cloudCall, createOnce, deleteIgnoringNotFound, type CloudScope, type Ensured } from './cloud-call.js';
import { accessMarker, ACL_RULE_NAME_CLIENT, ACL_RULE_NAME_VPCEP, hasAccessTags, isCrossVpcMarker, isVpcepKafkaIngressRule, KAFKA_CROSSVPC_PORT, shortServiceName, VPCEP_CIDR } from './naming.js';
import type {
  DeletedIds,
  InstanceArgs,
  NetworkAclArgs,
  NetworkAclResult,
  RemoveAclRulesArgs,
  RemoveSecurityGroupRuleArgs,
  RemoveSecurityGroupRuleResult,
  SecurityGroupRuleArgs,
  SecurityGroupRuleResult,
} from './types.js';

/** The matching rules on the group, the one carrying `marker` first. */
async function vpcepRules(c: OtcClientSet, scope: CloudScope, securityGroupId: string, marker: string): Promise<SecurityGroupRule[]> {
  const rules = await c.vpc.listAllSecurityGroupRules(
    { security_group_id: securityGroupId, direction: 'ingress', protocol: 'tcp', remote_ip_prefix: VPCEP_CIDR },
    scope.read(),
  );
  return rules
    .filter((r) => r.security_group_id === securityGroupId && isVpcepKafkaIngressRule(r))
    .sort((a, b) => Number(b.description === marker) - Number(a.description === marker));
}

/** Whether a kafka-crossvpc operation runs on (or waits for) an instance right now (its operation lock). */
export type OperationRunning = (instanceId: string) => Promise<boolean>;

/**
 * Other instances in the security group whose access needs the 9011 rule: an operation of kafka-crossvpc runs
 * on them (a provisioning that may have just found the rule), they have endpoint services tagged for them (an
 * access of kafka-crossvpc), or their brokers advertise other IPs than their listener IPs (an access in force,
 * whoever made it).
 */
export async function otherUsersOfGroup(
  c: OtcClientSet,
  scope: CloudScope,
  instanceId: string,
  securityGroupId: string,
  operationRunning: OperationRunning,
): Promise<string[]> {
  const others = (await c.dms.listAllInstances({}, scope.read())).filter((i) => i.security_group_id === securityGroupId && i.instance_id !== instanceId);
  const users: string[] = [];
  for (const inst of others) {
    if (inst.crossVpcEntries.some((e) => e.advertisedIp !== e.listenerIp) || (await operationRunning(inst.instance_id))) {
      users.push(inst.instance_id);
      continue;
    }
    for (const e of inst.crossVpcEntries) {
      const name = serviceNameForPort(e.portId);
      const svcs = await c.vpcep.listAllEndpointServices({ endpoint_service_name: name }, scope.read());
      if (svcs.some((s) => shortServiceName(s.service_name) === name && s.status !== 'deleting' && hasAccessTags(s.tags, inst.instance_id, e.portId))) {
        users.push(inst.instance_id);
        break;
      }
    }
  }
  return users;
}

function ruleEnabled(r: FirewallRule): boolean {
  return r.enabled === undefined || r.enabled === null || r.enabled === true || r.enabled === 'true';
}

function portSpecHas(spec: string | null | undefined, port: number): boolean {
  const s = (spec ?? '').trim();
  if (!s) return true;
  return s.split(',').some((part) => {
    const [a, b] = part.split(/[-:]/).map((x) => Number(x.trim()));
    if (a === undefined || Number.isNaN(a)) return false;
    return b === undefined || Number.isNaN(b) ? a === port : port >= a && port <= b;
  });
}

/** Some enabled ingress rule of the ACL allows TCP 9011 from the VPCEP segment (ours or not). */
export function aclAllowsVpcep(fw: Firewall): boolean {
  return (fw.ingress_rules ?? []).some(
    (r) =>
      ruleEnabled(r) &&
      (r.action ?? '').toLowerCase() === 'allow' &&
      ['tcp', 'any', '6', ''].includes((r.protocol ?? '').toLowerCase()) &&
      (r.source_ip_address === VPCEP_CIDR || r.name === ACL_RULE_NAME_VPCEP) &&
      portSpecHas(r.destination_port, KAFKA_CROSSVPC_PORT),
  );
}

/** A security-group rule on 9011 whose description is a kafka-crossvpc marker (any access's). */
function isMarked9011(r: SecurityGroupRule, marker?: string): boolean {
  return (
    r.direction === 'ingress' &&
    r.port_range_min === KAFKA_CROSSVPC_PORT &&
    r.port_range_max === KAFKA_CROSSVPC_PORT &&
    (marker === undefined ? isCrossVpcMarker(r.description) : r.description === marker)
  );
}

export function createNetworkRuleActivities(clients: Clients, operationRunning: OperationRunning) {
  return {
    /** Ingress TCP 9011 from 198.19.128.0/17 on the instance security group. A duplicate (409) means it exists. */
    async ensureSecurityGroupRule(args: SecurityGroupRuleArgs): Promise<SecurityGroupRuleResult> {
      const c = clients.of(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const existing = (await vpcepRules(c, scope, args.securityGroupId, marker))[0];
        if (existing) return { ruleId: existing.id, marked: existing.description === marker };
        try {
          const r = await scope.mutate('createSecurityGroupRule', (o) =>
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
              o,
            ),
          );
          return { ruleId: r.id, marked: true };
        } catch (err) {
          // The cloud refuses a duplicate: an earlier attempt (or another access) made it meanwhile.
          if (isDuplicateRule(err) || isConflict(err)) {
            const again = (await vpcepRules(c, scope, args.securityGroupId, marker))[0];
            return { ruleId: again?.id ?? null, marked: again?.description === marker };
          }
          throw err;
        }
      });
    },

    /**
     * Remove the rule a run created — unless other accesses on the same security group need it (then it is
     * kept and they are named). Never a rule without a kafka-crossvpc marker.
     */
    async removeSecurityGroupRule(args: RemoveSecurityGroupRuleArgs): Promise<RemoveSecurityGroupRuleResult> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        const marker = accessMarker(args.instanceId);
        const rules = await vpcepRules(c, scope, args.securityGroupId, marker);
        const rule = args.ruleId ? rules.find((r) => r.id === args.ruleId) : rules.find((r) => r.description === marker);
        if (!rule || !isCrossVpcMarker(rule.description)) return { ids: [] };
        const users = await otherUsersOfGroup(c, scope, args.instanceId, args.securityGroupId, operationRunning);
        if (users.length > 0) return { ids: [], keptFor: users };
        await deleteIgnoringNotFound(scope, 'deleteSecurityGroupRule', (o) => c.vpc.deleteSecurityGroupRule(rule.id, o));
        return { ids: [rule.id] };
      });
    },

    /**
     * Teardown: remove every 9011 rule carrying this access's marker (wherever it is), and on the instance's own
     * security group any kafka-crossvpc rule no access needs any more — but keep rules other accesses on the
     * same group still need.
     */
    async removeMarkedSecurityGroupRules(args: InstanceArgs & { securityGroupId: string | null }): Promise<RemoveSecurityGroupRuleResult> {
      const c = clients.of(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const all = await c.vpc.listAllSecurityGroupRules({ direction: 'ingress' }, scope.read());
        const candidates = all.filter((r) => isMarked9011(r, marker) || (args.securityGroupId !== null && r.security_group_id === args.securityGroupId && isMarked9011(r) && isVpcepKafkaIngressRule(r)));
        const ids: string[] = [];
        const keptFor = new Set<string>();
        const usersBySg = new Map<string, string[]>();
        for (const r of candidates) {
          let users = usersBySg.get(r.security_group_id);
          if (!users) {
            users = isVpcepKafkaIngressRule(r) ? await otherUsersOfGroup(c, scope, args.instanceId, r.security_group_id, operationRunning) : [];
            usersBySg.set(r.security_group_id, users);
          }
          if (users.length > 0) {
            for (const u of users) keptFor.add(u);
            continue;
          }
          await deleteIgnoringNotFound(scope, 'deleteSecurityGroupRule', (o) => c.vpc.deleteSecurityGroupRule(r.id, o));
          ids.push(r.id);
        }
        return { ids, ...(keptFor.size ? { keptFor: [...keptFor].sort() } : {}) };
      });
    },

    /** Where the instance subnet has a network ACL: allow 9011 from 198.19.128.0/17 (and the client subnet). */
    async ensureNetworkAclRules(args: NetworkAclArgs): Promise<Ensured<NetworkAclResult>> {
      const c = clients.of(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const fw = await c.vpc.findFirewallForSubnet(args.subnetId, scope.read());
        if (!fw) return { state: 'done', value: { firewallId: null, ruleIds: [] } };
        const ours = (fw.ingress_rules ?? []).filter((r) => r.description === marker);
        const wanted = [
          { name: ACL_RULE_NAME_VPCEP, source: VPCEP_CIDR },
          ...(args.clientSubnetCidr ? [{ name: ACL_RULE_NAME_CLIENT, source: args.clientSubnetCidr }] : []),
        ];
        const missing = wanted.filter((w) => !ours.some((r) => r.name === w.name));
        if (missing.length === 0) return { state: 'done', value: { firewallId: fw.id, ruleIds: ours.map((r) => r.id) } };
        const r = await createOnce(scope, 'insertFirewallRules', (o) =>
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
            o,
          ),
        );
        if (r.state !== 'done') return r;
        return { state: 'done', value: { firewallId: fw.id, ruleIds: (r.value.ingress_rules ?? []).filter((x) => x.description === marker).map((x) => x.id) } };
      });
    },

    /** This access's ACL rules when all the wanted ones are there (a look while an insert is in doubt), else null. */
    async findNetworkAclRules(args: NetworkAclArgs): Promise<NetworkAclResult | null> {
      const c = clients.of(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const fw = await c.vpc.findFirewallForSubnet(args.subnetId, scope.read());
        if (!fw) return { firewallId: null, ruleIds: [] };
        const ours = (fw.ingress_rules ?? []).filter((r) => r.description === marker);
        const names = [ACL_RULE_NAME_VPCEP, ...(args.clientSubnetCidr ? [ACL_RULE_NAME_CLIENT] : [])];
        return names.every((n) => ours.some((r) => r.name === n)) ? { firewallId: fw.id, ruleIds: ours.map((r) => r.id) } : null;
      });
    },

    /** Remove this access's marked ACL rules on the instance subnet's ACL, except the baseline's. */
    async removeNetworkAclRules(args: RemoveAclRulesArgs): Promise<DeletedIds> {
      const c = clients.of(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const fw = await c.vpc.findFirewallForSubnet(args.subnetId, scope.read());
        if (!fw) return { ids: [] };
        const ids = (fw.ingress_rules ?? []).filter((r) => r.description === marker && !args.keep.includes(r.id)).map((r) => r.id);
        if (ids.length) await scope.mutate('removeFirewallRules', (o) => c.vpc.removeFirewallRules(fw.id, ids, { direction: 'ingress', ...o }));
        return { ids };
      });
    },

    /** Teardown: remove every network ACL ingress rule carrying this access's marker, in every ACL of the project. */
    async removeMarkedAclRules(args: InstanceArgs): Promise<{ ids: string[]; firewallIds: string[] }> {
      const c = clients.of(args.instanceCredentials);
      const marker = accessMarker(args.instanceId);
      return cloudCall(async (scope) => {
        const ids: string[] = [];
        const firewallIds: string[] = [];
        for (const listed of await c.vpc.listAllFirewalls({}, scope.read())) {
          const fw = listed.ingress_rules ? listed : await c.vpc.getFirewall(listed.id, scope.read());
          const ours = (fw.ingress_rules ?? []).filter((r) => r.description === marker).map((r) => r.id);
          if (ours.length === 0) continue;
          try {
            await scope.mutate('removeFirewallRules', (o) => c.vpc.removeFirewallRules(fw.id, ours, { direction: 'ingress', ...o }));
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          ids.push(...ours);
          firewallIds.push(fw.id);
        }
        return { ids, firewallIds };
      });
    },
  };
}
