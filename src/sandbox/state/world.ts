/**
 * The emulated cloud's state: accounts (domains) with users and AK/SK, projects, VPCs, subnets, ports,
 * security groups and rules, network ACLs, Kafka instances, endpoint services (+ whitelists) and endpoints.
 * Built deterministically from a scenario (same seed and scenario → same ids), mutated by the service handlers.
 */
import type { KafkaSecurity } from '../data-plane.js';
import { defaultListenerIp } from '../scenario/load.js';
import type { AclRuleSpec, Scenario, SgRuleSpec } from '../scenario/schema.js';
import { normaliseCidr } from '../util/ip.js';
import { akFrom, hex32From, skFrom, uuidFrom } from '../util/random.js';

export interface Account {
  name: string;
  domainId: string;
  domainName: string;
  ak: string;
  sk: string;
  userId: string;
  username: string;
  password: string;
  projects: Project[];
  /** IAM agencies of this account: `name` (the `xrole_name`) and the account trusted to assume it. */
  agencies: { name: string; trustedAccount: string }[];
}

export interface Project {
  id: string;
  name: string;
  accountName: string;
  domainId: string;
}

export interface Vpc {
  id: string;
  name: string;
  cidr: string;
  projectId: string;
  createdAt: Date;
}

export interface Subnet {
  /** VPC-API subnet id = Neutron network id (what VPCEP and DMS call `subnet_id`). */
  id: string;
  neutronSubnetId: string;
  name: string;
  cidr: string;
  gatewayIp: string;
  vpcId: string;
  projectId: string;
  client: boolean;
}

export interface Port {
  id: string;
  ip: string;
  subnetId: string;
  vpcId: string;
  projectId: string;
  instanceId?: string;
  brokerIndex?: number;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  projectId: string;
  createdAt: Date;
}

/** Neutron wire shape. */
export interface SgRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  remote_address_group_id: string | null;
  description: string;
  tenant_id: string;
  project_id: string;
  created_at: string;
  updated_at: string;
}

/** VPC v3 network ACL rule wire shape. */
export interface AclRule {
  id: string;
  name: string;
  description: string;
  action: 'allow' | 'deny';
  project_id: string;
  protocol: string;
  ip_version: 4 | 6;
  source_ip_address: string;
  destination_ip_address: string;
  source_port: string;
  destination_port: string;
  source_address_group_id: string;
  destination_address_group_id: string;
  enabled: boolean;
}

export interface NetworkAcl {
  id: string;
  name: string;
  description: string;
  projectId: string;
  adminStateUp: boolean;
  ingressRules: AclRule[];
  egressRules: AclRule[];
  /** Associated subnet ids (`virsubnet_id`). */
  subnetIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface BrokerState {
  index: number;
  listenerIp: string;
  portId: string;
  advertisedIp: string;
  port: number;
}

export interface KafkaInstance {
  id: string;
  name: string;
  projectId: string;
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  status: string;
  /** While a fault keeps the instance out of RUNNING: the status shown, until when (epoch ms), and what comes back. */
  statusHold?: { status: string; until: number; restoreTo: string };
  engineVersion: string;
  security: KafkaSecurity;
  brokers: BrokerState[];
  createdAt: Date;
}

export interface ErrorEntry {
  error_code: string;
  error_message: string;
}

export type AsyncFate = 'normal' | 'fail' | 'stuck';

export interface PortMapping {
  client_port: number;
  server_port: number;
  protocol: string;
}

export interface Tag {
  key: string;
  value: string;
}

export interface PermissionRecord {
  id: string;
  permission: string;
  description: string;
  createdAt: Date;
  seq: number;
}

export interface EndpointService {
  id: string;
  projectId: string;
  domainId: string;
  shortName: string | undefined;
  portId: string;
  vipPortId: string | undefined;
  poolId: string | undefined;
  vpcId: string;
  serverType: string;
  serviceType: string;
  ports: PortMapping[];
  approvalEnabled: boolean;
  tcpProxy: string;
  description: string;
  tags: Tag[];
  status: 'creating' | 'available' | 'failed' | 'deleting' | string;
  error: ErrorEntry[] | undefined;
  permissions: PermissionRecord[];
  createdAt: Date;
  updatedAt: Date;
  seq: number;
  /** The fate a transition under way will have (kept so a restarted sandbox can finish it). */
  pending?: PendingTransition;
}

export interface PendingTransition {
  fate: AsyncFate;
  error?: ErrorEntry;
}

export interface Endpoint {
  id: string;
  projectId: string;
  domainId: string;
  serviceId: string;
  /** Full service name at creation (kept when the service is gone). */
  serviceName: string;
  serviceType: string;
  vpcId: string;
  subnetId: string;
  requestedIp: string | undefined;
  ip: string | undefined;
  status: 'creating' | 'pendingAcceptance' | 'accepted' | 'rejected' | 'failed' | 'deleting' | string;
  markerId: number;
  enableDns: boolean;
  whitelist: string[];
  enableWhitelist: boolean;
  description: string;
  tags: Tag[];
  specificationName: string;
  error: ErrorEntry[] | undefined;
  /** Whether the data plane currently forwards for it. */
  forwarding: boolean;
  createdAt: Date;
  updatedAt: Date;
  seq: number;
  pending?: PendingTransition;
}

/** A DNS record set of a private zone (A records only are resolved by the per-VPC resolvers). */
export interface DnsRecordSet {
  id: string;
  name: string;
  type: string;
  records: string[];
  ttl: number;
  description: string;
  status: 'PENDING_CREATE' | 'ACTIVE' | 'PENDING_UPDATE' | 'PENDING_DELETE' | string;
  createdAt: Date;
  updatedAt: Date;
}

/** A DNS private zone (docs/dns-contract.md): bound to one or more VPCs (routers). */
export interface DnsZone {
  id: string;
  projectId: string;
  name: string;
  email: string;
  description: string;
  ttl: number;
  serial: number;
  status: 'PENDING_CREATE' | 'ACTIVE' | 'PENDING_DELETE' | 'ERROR' | string;
  routers: { router_id: string; router_region: string; status: string }[];
  tags: Tag[];
  recordsets: DnsRecordSet[];
  createdAt: Date;
  updatedAt: Date;
  seq: number;
}

/** `YYYY-MM-DDTHH:MM:SSZ` (VPCEP style). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `YYYY-MM-DDTHH:MM:SS` (Neutron style, no zone). */
export function neutronTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '');
}

export interface WorldState {
  accounts: Account[];
  projects: Project[];
  vpcs: Vpc[];
  subnets: Subnet[];
  ports: Port[];
  securityGroups: SecurityGroup[];
  sgRules: SgRule[];
  acls: NetworkAcl[];
  instances: KafkaInstance[];
  services: EndpointService[];
  endpoints: Endpoint[];
  /** Absent in state files written before DNS existed. */
  zones?: DnsZone[];
  seq: number;
  marker: number;
}

export interface WorldOptions {
  prefix: string;
  seed: number;
  now?: Date;
}

export class World {
  readonly region: string;
  readonly accounts = new Map<string, Account>();
  readonly projects = new Map<string, Project>();
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly ports = new Map<string, Port>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly sgRules = new Map<string, SgRule>();
  readonly acls = new Map<string, NetworkAcl>();
  readonly instances = new Map<string, KafkaInstance>();
  readonly services = new Map<string, EndpointService>();
  readonly endpoints = new Map<string, Endpoint>();
  readonly zones = new Map<string, DnsZone>();
  private seqCounter = 0;
  private markerCounter = 0;

  constructor(scenario: Scenario, options: WorldOptions) {
    this.region = scenario.region;
    const now = options.now ?? new Date();
    const seed = options.seed;
    let instanceIndex = 0;
    scenario.accounts.forEach((spec, ai) => {
      const id = (kind: string, name: string) => uuidFrom(`${seed}:${spec.name}:${kind}:${name}`);
      const domainId = spec.domainId ?? hex32From(`${seed}:domain:${spec.name}`);
      const account: Account = {
        name: spec.name,
        domainId,
        domainName: spec.domainName ?? `OTC00000000001000000${100 + ai}`,
        ak: spec.ak ?? akFrom(`${seed}:${spec.name}`),
        sk: spec.sk ?? skFrom(`${seed}:${spec.name}`),
        userId: spec.userId ?? hex32From(`${seed}:user:${spec.name}`),
        username: spec.username ?? `sandbox-${spec.name.toLowerCase()}`,
        password: spec.password ?? `Sandbox-${spec.name}-${akFrom(`${seed}:pw:${spec.name}`).slice(0, 10)}!`,
        projects: [],
        agencies: spec.agencies.map((g) => ({ name: g.name, trustedAccount: g.trustedAccount })),
      };
      for (const p of spec.projects ?? [{ name: scenario.region }]) {
        const project: Project = { id: p.id ?? hex32From(`${seed}:project:${spec.name}:${p.name}`), name: p.name, accountName: spec.name, domainId };
        account.projects.push(project);
        this.projects.set(project.id, project);
      }
      this.accounts.set(account.name, account);
      const primary = account.projects[0];
      if (!primary) throw new Error(`account ${spec.name} has no project`);
      const projectId = (name: string | undefined) => (name === undefined ? primary.id : (account.projects.find((p) => p.name === name) ?? primary).id);

      const vpcByName = new Map<string, Vpc>();
      const subnetByName = new Map<string, Subnet>();
      for (const v of spec.vpcs) {
        const vpc: Vpc = { id: v.id ?? id('vpc', v.name), name: v.name, cidr: v.cidr, projectId: projectId(v.project), createdAt: now };
        this.vpcs.set(vpc.id, vpc);
        vpcByName.set(v.name, vpc);
        for (const s of v.subnets) {
          const base = s.cidr.split('/')[0] ?? '';
          const gw = s.gatewayIp ?? base.replace(/\.\d+$/, (m) => `.${Number(m.slice(1)) + 1}`);
          const subnet: Subnet = {
            id: s.id ?? id('subnet', s.name),
            neutronSubnetId: s.neutronSubnetId ?? id('neutron-subnet', s.name),
            name: s.name,
            cidr: s.cidr,
            gatewayIp: gw,
            vpcId: vpc.id,
            projectId: vpc.projectId,
            client: s.client,
          };
          this.subnets.set(subnet.id, subnet);
          subnetByName.set(s.name, subnet);
        }
      }
      const sgByName = new Map<string, SecurityGroup>();
      for (const g of spec.securityGroups) {
        const sg: SecurityGroup = { id: g.id ?? id('sg', g.name), name: g.name, description: g.description, projectId: projectId(g.project), createdAt: now };
        this.securityGroups.set(sg.id, sg);
        sgByName.set(g.name, sg);
      }
      for (const g of spec.securityGroups) {
        const sg = sgByName.get(g.name);
        if (!sg) continue;
        const rules: SgRuleSpec[] = [];
        if (g.defaultRules) {
          const base = { protocol: null, portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, description: '' } as const;
          rules.push(
            { ...base, direction: 'egress', ethertype: 'IPv4', remoteGroup: null },
            { ...base, direction: 'egress', ethertype: 'IPv6', remoteGroup: null },
            { ...base, direction: 'ingress', ethertype: 'IPv4', remoteGroup: 'self' },
            { ...base, direction: 'ingress', ethertype: 'IPv6', remoteGroup: 'self' },
          );
        }
        rules.push(...g.rules);
        rules.forEach((r, ri) => {
          const remoteGroupId = r.remoteGroup === null ? null : r.remoteGroup === 'self' ? sg.id : (sgByName.get(r.remoteGroup)?.id ?? null);
          const rule: SgRule = {
            id: id('sg-rule', `${g.name}:${ri}`),
            security_group_id: sg.id,
            direction: r.direction,
            ethertype: r.ethertype,
            protocol: r.protocol,
            port_range_min: r.portRangeMin,
            port_range_max: r.portRangeMax,
            remote_ip_prefix: r.remoteIpPrefix === null ? null : (normaliseCidr(r.remoteIpPrefix) ?? r.remoteIpPrefix),
            remote_group_id: remoteGroupId,
            remote_address_group_id: null,
            description: r.description,
            tenant_id: sg.projectId,
            project_id: sg.projectId,
            created_at: neutronTime(now),
            updated_at: neutronTime(now),
          };
          this.sgRules.set(rule.id, rule);
        });
      }
      for (const a of spec.networkAcls) {
        const aclId = a.id ?? id('acl', a.name);
        const pid = projectId(a.project);
        const toRule = (r: AclRuleSpec, dir: string, i: number): AclRule => ({
          id: id('acl-rule', `${a.name}:${dir}:${i}`),
          name: r.name,
          description: r.description,
          action: r.action,
          project_id: pid,
          protocol: r.protocol,
          ip_version: r.ipVersion,
          source_ip_address: r.sourceIpAddress,
          destination_ip_address: r.destinationIpAddress,
          source_port: r.sourcePort,
          destination_port: r.destinationPort,
          source_address_group_id: '',
          destination_address_group_id: '',
          enabled: r.enabled,
        });
        this.acls.set(aclId, {
          id: aclId,
          name: a.name,
          description: a.description,
          projectId: pid,
          adminStateUp: a.adminStateUp,
          ingressRules: a.ingressRules.map((r, i) => toRule(r, 'in', i)),
          egressRules: a.egressRules.map((r, i) => toRule(r, 'out', i)),
          subnetIds: a.subnets.map((n) => subnetByName.get(n)?.id ?? n),
          createdAt: now,
          updatedAt: now,
        });
      }
      for (const inst of spec.kafkaInstances) {
        const instId = inst.id ?? id('kafka', inst.name);
        const vpc = vpcByName.get(inst.vpc);
        const subnet = subnetByName.get(inst.subnet);
        const sg = sgByName.get(inst.securityGroup);
        if (!vpc || !subnet || !sg) throw new Error(`instance ${inst.name}: unresolved references`);
        const ips = inst.listenerIps ?? Array.from({ length: inst.brokers }, (_, b) => defaultListenerIp(options.prefix, instanceIndex, b));
        const brokers: BrokerState[] = ips.map((ip, b) => ({
          index: b,
          listenerIp: ip,
          portId: inst.portIds?.[b] ?? id('port', `${inst.name}:${b}`),
          advertisedIp: ip,
          port: 9011,
        }));
        const security: KafkaSecurity =
          inst.security.protocol === 'PLAINTEXT'
            ? { protocol: 'PLAINTEXT' }
            : { protocol: 'SASL_SSL', mechanisms: [...inst.security.mechanisms], users: inst.security.users.map((u) => ({ ...u })) };
        this.instances.set(instId, {
          id: instId,
          name: inst.name,
          projectId: projectId(inst.project),
          vpcId: vpc.id,
          subnetId: subnet.id,
          securityGroupId: sg.id,
          status: inst.status,
          engineVersion: inst.engineVersion,
          security,
          brokers,
          createdAt: now,
        });
        for (const b of brokers) {
          this.ports.set(b.portId, { id: b.portId, ip: b.listenerIp, subnetId: subnet.id, vpcId: vpc.id, projectId: projectId(inst.project), instanceId: instId, brokerIndex: b.index });
        }
        instanceIndex += 1;
      }
      for (const p of spec.ports) {
        const subnet = subnetByName.get(p.subnet);
        const vpc = vpcByName.get(p.vpc);
        if (!subnet || !vpc) continue;
        const portId = p.id ?? id('extra-port', p.ip);
        this.ports.set(portId, { id: portId, ip: p.ip, subnetId: subnet.id, vpcId: vpc.id, projectId: projectId(p.project) });
      }
    });
  }

  /** Every resource and counter, as plain data (Dates stay Dates; see state/persistence.ts). */
  exportState(): WorldState {
    return {
      accounts: [...this.accounts.values()],
      projects: [...this.projects.values()],
      vpcs: [...this.vpcs.values()],
      subnets: [...this.subnets.values()],
      ports: [...this.ports.values()],
      securityGroups: [...this.securityGroups.values()],
      sgRules: [...this.sgRules.values()],
      acls: [...this.acls.values()],
      instances: [...this.instances.values()],
      services: [...this.services.values()],
      endpoints: [...this.endpoints.values()],
      zones: [...this.zones.values()],
      seq: this.seqCounter,
      marker: this.markerCounter,
    };
  }

  /** Replaces every resource and counter with `state` (a restarted sandbox resuming its cloud). */
  importState(state: WorldState): void {
    const fill = <T extends { id?: string; name?: string }>(map: Map<string, T>, items: T[], key: (x: T) => string) => {
      map.clear();
      for (const x of items) map.set(key(x), x);
    };
    fill(this.accounts, state.accounts, (a) => a.name);
    fill(this.projects, state.projects, (p) => p.id);
    fill(this.vpcs, state.vpcs, (v) => v.id);
    fill(this.subnets, state.subnets, (x) => x.id);
    fill(this.ports, state.ports, (x) => x.id);
    fill(this.securityGroups, state.securityGroups, (x) => x.id);
    fill(this.sgRules, state.sgRules, (x) => x.id);
    fill(this.acls, state.acls, (x) => x.id);
    fill(this.instances, state.instances, (x) => x.id);
    fill(this.services, state.services, (x) => x.id);
    fill(this.endpoints, state.endpoints.map((e) => ({ ...e, forwarding: false })), (x) => x.id);
    fill(this.zones, state.zones ?? [], (x) => x.id);
    this.seqCounter = state.seq;
    this.markerCounter = state.marker;
  }

  nextSeq(): number {
    this.seqCounter += 1;
    return this.seqCounter;
  }

  /** Integer `marker_id`s, unique per connection, large like the real ones but below 2^53. */
  nextMarkerId(): number {
    this.markerCounter += 1;
    return 16_777_216 + this.markerCounter * 7919;
  }

  accountByAk(ak: string): Account | undefined {
    for (const a of this.accounts.values()) if (a.ak === ak) return a;
    return undefined;
  }

  accountOfProject(projectId: string): Account | undefined {
    const p = this.projects.get(projectId);
    return p ? this.accounts.get(p.accountName) : undefined;
  }

  /** Broker port owning `portId`, with its instance. */
  brokerOfPort(portId: string): { instance: KafkaInstance; broker: BrokerState } | undefined {
    const port = this.ports.get(portId);
    if (!port?.instanceId) return undefined;
    const instance = this.instances.get(port.instanceId);
    const broker = instance?.brokers.find((b) => b.portId === portId);
    return instance && broker ? { instance, broker } : undefined;
  }

  aclOfSubnet(subnetId: string): NetworkAcl | undefined {
    for (const acl of this.acls.values()) if (acl.subnetIds.includes(subnetId)) return acl;
    return undefined;
  }

  /** Every IP in use in a subnet (ports, endpoint IPs, reserved requests). */
  usedIps(subnetId: string): Set<string> {
    const used = new Set<string>();
    const subnet = this.subnets.get(subnetId);
    if (subnet) used.add(subnet.gatewayIp);
    for (const p of this.ports.values()) if (p.subnetId === subnetId) used.add(p.ip);
    for (const e of this.endpoints.values()) {
      if (e.subnetId !== subnetId) continue;
      if (e.ip) used.add(e.ip);
      if (e.requestedIp) used.add(e.requestedIp);
    }
    return used;
  }
}
