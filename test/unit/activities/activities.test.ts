/**
 * The activities against a fake cloud (no Temporal server, no sandbox): one error vocabulary (throttling is
 * never "not found"), creates that are never repeated while in doubt, per-call timeouts below the attempt's
 * deadline, undo that keeps the baseline, the shared security-group rule kept while another access needs it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities/index.js';
import { callTimeoutMs, cloudCall, CONTINUE_IN_NEXT_ATTEMPT, mayHaveCommitted, type CloudScope } from '../../../activities/cloud-call.js';
import { accessTags } from '../../../activities/naming.js';
import { OtcApiError } from '../../../src/otc/errors.js';
import { ErrorTypes } from '../../../workflows/errors.js';
import { serviceNameForPort } from '../../../workflows/input.js';
import { activityEnv, dmsThrottled, FakeCloud, refused, runIn, serverError, timeout } from './fake-cloud.js';

const INSTANCE = 'inst-1';
const PORT = 'port-aaaaaaaaaaaa-1';
const SG = 'sg-1';

function setUp(operationRunning: (id: string) => Promise<boolean> = async () => false) {
  const cloud = new FakeCloud();
  cloud.instances.push({
    instance_id: INSTANCE,
    status: 'RUNNING',
    security_group_id: SG,
    vpc_id: 'vpc-k',
    subnet_id: 'sub-k',
    entries: [{ listenerIp: '10.0.0.11', advertisedIp: '10.0.0.11', port: 9011, portId: PORT }],
  });
  const acts = createActivities({ clients: () => cloud.clients(), serviceInUseRetryMs: 123, operationRunning });
  return { cloud, acts };
}

const service = (cloud: FakeCloud, instanceId = INSTANCE, portId = PORT) => {
  const s = { id: cloud.id('svc'), service_name: `eu-de.${serviceNameForPort(portId)}.x`, status: 'available', port_id: portId, tags: accessTags(instanceId, portId), created_at: '2026-12-01T00:00:00Z' };
  cloud.services.push(s);
  return s;
};
const endpoint = (cloud: FakeCloud, serviceId: string, ip: string, created = '2026-12-01T00:00:01Z') => {
  const svc = cloud.services.find((s) => s.id === serviceId);
  const e = { id: cloud.id('ep'), status: 'accepted', endpoint_service_id: serviceId, endpoint_service_name: svc?.service_name ?? '', vpc_id: 'vpc-c', subnet_id: 'sub-c', ip, tags: accessTags(INSTANCE, PORT), created_at: created };
  cloud.endpoints.push(e);
  return e;
};
const epArgs = (serviceId: string) => ({ clientCredentials: 'default', instanceId: INSTANCE, portId: PORT, serviceId, serviceName: 'x', vpcId: 'vpc-c', subnetId: 'sub-c' });

describe('cloud calls', () => {
  it('derive each HTTP timeout from the time left in the attempt, always below it', () => {
    expect(callTimeoutMs(3_000, 0, 0)).toBe(2_700);
    expect(callTimeoutMs(3_000, 0, 2_000)).toBe(700);
    expect(callTimeoutMs(60_000, 0, 0)).toBe(54_000);
    expect(callTimeoutMs(3_000, 0, 2_900)).toBe(200); // late in an attempt: a short call that fails fast
  });

  it('count only unanswered requests as possibly committed', () => {
    expect(mayHaveCommitted(timeout())).toBe(true);
    expect(mayHaveCommitted(refused())).toBe(false);
    expect(mayHaveCommitted(new OtcApiError({ service: 'vpcep', status: 504, code: 'APIGW.0201', message: 'gateway timeout' }))).toBe(true);
    expect(mayHaveCommitted(serverError())).toBe(false);
  });
});

describe('a per-attempt budget of look-ups (rate-limited workers)', () => {
  it('ends the attempt after the budget with a benign retryable failure; the next attempt takes the steps done from the heartbeat and goes on', async () => {
    const ran: string[] = [];
    const steps = async (scope: CloudScope): Promise<number[]> => {
      const out: number[] = [];
      for (const k of ['a', 'b', 'c']) out.push(await scope.step(k, async () => (ran.push(k), k.charCodeAt(0))));
      return out;
    };
    const first = activityEnv();
    const failed = await runIn(first.env, () => cloudCall(steps, { stepsPerAttempt: 2 })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ApplicationFailure);
    expect(failed).toMatchObject({ type: CONTINUE_IN_NEXT_ATTEMPT, nonRetryable: false, category: 'BENIGN' });
    expect(ran).toEqual(['a', 'b']);
    const second = activityEnv({ heartbeatDetails: first.heartbeats.at(-1), attempt: 2 });
    expect(await runIn(second.env, () => cloudCall(steps, { stepsPerAttempt: 2 }))).toEqual([97, 98, 99]);
    expect(ran).toEqual(['a', 'b', 'c']);
  });
});

describe('discovery (teardown and re-verification)', () => {
  it('reads DMS flow control (DMS.10240407, HTTP 404) as a retryable failure, never as "instance gone"', async () => {
    const { cloud, acts } = setUp();
    cloud.throws['dms.getInstance'] = dmsThrottled;
    const { env } = activityEnv();
    const err = await runIn(env, acts.discoverAccess, { instanceId: INSTANCE, instanceCredentials: 'default', endpointCredentials: ['default'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(false);
    expect((err as ApplicationFailure).message).toMatch(/DMS\.10240407/);
  });

  it('reads a real 404 of the instance as "gone" and still finds the tagged resources', async () => {
    const { cloud, acts } = setUp();
    const s = service(cloud);
    cloud.instances = [];
    const { env } = activityEnv();
    const snap = await runIn(env, acts.discoverAccess, { instanceId: INSTANCE, instanceCredentials: 'default', endpointCredentials: ['default'] });
    expect(snap.instance).toBeNull();
    expect(snap.services.map((x) => x.serviceId)).toEqual([s.id]);
  });
});

describe('endpoints', () => {
  let cloud: FakeCloud;
  let acts: ReturnType<typeof setUp>['acts'];
  let svcId: string;
  beforeEach(() => {
    ({ cloud, acts } = setUp());
    svcId = service(cloud).id;
  });

  it('find before create: an endpoint of ours on the service in the VPC/subnet is adopted, nothing created', async () => {
    const e = endpoint(cloud, svcId, '10.1.0.5');
    const { env } = activityEnv();
    expect(await runIn(env, acts.ensureEndpoint, epArgs(svcId))).toEqual({ state: 'done', value: { endpointId: e.id, status: 'accepted', ip: '10.1.0.5' } });
    expect(cloud.count('vpcep.createEndpoint')).toBe(0);
  });

  it('looks up by the port\'s service name and the VPC, never the whole account; a fuzzy name hit is matched exactly', async () => {
    // The name filter is a substring match: a service named `<our name>-copy` comes back too, tags and all.
    const copy = endpoint(cloud, svcId, '10.1.0.9');
    copy.endpoint_service_name = `eu-de.${serviceNameForPort(PORT)}-copy.y`;
    const { env } = activityEnv();
    const r = await runIn(env, acts.ensureEndpoint, epArgs(svcId));
    expect(r.state === 'done' && r.value.endpointId).not.toBe(copy.id);
    expect(cloud.count('vpcep.createEndpoint')).toBe(1);
    const lists = cloud.calls.filter((c) => c.op === 'vpcep.listEndpoints');
    expect(lists.map((c) => c.args[0])).toEqual([{ endpoint_service_name: serviceNameForPort(PORT), vpc_id: 'vpc-c' }]);
  });

  it('a create without an answer is in doubt (never retried as a second create); the ledger was heartbeated before sending', async () => {
    cloud.throws['vpcep.createEndpoint'] = timeout;
    const { env, heartbeats } = activityEnv();
    const r = await runIn(env, acts.ensureEndpoint, epArgs(svcId));
    expect(r.state).toBe('in-doubt');
    expect(heartbeats[0]).toMatchObject({ sending: { what: 'createEndpoint' } });
  });

  it('an endpoint created and answered on the first attempt is marked its only create; one created on a retry is not', async () => {
    const first = await runIn(activityEnv().env, acts.ensureEndpoint, epArgs(svcId));
    expect(first.state === 'done' && first.value.onlyCreate).toBe(true);
    cloud.endpoints.length = 0;
    const retried = await runIn(activityEnv({ attempt: 2 }).env, acts.ensureEndpoint, epArgs(svcId));
    expect(retried.state === 'done' && retried.value.onlyCreate).toBeUndefined();
    expect(cloud.count('vpcep.createEndpoint')).toBe(2);
    // Adopted, not created: not this attempt's create either.
    const adopted = await runIn(activityEnv().env, acts.ensureEndpoint, epArgs(svcId));
    expect(adopted.state === 'done' && adopted.value.onlyCreate).toBeUndefined();
  });

  it('a retried attempt whose predecessor sent a create without an answer does not create again', async () => {
    const { env } = activityEnv({ attempt: 2, heartbeatDetails: { unanswered: [{ what: 'createEndpoint', sentAt: 1_000 }] } });
    expect(await runIn(env, acts.ensureEndpoint, epArgs(svcId))).toEqual({ state: 'in-doubt', what: 'createEndpoint', sentAt: 1_000 });
    expect(cloud.count('vpcep.createEndpoint')).toBe(0);
  });

  it('a refused connection never sent the create: a plain retryable failure', async () => {
    cloud.throws['vpcep.createEndpoint'] = refused;
    const { env } = activityEnv();
    const err = (await runIn(env, acts.ensureEndpoint, epArgs(svcId)).catch((e: unknown) => e)) as ApplicationFailure;
    expect(err.type).toBe(ErrorTypes.OtcTransportError);
    expect(err.nonRetryable).toBe(false);
  });

  it('gives every call an HTTP timeout below the attempt’s start-to-close', async () => {
    const { env } = activityEnv({ startToCloseTimeoutMs: 3_000 });
    await runIn(env, acts.ensureEndpoint, epArgs(svcId));
    const timed = cloud.calls.filter((c) => c.timeoutMs !== undefined);
    expect(timed.length).toBeGreaterThanOrEqual(2);
    for (const c of timed) expect(c.timeoutMs, c.op).toBeLessThanOrEqual(2_700);
  });

  it('keeps one endpoint per port: extras go, the kept one and the baseline stay', async () => {
    const keep = endpoint(cloud, svcId, '10.1.0.5');
    const old = endpoint(cloud, svcId, '10.1.0.6');
    const extra = endpoint(cloud, svcId, '10.1.0.7');
    const { env } = activityEnv();
    const r = await runIn(env, acts.reconcilePortEndpoints, { ...epArgs(svcId), keepEndpointId: keep.id, baseline: [old.id] });
    expect(r.ids).toEqual([extra.id]);
    expect(cloud.endpoints.find((e) => e.id === extra.id)?.status).toBe('deleting');
    expect(cloud.endpoints.find((e) => e.id === old.id)?.status).toBe('accepted');
  });

  it('undo deletes what the run created, never the baseline; the known ids even when the look-up fails', async () => {
    const before = endpoint(cloud, svcId, '10.1.0.5');
    const mine = endpoint(cloud, svcId, '10.1.0.6');
    const { env } = activityEnv();
    const cleanup = { instanceId: INSTANCE, portId: PORT, instanceCredentials: 'default', clientCredentials: 'default', keepServiceIds: [], keepEndpointIds: [before.id], knownEndpointIds: [mine.id] };
    cloud.throws['vpcep.listEndpoints'] = serverError;
    expect(await runIn(env, acts.deletePortEndpoints, cleanup)).toEqual({ ids: [mine.id], swept: false });
    expect(cloud.endpoints.find((e) => e.id === before.id)?.status).toBe('accepted');
    delete cloud.throws['vpcep.listEndpoints'];
    expect(await runIn(env, acts.deletePortEndpoints, { ...cleanup, knownEndpointIds: [] })).toEqual({ ids: [mine.id], swept: true });
  });
});

describe('endpoint services', () => {
  it('a service still in use (EndPoint.3006) is retried after the configured delay; baseline services are never deleted', async () => {
    const { cloud, acts } = setUp();
    const kept = service(cloud);
    const mine = service(cloud);
    cloud.throws['vpcep.deleteEndpointService'] = () => new OtcApiError({ service: 'vpcep', status: 400, code: 'EndPoint.3006', message: 'in use' });
    const { env } = activityEnv();
    const args = { instanceId: INSTANCE, portId: PORT, instanceCredentials: 'default', clientCredentials: 'default', keepServiceIds: [kept.id], keepEndpointIds: [] };
    const err = (await runIn(env, acts.deletePortServices, args).catch((e: unknown) => e)) as ApplicationFailure;
    expect(err.type).toBe(ErrorTypes.ServiceInUse);
    expect(err.nonRetryable).toBe(false);
    expect(err.nextRetryDelay).toBe(123);
    expect(cloud.calls.filter((c) => c.op === 'vpcep.deleteEndpointService').map((c) => c.args[0])).toEqual([mine.id]);
  });
});

describe('the shared security-group rule', () => {
  const rule = (cloud: FakeCloud, marker: string) => {
    const r = { id: cloud.id('rule'), security_group_id: SG, direction: 'ingress' as const, ethertype: 'IPv4', protocol: 'tcp', port_range_min: 9011, port_range_max: 9011, remote_ip_prefix: '198.19.128.0/17', description: marker };
    cloud.rules.push(r);
    return r;
  };
  const other = (cloud: FakeCloud) =>
    cloud.instances.push({ instance_id: 'inst-2', status: 'RUNNING', security_group_id: SG, vpc_id: 'vpc-k', subnet_id: 'sub-k', entries: [{ listenerIp: '10.0.0.21', advertisedIp: '10.0.0.21', port: 9011, portId: 'port-bbbbbbbbbbbb-2' }] });

  it('is kept while another instance of the group has an access (tagged services), removed by the last one', async () => {
    const { cloud, acts } = setUp();
    const r = rule(cloud, `crossvpc-access=${INSTANCE}`);
    other(cloud);
    service(cloud, 'inst-2', 'port-bbbbbbbbbbbb-2');
    const { env } = activityEnv();
    const args = { instanceCredentials: 'default', instanceId: INSTANCE, securityGroupId: SG, ruleId: r.id };
    expect(await runIn(env, acts.removeSecurityGroupRule, args)).toEqual({ ids: [], keptFor: ['inst-2'] });
    cloud.services = [];
    expect(await runIn(env, acts.removeSecurityGroupRule, args)).toEqual({ ids: [r.id] });
    expect(cloud.rules).toEqual([]);
  });

  it('is kept while an operation of kafka-crossvpc runs on another instance of the group (it may have just found it)', async () => {
    const { cloud, acts } = setUp(async (id) => id === 'inst-2');
    const r = rule(cloud, `crossvpc-access=${INSTANCE}`);
    other(cloud);
    const { env } = activityEnv();
    expect(await runIn(env, acts.removeSecurityGroupRule, { instanceCredentials: 'default', instanceId: INSTANCE, securityGroupId: SG, ruleId: r.id })).toEqual({ ids: [], keptFor: ['inst-2'] });
  });

  it('a rule without a kafka-crossvpc marker is never removed', async () => {
    const { cloud, acts } = setUp();
    const r = rule(cloud, 'made by hand');
    const { env } = activityEnv();
    expect(await runIn(env, acts.removeSecurityGroupRule, { instanceCredentials: 'default', instanceId: INSTANCE, securityGroupId: SG, ruleId: r.id })).toEqual({ ids: [] });
    expect(cloud.rules).toHaveLength(1);
  });
});

describe('advertised IPs', () => {
  it('no modify when nothing would change; a modify without an answer is in doubt', async () => {
    const { cloud, acts } = setUp();
    const { env } = activityEnv();
    const unchanged = await runIn(env, acts.updateAdvertisedIps, { instanceCredentials: 'default', instanceId: INSTANCE, mapping: { '10.0.0.11': '10.0.0.11' } });
    expect(unchanged).toEqual({ state: 'done', value: { changed: false, confirmed: { '10.0.0.11': '10.0.0.11' } } });
    expect(cloud.count('dms.modifyCrossVpc')).toBe(0);
    cloud.throws['dms.modifyCrossVpc'] = timeout;
    const r = await runIn(env, acts.updateAdvertisedIps, { instanceCredentials: 'default', instanceId: INSTANCE, mapping: { '10.0.0.11': '10.1.0.5' } });
    expect(r.state).toBe('in-doubt');
  });
});
