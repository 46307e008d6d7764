import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenCache, type IssuedToken } from '../../../src/otc/auth.js';
import { isAuthError, OtcApiError } from '../../../src/otc/errors.js';
import { createOtcClients } from '../../../src/otc/otc-clients.js';
import type { OtcConfig } from '../../../src/otc/otc-config.js';
import { MockCloud, PROJECT_ID, type RecordedRequest } from './mock-cloud.js';

const T0 = new Date('2025-03-04T05:00:00Z');
const INSTANCE = '68aa4fd2-e1ba-4f29-9ab4-1e2c2d40a6b1';
const instanceBody = { instance_id: INSTANCE, status: 'RUNNING', cross_vpc_info: '' };

function tokenReply(n: number, expiresAt: Date, projectId = PROJECT_ID) {
  return {
    status: 201,
    headers: { 'X-Subject-Token': `MIItoken-${n}` },
    body: {
      token: {
        expires_at: expiresAt.toISOString(),
        issued_at: T0.toISOString(),
        methods: ['password'],
        user: { id: 'u1', name: 'alice', domain: { id: 'd1', name: 'OTC00000000001000000XXX' } },
        project: { id: projectId, name: 'eu-de', domain: { id: 'd1', name: 'OTC00000000001000000XXX' } },
        roles: [{ id: 'r', name: 'te_admin' }],
      },
    },
  };
}

function passwordConfig(over: Partial<OtcConfig> = {}): OtcConfig {
  return {
    name: 'default',
    region: 'eu-de',
    credentials: { kind: 'password', username: 'alice', password: 's3cret', domainName: 'OTC00000000001000000XXX' },
    endpoints: {},
    timeoutMs: 5000,
    ...over,
  };
}

describe('IAM token auth', () => {
  let cloud: MockCloud;
  let now: Date;
  beforeEach(() => {
    cloud = new MockCloud();
    now = T0;
  });
  afterEach(async () => {
    await cloud.close();
  });
  const clients = (cfg: OtcConfig = passwordConfig()) => createOtcClients(cfg, { dispatcher: cloud.agent, now: () => now });
  const tokenRequests = (): RecordedRequest[] => cloud.requests.filter((r) => r.path === '/v3/auth/tokens');

  it('password flow: scoped by project name (the region), token cached, project id taken from the token', async () => {
    let n = 0;
    cloud.on('iam', 'POST', '/v3/auth/tokens', () => tokenReply(++n, new Date(T0.getTime() + 24 * 3600_000)));
    cloud.on('dms', 'GET', `/v2/${PROJECT_ID}/instances/${INSTANCE}`, { status: 200, body: instanceBody }, 2);
    const c = clients();
    await c.dms.getInstance(INSTANCE);
    await c.dms.getInstance(INSTANCE);
    const tokens = tokenRequests();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]?.query).toEqual({ nocatalog: 'true' });
    expect(tokens[0]?.body).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'alice', password: 's3cret', domain: { name: 'OTC00000000001000000XXX' } } } },
        scope: { project: { name: 'eu-de' } },
      },
    });
    expect(cloud.header(tokens[0] as RecordedRequest, 'authorization')).toBeUndefined();
    const dmsCalls = cloud.requests.filter((r) => r.service === 'dms');
    expect(dmsCalls.map((r) => cloud.header(r, 'x-auth-token'))).toEqual(['MIItoken-1', 'MIItoken-1']);
    expect(dmsCalls.every((r) => cloud.header(r, 'authorization') === undefined)).toBe(true);
  });

  it('scopes by project id when configured', async () => {
    cloud.on('iam', 'POST', '/v3/auth/tokens', tokenReply(1, new Date(T0.getTime() + 3600_000)));
    cloud.on('dms', 'GET', `/v2/${PROJECT_ID}/instances/${INSTANCE}`, { status: 200, body: instanceBody });
    await clients(passwordConfig({ projectId: PROJECT_ID })).dms.getInstance(INSTANCE);
    expect((tokenRequests()[0]?.body as { auth: { scope: unknown } }).auth.scope).toEqual({ project: { id: PROJECT_ID } });
  });

  it('refreshes before expiry (15 min margin)', async () => {
    let n = 0;
    cloud.on('iam', 'POST', '/v3/auth/tokens', () => tokenReply(++n, new Date(now.getTime() + 3600_000)), 2);
    cloud.on('dms', 'GET', `/v2/${PROJECT_ID}/instances/${INSTANCE}`, { status: 200, body: instanceBody }, 3);
    const c = clients();
    await c.dms.getInstance(INSTANCE);
    now = new Date(T0.getTime() + 44 * 60_000); // 16 min left: still cached
    await c.dms.getInstance(INSTANCE);
    expect(tokenRequests()).toHaveLength(1);
    now = new Date(T0.getTime() + 46 * 60_000); // 14 min left: refresh
    await c.dms.getInstance(INSTANCE);
    expect(tokenRequests()).toHaveLength(2);
    expect(cloud.header(cloud.last(), 'x-auth-token')).toBe('MIItoken-2');
  });

  it('a 401 re-authenticates once and retries', async () => {
    let n = 0;
    cloud.on('iam', 'POST', '/v3/auth/tokens', () => tokenReply(++n, new Date(T0.getTime() + 24 * 3600_000)), 2);
    cloud.on(
      'dms',
      'GET',
      `/v2/${PROJECT_ID}/instances/${INSTANCE}`,
      (req) =>
        cloud.header(req, 'x-auth-token') === 'MIItoken-1'
          ? { status: 401, body: { error_code: 'DMS.10240102', error_msg: 'The token has expired.' } }
          : { status: 200, body: instanceBody },
      2,
    );
    const inst = await clients().dms.getInstance(INSTANCE);
    expect(inst.instance_id).toBe(INSTANCE);
    expect(tokenRequests()).toHaveLength(2);
    expect(cloud.requests.filter((r) => r.service === 'dms').map((r) => cloud.header(r, 'x-auth-token'))).toEqual(['MIItoken-1', 'MIItoken-2']);
  });

  it('a second 401 is not retried again', async () => {
    let n = 0;
    cloud.on('iam', 'POST', '/v3/auth/tokens', () => tokenReply(++n, new Date(T0.getTime() + 24 * 3600_000)), 2);
    cloud.on('dms', 'GET', `/v2/${PROJECT_ID}/instances/${INSTANCE}`, { status: 401, body: { error: { code: 401, message: 'Unauthorized.', title: 'Unauthorized' } } }, 2);
    const err = await clients().dms.getInstance(INSTANCE).catch((e: unknown) => e);
    expect(isAuthError(err)).toBe(true);
    expect(tokenRequests()).toHaveLength(2);
    expect(cloud.requests.filter((r) => r.service === 'dms')).toHaveLength(2);
  });

  it('AK/SK requests are not retried on 401', async () => {
    cloud.on('dms', 'GET', `/v2/${PROJECT_ID}/instances/${INSTANCE}`, { status: 401, body: { error_code: 'APIGW.0301', error_msg: 'verify aksk signature fail' } });
    const c = createOtcClients(
      { name: 'default', region: 'eu-de', projectId: PROJECT_ID, credentials: { kind: 'aksk', ak: 'AKAKAKAKAK', sk: 'x' }, endpoints: {}, timeoutMs: 5000 },
      { dispatcher: cloud.agent },
    );
    await expect(c.dms.getInstance(INSTANCE)).rejects.toMatchObject({ code: 'APIGW.0301', status: 401 });
    expect(cloud.requests).toHaveLength(1);
  });

  it('wrong password: the IAM error surfaces', async () => {
    cloud.on('iam', 'POST', '/v3/auth/tokens', { status: 401, body: { error_code: 'IAM.0062', error_msg: 'Incorrect password.' } });
    const err = await clients().dms.getInstance(INSTANCE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcApiError);
    expect((err as OtcApiError).service).toBe('iam');
    expect((err as OtcApiError).code).toBe('IAM.0062');
  });

  it('agency: user token (domain scope) then assume_role with xrole_name', async () => {
    cloud.on(
      'iam',
      'POST',
      '/v3/auth/tokens',
      (req) => {
        const methods = (req.body as { auth: { identity: { methods: string[] } } }).auth.identity.methods;
        return methods[0] === 'password' ? tokenReply(1, new Date(T0.getTime() + 3600_000)) : tokenReply(2, new Date(T0.getTime() + 3600_000), 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
      },
      2,
    );
    cloud.on('vpcep', 'GET', '/v1/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/quotas', { status: 200, body: { quotas: { resources: [] } } });
    const cfg = passwordConfig({
      credentials: {
        kind: 'password',
        username: 'alice',
        password: 's3cret',
        domainName: 'OTC-A',
        agency: { domainName: 'OTC-B', agencyName: 'crossvpc-agency' },
      },
    });
    await clients(cfg).vpcep.getQuotas();
    const [user, role] = tokenRequests();
    expect((user?.body as { auth: { scope: unknown } }).auth.scope).toEqual({ domain: { name: 'OTC-A' } });
    expect(role?.body).toEqual({
      auth: {
        identity: { methods: ['assume_role'], assume_role: { domain_name: 'OTC-B', xrole_name: 'crossvpc-agency' } },
        scope: { project: { name: 'eu-de' } },
      },
    });
    expect(cloud.header(role as RecordedRequest, 'x-auth-token')).toBe('MIItoken-1');
    expect(cloud.header(cloud.last(), 'x-auth-token')).toBe('MIItoken-2');
  });
});

describe('TokenCache', () => {
  it('shares one in-flight issue between concurrent callers', async () => {
    let calls = 0;
    const cache = new TokenCache(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { token: `t${calls}`, expiresAt: new Date(Date.now() + 3600_000) } satisfies IssuedToken;
    });
    const got = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(calls).toBe(1);
    expect(got.map((t) => t.token)).toEqual(['t1', 't1', 't1']);
  });

  it('does not cache a failure', async () => {
    let calls = 0;
    const cache = new TokenCache(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve({ token: 'ok', expiresAt: new Date(Date.now() + 3600_000) });
    });
    await expect(cache.get()).rejects.toThrow('down');
    expect((await cache.get()).token).toBe('ok');
  });

  it('invalidate only drops the token that failed', async () => {
    let calls = 0;
    const cache = new TokenCache(() => Promise.resolve({ token: `t${++calls}`, expiresAt: new Date(Date.now() + 3600_000) }));
    await cache.get();
    expect(cache.invalidate('t1')).toBe(true);
    expect((await cache.get()).token).toBe('t2');
    expect(cache.invalidate('t1')).toBe(true); // stale token: a newer one exists, retrying makes sense
    expect((await cache.get()).token).toBe('t2');
  });
});
