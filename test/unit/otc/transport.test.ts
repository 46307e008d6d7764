import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AkSkAuthorizer, NO_AUTH } from '../../../src/otc/auth.js';
import { OtcApiError, OtcResponseShapeError, OtcTransportError } from '../../../src/otc/errors.js';
import { buildQuery, OtcTransport, type CallObservation } from '../../../src/otc/transport.js';
import { z } from 'zod';
import { AK, akskClients, MockCloud, NOW, PROJECT_ID, SK } from './mock-cloud.js';

const ORIGIN = 'https://vpc.eu-de.otc.t-systems.com';

describe('OtcTransport', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    await agent.close();
  });
  const transport = (timeoutMs = 5000) => new OtcTransport({ service: 'vpc', baseUrl: `${ORIGIN}/`, authorizer: NO_AUTH, dispatcher: agent, timeoutMs });

  it('times out into a retryable OtcTransportError', async () => {
    agent.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(200, '{}').delay(500);
    const err = await transport(50)
      .send({ operation: 'slow', method: 'GET', path: '/slow' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcTransportError);
    expect((err as OtcTransportError).kind).toBe('timeout');
    expect((err as OtcTransportError).retryable).toBe(true);
  });

  it('a caller abort rethrows the signal reason unchanged (Temporal cancellation)', async () => {
    agent.get(ORIGIN).intercept({ path: '/slow', method: 'GET' }).reply(200, '{}').delay(500);
    const reason = new Error('activity cancelled');
    const ac = new AbortController();
    setTimeout(() => ac.abort(reason), 20);
    await expect(transport().send({ operation: 'slow', method: 'GET', path: '/slow', signal: ac.signal })).rejects.toBe(reason);
  });

  it('connection reset becomes a retryable network error', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/x', method: 'GET' })
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    const err = await transport()
      .send({ operation: 'x', method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcTransportError);
    expect(err).toMatchObject({ kind: 'network', code: 'ECONNRESET', retryable: true, service: 'vpc' });
  });

  it('keeps the request id of success and error answers', async () => {
    agent.get(ORIGIN).intercept({ path: '/ok', method: 'GET' }).reply(200, '{"a":1}', { headers: { 'X-Request-Id': 'rid-ok' } });
    const res = await transport().send({ operation: 'ok', method: 'GET', path: '/ok' });
    expect(res.requestId).toBe('rid-ok');
    agent
      .get(ORIGIN)
      .intercept({ path: '/bad', method: 'GET' })
      .reply(429, '{"error_code":"APIGW.0308","error_msg":"throttled"}', { headers: { 'x-request-id': 'rid-err', 'retry-after': '2' } });
    const err = await transport()
      .send({ operation: 'bad', method: 'GET', path: '/bad' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcApiError);
    expect(err).toMatchObject({ requestId: 'rid-err', retryable: true, retryAfterMs: 2000, status: 429, method: 'GET', path: '/bad' });
  });

  it('a 2xx body that does not match the schema is a non-retryable shape error', async () => {
    agent.get(ORIGIN).intercept({ path: '/shape', method: 'GET' }).reply(200, '{"a":"x"}');
    const err = await transport()
      .json({ operation: 'shape', method: 'GET', path: '/shape' }, z.looseObject({ a: z.number() }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcResponseShapeError);
    expect((err as OtcResponseShapeError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/a:/);
    agent.get(ORIGIN).intercept({ path: '/html', method: 'GET' }).reply(200, '<html>');
    await expect(transport().json({ operation: 'html', method: 'GET', path: '/html' }, z.unknown())).rejects.toThrow(/not JSON/);
  });

  it('tells its observer of each exchange: the operation, method, route without ids, status or kind of failure', async () => {
    const seen: CallObservation[] = [];
    const observed = new OtcTransport({ service: 'vpc', baseUrl: ORIGIN, authorizer: NO_AUTH, dispatcher: agent, observe: (o) => seen.push(o) });
    agent.get(ORIGIN).intercept({ path: `/v1/${PROJECT_ID}/vpcs/vpc-0a1b2c3d`, method: 'GET' }).reply(404, '{"code":"VPC.0202","message":"not found"}');
    agent
      .get(ORIGIN)
      .intercept({ path: '/v2.0/security-group-rules', method: 'POST' })
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await expect(observed.send({ operation: 'getVpc', method: 'GET', path: `/v1/${PROJECT_ID}/vpcs/vpc-0a1b2c3d` })).rejects.toBeInstanceOf(OtcApiError);
    await expect(observed.send({ operation: 'createSecurityGroupRule', method: 'POST', path: '/v2.0/security-group-rules', body: {} })).rejects.toBeInstanceOf(OtcTransportError);
    expect(seen.map(({ seconds, ...o }) => ({ ...o, timed: seconds >= 0 }))).toEqual([
      { service: 'vpc', operation: 'getVpc', method: 'GET', route: '/v1/{id}/vpcs/{id}', status: '404', timed: true },
      { service: 'vpc', operation: 'createSecurityGroupRule', method: 'POST', route: '/v2.0/security-group-rules', status: 'network', timed: true },
    ]);
  });

  it('buildQuery drops undefined, repeats arrays, encodes', () => {
    expect(buildQuery({ a: 1, b: undefined, c: null, d: ['x', 'y z'], e: true })).toBe('?a=1&d=x&d=y+z&e=true');
    expect(buildQuery({})).toBe('');
  });
});

describe('AK/SK signing through the transport', () => {
  let cloud: MockCloud;
  beforeEach(() => {
    cloud = new MockCloud();
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('signs method, path, query and the exact body bytes; the verifier catches a wrong key', async () => {
    cloud.on('vpc', 'POST', '/v2.0/security-group-rules', { status: 201, body: { security_group_rule: { id: 'r', security_group_id: 's', direction: 'ingress' } } });
    await akskClients(cloud).vpc.createSecurityGroupRule({ security_group_id: 's', direction: 'ingress', description: 'ünïcode ✓' });
    expect(cloud.last().signature).toEqual({ ok: true, ak: AK });
    expect(cloud.header(cloud.last(), 'x-sdk-date')).toBe('20250304T050607Z');
    expect(cloud.header(cloud.last(), 'authorization')).toMatch(/^SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=[a-z;-]*host[a-z;-]*x-sdk-date/);

    // Same request signed with a different SK for the same AK: the helper's verify must reject it.
    cloud.on('vpc', 'POST', '/v2.0/security-group-rules', { status: 201, body: { security_group_rule: { id: 'r', security_group_id: 's', direction: 'ingress' } } });
    await akskClients(cloud, { credentials: { kind: 'aksk', ak: AK, sk: `${SK}x` } }).vpc.createSecurityGroupRule({ security_group_id: 's', direction: 'ingress' });
    expect(cloud.last().signature).toEqual({ ok: false, reason: 'signature-mismatch' });
  });

  it('temporary credentials send a signed X-Security-Token', async () => {
    cloud.on('dms', 'GET', `/v2/${PROJECT_ID}/instances/i1`, { status: 200, body: { instance_id: 'i1', status: 'RUNNING' } });
    await akskClients(cloud, { credentials: { kind: 'aksk', ak: AK, sk: SK, securityToken: 'sts-token-value' } }).dms.getInstance('i1');
    expect(cloud.header(cloud.last(), 'x-security-token')).toBe('sts-token-value');
    expect(cloud.header(cloud.last(), 'authorization')).toMatch(/SignedHeaders=[^,]*x-security-token/);
    expect(cloud.last().signature).toEqual({ ok: true, ak: AK });
  });

  it('IAM calls carry X-Domain-Id with AK/SK', async () => {
    cloud.on('iam', 'GET', '/v3/auth/projects', { status: 200, body: { projects: [{ id: PROJECT_ID, name: 'eu-de', domain_id: 'd', enabled: true }] } });
    const projects = await akskClients(cloud).iam.listAuthProjects();
    expect(projects[0]?.id).toBe(PROJECT_ID);
    expect(cloud.header(cloud.last(), 'x-domain-id')).toBe('1564ec50ef2a47c791ea5536353ed4b9');
    expect(cloud.last().signature).toEqual({ ok: true, ak: AK });
  });

  it('path segments are encoded', async () => {
    cloud.on('vpcep', 'GET', `/v1/${PROJECT_ID}/vpc-endpoints/a%2Fb`, { status: 200, body: { id: 'a/b', status: 'accepted' } });
    await akskClients(cloud).vpcep.getEndpoint('a/b');
    expect(cloud.last().signature).toEqual({ ok: true, ak: AK });
  });

  it('signs directly with AkSkAuthorizer (no extra headers)', async () => {
    const headers = await new AkSkAuthorizer({ kind: 'aksk', ak: AK, sk: SK }, {}, () => NOW).authorize({ method: 'GET', url: `${ORIGIN}/v2.0/x`, headers: {}, body: '' });
    expect(headers['X-Sdk-Date']).toBe('20250304T050607Z');
    expect(headers.Host).toBe('vpc.eu-de.otc.t-systems.com');
    expect(headers['X-Security-Token']).toBeUndefined();
    expect(headers.Authorization).toMatch(/SignedHeaders=host;x-sdk-date, Signature=[0-9a-f]{64}$/);
  });
});
