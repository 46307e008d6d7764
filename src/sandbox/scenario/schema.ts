/**
 * Scenario file schema (JSON or YAML). Every string may contain `{prefix}`, replaced by the sandbox's
 * address prefix (`127.A`) before validation, so one file serves any address block.
 *
 * Settings marked UNCONFIRMED model behaviour the OTC reference could not confirm; each has a default that
 * matches our best reading and can be flipped per scenario.
 */
import { z } from 'zod';

const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-", "." only');
const hex32 = z.string().regex(/^[0-9a-f]{32}$/, '32 lower-case hex characters');
const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a UUID');
const ipv4 = z.string().regex(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'an IPv4 address');
const cidr = z.string().regex(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/, 'an IPv4 CIDR');
const port = z.number().int().min(1).max(65535);

export const sgRuleSchema = z.strictObject({
  direction: z.enum(['ingress', 'egress']),
  ethertype: z.enum(['IPv4', 'IPv6']).default('IPv4'),
  protocol: z.string().nullable().default(null),
  portRangeMin: port.nullable().default(null),
  portRangeMax: port.nullable().default(null),
  remoteIpPrefix: z.string().nullable().default(null),
  /** `self` means the group itself (the Sys-default "same group" rule). */
  remoteGroup: z.string().nullable().default(null),
  description: z.string().default(''),
});

export const aclRuleSchema = z.strictObject({
  name: z.string().default(''),
  description: z.string().default(''),
  action: z.enum(['allow', 'deny']),
  protocol: z.string().default('any'),
  ipVersion: z.union([z.literal(4), z.literal(6)]).default(4),
  sourceIpAddress: z.string().default(''),
  destinationIpAddress: z.string().default(''),
  sourcePort: z.string().default(''),
  destinationPort: z.string().default(''),
  enabled: z.boolean().default(true),
});

export const kafkaSecuritySchema = z.discriminatedUnion('protocol', [
  z.strictObject({ protocol: z.literal('PLAINTEXT') }),
  z.strictObject({
    protocol: z.literal('SASL_SSL'),
    mechanisms: z.array(z.enum(['PLAIN', 'SCRAM-SHA-512'])).min(1).default(['SCRAM-SHA-512']),
    users: z.array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) })).min(1),
  }),
]);

const subnetSchema = z.strictObject({
  name,
  id: uuid.optional(),
  neutronSubnetId: uuid.optional(),
  cidr,
  gatewayIp: ipv4.optional(),
  /** Listed in the ready line's `clientNetworks` (where consumers create endpoints). */
  client: z.boolean().default(false),
});

const vpcSchema = z.strictObject({
  name,
  id: uuid.optional(),
  cidr,
  project: z.string().optional(),
  subnets: z.array(subnetSchema).default([]),
});

const securityGroupSchema = z.strictObject({
  name,
  id: uuid.optional(),
  project: z.string().optional(),
  description: z.string().default(''),
  /** Adds the Sys-default rules: egress any (IPv4 + IPv6) and ingress from the same group. */
  defaultRules: z.boolean().default(true),
  rules: z.array(sgRuleSchema).default([]),
});

const networkAclSchema = z.strictObject({
  name,
  id: uuid.optional(),
  project: z.string().optional(),
  description: z.string().default(''),
  adminStateUp: z.boolean().default(true),
  /** Subnet names (of this account) associated with the ACL. */
  subnets: z.array(z.string()).default([]),
  ingressRules: z.array(aclRuleSchema).default([]),
  egressRules: z.array(aclRuleSchema).default([]),
});

const kafkaInstanceSchema = z.strictObject({
  name,
  id: uuid.optional(),
  project: z.string().optional(),
  vpc: z.string(),
  subnet: z.string(),
  securityGroup: z.string(),
  brokers: z.number().int().min(1).max(50).default(3),
  /** One per broker; default `{prefix}.(10+i).(11+b)` (Address plan). */
  listenerIps: z.array(ipv4).optional(),
  /** One Neutron port id per broker; default derived from seed and names. */
  portIds: z.array(uuid).optional(),
  engineVersion: z.string().default('2.7'),
  security: kafkaSecuritySchema.default({ protocol: 'PLAINTEXT' }),
  status: z.string().default('RUNNING'),
});

const extraPortSchema = z.strictObject({
  id: uuid.optional(),
  ip: ipv4,
  vpc: z.string(),
  subnet: z.string(),
  project: z.string().optional(),
});

const projectSchema = z.strictObject({
  /** OTC form: the region name (`eu-de`) or a sub-project `eu-de_<name>`. */
  name: z.string().regex(/^[a-z]{2}-[a-z0-9]+(_[A-Za-z0-9_-]+)?$/, 'OTC project name: "eu-de" or "eu-de_<name>"'),
  id: hex32.optional(),
});

export const accountSchema = z.strictObject({
  name,
  domainId: hex32.optional(),
  domainName: z.string().optional(),
  ak: z.string().regex(/^[A-Z0-9]{8,40}$/, 'upper-case alphanumerics (8..40)').optional(),
  sk: z.string().min(8).optional(),
  userId: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Default: one project named after the region. */
  projects: z.array(projectSchema).optional(),
  vpcs: z.array(vpcSchema).default([]),
  securityGroups: z.array(securityGroupSchema).default([]),
  networkAcls: z.array(networkAclSchema).default([]),
  kafkaInstances: z.array(kafkaInstanceSchema).default([]),
  /** IAM agencies (delegations): users of `trustedAccount` may `assume_role` into this account as `name`. */
  agencies: z.array(z.strictObject({ name: z.string().min(1).max(64), trustedAccount: z.string().min(1) })).default([]),
  /** Extra Neutron ports (e.g. an ECS NIC) that endpoint services may use as `port_id`. */
  ports: z.array(extraPortSchema).default([]),
});

const faultMatchSchema = z.strictObject({
  service: z.enum(['iam', 'vpcep', 'dms', 'vpc', 'dns']).optional(),
  /** Operation name, e.g. `vpcep.createEndpoint` (the product client's method names). */
  operation: z.string().optional(),
  method: z.string().optional(),
  /** Path pattern: `*` matches one segment, `**` any number, `{name}` one segment. */
  path: z.string().optional(),
  /** Caller's account name. */
  account: z.string().optional(),
});

const faultCommon = {
  id: z.string().optional(),
  match: faultMatchSchema.default({}),
  /** Fire at most N times (then the fault stays listed but inert). */
  times: z.number().int().min(1).optional(),
  /** Fire with this probability per matching call (seeded dice). */
  probability: z.number().min(0).max(1).optional(),
  /** Let the first K matching calls through before firing. */
  skip: z.number().int().min(0).default(0),
};

export const faultSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...faultCommon,
    kind: z.literal('error'),
    status: z.number().int().min(400).max(599),
    code: z.string().optional(),
    message: z.string().optional(),
    /** Raw body to send instead of the service's error shape. */
    body: z.unknown().optional(),
  }),
  z.strictObject({ ...faultCommon, kind: z.literal('latency'), ms: z.number().int().min(0).max(600_000) }),
  /** The operation runs and commits; the connection is then reset instead of answered. */
  z.strictObject({ ...faultCommon, kind: z.literal('drop-response') }),
  /** For create calls of async resources: the resource goes to `failed` with `error[]`. */
  z.strictObject({
    ...faultCommon,
    kind: z.literal('async-fail'),
    errorCode: z.string().default('EndPoint.0001'),
    errorMessage: z.string().default('Internal error (injected).'),
  }),
  /** For create/delete calls of async resources: the resource stays in its transitional status. */
  z.strictObject({ ...faultCommon, kind: z.literal('async-stuck') }),
  /** `vpcep`: 400 EndPoint.0022; `apigw`: 429 APIGW.0308; `dms`: 404 DMS.10240407. */
  z.strictObject({ ...faultCommon, kind: z.literal('throttle'), style: z.enum(['vpcep', 'apigw', 'dms']) }),
  /** `crossvpc/modify` answers 200 `success:true` (results echo the request) but changes nothing. */
  z.strictObject({ ...faultCommon, kind: z.literal('crossvpc-not-applied') }),
  /**
   * `crossvpc/modify` answers 200 `success:false`: the brokers listed (0-based indices) keep what they advertise
   * and report `success:false` for a change; the others are applied and report `success:true`.
   */
  z.strictObject({ ...faultCommon, kind: z.literal('crossvpc-partial'), brokers: z.array(z.number().int().min(0).max(49)).min(1) }),
  /**
   * The instance of the matched DMS call leaves RUNNING for `ms`: `when: 'after'` once the call has done its work
   * (a change that set off a background job), `'before'` at once (the call itself meets the status). Every change
   * meanwhile is refused with 400 DMS.00400026; reads show `status`.
   */
  z.strictObject({
    ...faultCommon,
    kind: z.literal('instance-not-running'),
    status: z.string().regex(/^[A-Z_]+$/, 'an upper-case DMS status, e.g. RESTARTING').default('RESTARTING'),
    ms: z.number().int().min(1).max(600_000).default(3_000),
    when: z.enum(['before', 'after']).default('after'),
  }),
  /**
   * A VPCEP quota is used up for the matched account (`match.account`; any account when omitted): creating an
   * `endpoint_service` / `endpoint` fails with 400 Endpoint.1018 and `GET /v1/{project_id}/quotas` reports the
   * quota as `quota` (default: exactly what is in use). `times` counts refused creates.
   */
  z.strictObject({ ...faultCommon, kind: z.literal('quota-exceeded'), resource: z.enum(['endpoint_service', 'endpoint']), quota: z.number().int().min(0).optional() }),
  /**
   * A connection-level failure instead of an answer; the operation does not run. `reset`: the connection is reset
   * (RST). `refuse`: reset, and the service stops listening for `ms` (default 3000): connects are refused.
   * `stall`: nothing is ever sent back, and for `ms` (default 10000) every new connection to the service is
   * accepted but neither read nor answered — a TLS handshake or a request that hangs; then they are closed.
   */
  z.strictObject({ ...faultCommon, kind: z.literal('connection'), mode: z.enum(['reset', 'refuse', 'stall']), ms: z.number().int().min(1).max(600_000).optional() }),
]);
export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;

export const delaysSchema = z.strictObject({
  serviceCreate: z.number().int().min(0).default(1500),
  serviceUpdate: z.number().int().min(0).default(500),
  serviceDelete: z.number().int().min(0).default(1000),
  endpointCreate: z.number().int().min(0).default(1500),
  endpointDelete: z.number().int().min(0).default(1000),
});

export const behaviourSchema = z.strictObject({
  vpcep: z
    .strictObject({
      /** UNCONFIRMED: whether `describe` hides services from callers not on the whitelist. */
      describeRequiresWhitelist: z.boolean().default(false),
      /** UNCONFIRMED: permissions/action answers with the request's entries (`echo`) or the whole list (`full`). */
      permissionsActionResponse: z.enum(['echo', 'full']).default('echo'),
      /** UNCONFIRMED: whether the owner's implicit whitelist entry is listed as a record. */
      ownDomainInPermissionList: z.boolean().default(false),
      /** UNCONFIRMED: whether error bodies carry `request_id` (the docs show none). */
      errorRequestId: z.boolean().default(false),
      /** UNCONFIRMED: status shown while a PUT applies (null = stays `available`). */
      serviceStatusDuringUpdate: z.string().nullable().default(null),
      /** UNCONFIRMED: switching approval off accepts endpoints waiting in pendingAcceptance. */
      approvalChangeReevaluatesEndpoints: z.boolean().default(false),
      /** UNCONFIRMED: whether `UDP` port mappings are accepted (the docs say TCP only since 2023). */
      allowUdp: z.boolean().default(false),
      /** UNCONFIRMED: DELETE of an endpoint/service already deleting: 204 again (`accept`) or 400 EndPoint.2018 (`error`). */
      deleteWhileDeleting: z.enum(['accept', 'error']).default('accept'),
    })
    .default({
      describeRequiresWhitelist: false,
      permissionsActionResponse: 'echo',
      ownDomainInPermissionList: false,
      errorRequestId: false,
      serviceStatusDuringUpdate: null,
      approvalChangeReevaluatesEndpoints: false,
      allowUdp: false,
      deleteWhileDeleting: 'accept',
    }),
  dms: z
    .strictObject({
      /**
       * UNCONFIRMED: instance status while crossvpc/modify is applied by the brokers. `null` (default): the
       * call is synchronous and the status stays RUNNING, as the console suggests; e.g. `RESTARTING`: the
       * status shows this value until the data plane has applied the change.
       */
      crossVpcStatusWhileApplying: z.string().nullable().default(null),
      /** When true (default) the modify call answers after the brokers advertise the new addresses. */
      crossVpcWaitForDataPlane: z.boolean().default(true),
      /** UNCONFIRMED: listener IPs omitted from the request keep their value (`keep`), reset to the listener IP (`reset`) or are rejected (`reject`). */
      crossVpcOmittedListeners: z.enum(['keep', 'reset', 'reject']).default('keep'),
      /** UNCONFIRMED: error code for unknown listener keys and malformed IPs. */
      crossVpcInvalidCode: z.string().default('DMS.00400800'),
    })
    .default({
      crossVpcStatusWhileApplying: null,
      crossVpcWaitForDataPlane: true,
      crossVpcOmittedListeners: 'keep',
      crossVpcInvalidCode: 'DMS.00400800',
    }),
  iam: z.strictObject({ tokenTtlSeconds: z.number().int().min(1).default(86_400) }).default({ tokenTtlSeconds: 86_400 }),
});
export type Behaviour = z.infer<typeof behaviourSchema>;

export const scenarioSchema = z.strictObject({
  name: z.string().default('custom'),
  region: z.string().regex(/^[a-z]{2}-[a-z0-9]+$/).default('eu-de'),
  /** Seed for ids and fault dice (overridden by the `seed` option). */
  seed: z.number().int().default(1),
  accounts: z.array(accountSchema).min(1),
  delays: delaysSchema.default({ serviceCreate: 1500, serviceUpdate: 500, serviceDelete: 1000, endpointCreate: 1500, endpointDelete: 1000 }),
  quotas: z
    .strictObject({
      endpointServices: z.number().int().min(0).default(20),
      endpoints: z.number().int().min(0).default(50),
      whitelistRecords: z.number().int().min(0).default(100),
    })
    .default({ endpointServices: 20, endpoints: 50, whitelistRecords: 100 }),
  /** Extra latency per call (ms), optionally per service. */
  latency: z
    .strictObject({
      baseMs: z.number().int().min(0).default(0),
      jitterMs: z.number().int().min(0).default(0),
      services: z.partialRecord(z.enum(['iam', 'vpcep', 'dms', 'vpc', 'dns']), z.number().int().min(0)).default({}),
    })
    .default({ baseMs: 0, jitterMs: 0, services: {} }),
  faults: z.array(faultSpecSchema).default([]),
  behaviour: behaviourSchema.default(behaviourSchema.parse({})),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type AccountSpec = Scenario['accounts'][number];
export type SgRuleSpec = z.infer<typeof sgRuleSchema>;
export type AclRuleSpec = z.infer<typeof aclRuleSchema>;
export type KafkaSecuritySpec = z.infer<typeof kafkaSecuritySchema>;
