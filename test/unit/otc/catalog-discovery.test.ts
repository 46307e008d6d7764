import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogBaseUrl, parseCatalog, serviceBaseFromUrl } from '../../../src/otc/catalog.js';
import { OtcTransportError } from '../../../src/otc/errors.js';
import { createOtcClients } from '../../../src/otc/otc-clients.js';
import type { OtcConfig } from '../../../src/otc/otc-config.js';
import { verify } from '../../../src/otc/signer.js';

const NOW = new Date('2025-03-04T05:06:07Z');
const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const PID = 'a4a5d4098fb4474fa22cd05f897d6b99';
const INSTANCE = '68aa4fd2-e1ba-4f29-9ab4-1e2c2d40a6b1';
const AUTH = 'https://iam.example.test';
const CAT = { iam: 'https://iam-cat.example.test', vpcep: 'https://vpcep-cat.example.test', dms: 'https://dms-cat.example.test', vpc: 'https://vpc-cat.example.test' };
const TEMPLATE = { vpcep: 'https://vpcep.eu-de.otc.t-systems.com', dms: 'https://dms.eu-de.otc.t-systems.com', vpc: 'https://vpc.eu-de.otc.t-systems.com' };

const ep = (url: string, region = 'eu-de', iface = 'public') => ({ id: 'e', url, region, region_id: region, interface: iface });
const FULL_CATALOG = [
  { type: 'identity', name: 'iam', id: '1', endpoints: [ep(`${CAT.iam}/v3`)] },
  { type: 'vpcep', name: 'vpcep', id: '2', endpoints: [ep(`${CAT.vpcep}/v1/%(project_id)s`)] },
  { type: 'dmsv2', name: 'dmsv2', id: '3', endpoints: [ep(`${CAT.dms}/v2/${PID}`)] },
  { type: 'dms', name: 'dms', id: '4', endpoints: [ep('https://old-dms.example.test/v1.0/$(tenant_id)s')] },
  { type: 'network', name: 'neutron', id: '5', endpoints: [ep(`${CAT.vpc}/`)] },
];

interface Seen {
  origin: string;
  method: string;
  path: string;
  headers: Record<string, string>;
}

class Mock {
  readonly agent = new MockAgent();
  readonly seen: Seen[] = [];
  constructor() {
    this.agent.disableNetConnect();
  }
  on(origin: string, method: string, path: string, reply: { status: number; body?: unknown; headers?: Record<string, string> }, times = 1): void {
    this.agent
      .get(origin)
      .intercept({ method, path: (p: string) => p.split('?')[0] === path })
      .reply((opts) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries((opts.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = String(v);
        this.seen.push({ origin, method: opts.method, path: opts.path, headers });
        return { statusCode: reply.status, data: reply.body === undefined ? '' : JSON.stringify(reply.body), responseOptions: { headers: { 'content-type': 'application/json', ...reply.headers } } };
      })
      .times(times);
  }
}

function tokenReply(catalog: unknown[] | undefined) {
  return {
    status: 201,
    headers: { 'X-Subject-Token': 'MIItoken' },
    body: {
      token: {
        expires_at: '2025-03-05T05:06:07Z',
        methods: ['password'],
        project: { id: PID, name: 'eu-de' },
        user: { id: 'u', name: 'alice', domain: { id: 'd', name: 'OTC-A' } },
        ...(catalog ? { catalog } : {}),
      },
    },
  };
}

const password = (over: Partial<OtcConfig> = {}): OtcConfig => ({
  name: 'default',
  region: 'eu-de',
  credentials: { kind: 'password', username: 'alice', password: 'pw', domainName: 'OTC-A' },
  endpoints: { iam: AUTH },
  discover: ['vpcep', 'dms', 'vpc'],
  timeoutMs: 5000,
  ...over,
});
const aksk = (over: Partial<OtcConfig> = {}): OtcConfig => ({
  name: 'default',
  region: 'eu-de',
  projectId: PID,
  credentials: { kind: 'aksk', ak: AK, sk: SK },
  endpoints: { iam: AUTH },
  discover: ['vpcep', 'dms', 'vpc'],
  timeoutMs: 5000,
  ...over,
});

const instance = { instance_id: INSTANCE, status: 'RUNNING', cross_vpc_info: '' };
const quotas = { quotas: { resources: [] } };

describe('catalog URLs', () => {
  it('trims trailing project and version segments, as our clients add their own', () => {
    expect(serviceBaseFromUrl('https://iam.eu-de.otc.t-systems.com/v3')).toBe('https://iam.eu-de.otc.t-systems.com');
    expect(serviceBaseFromUrl('https://iam.eu-de.otc.t-systems.com:443/v3/')).toBe('https://iam.eu-de.otc.t-systems.com:443');
    expect(serviceBaseFromUrl('https://vpcep.x/v1/%(project_id)s')).toBe('https://vpcep.x');
    expect(serviceBaseFromUrl('https://dms.x/v1.0/$(tenant_id)s')).toBe('https://dms.x');
    expect(serviceBaseFromUrl(`https://dms.x/v2/${PID}`)).toBe('https://dms.x');
    expect(serviceBaseFromUrl('https://vpc.x/v1/{project_id}')).toBe('https://vpc.x');
    expect(serviceBaseFromUrl('https://vpc.x/v2.0')).toBe('https://vpc.x');
    expect(serviceBaseFromUrl('https://vpc.x/v1/my-project', 'my-project')).toBe('https://vpc.x');
    expect(serviceBaseFromUrl('https://gw.x/api/vpcep/v1/%(project_id)s')).toBe('https://gw.x/api/vpcep');
    expect(serviceBaseFromUrl('http://127.10.0.1:4001')).toBe('http://127.10.0.1:4001');
  });

  it('by type (dmsv2 before dms, vpc before network), public interface, region; malformed entries skipped', () => {
    const catalog = parseCatalog([
      { type: 'vpcep', endpoints: [ep('https://internal.x/v1/%(project_id)s', 'eu-de', 'internal'), ep('https://nl.x/v1/%(project_id)s', 'eu-nl')] },
      { type: 'dms', endpoints: [ep('https://dms-v1.x/v1.0/%(project_id)s')] },
      { type: 'network', endpoints: [{ url: 'https://regionless.x' }] },
      { type: 42 },
      'garbage',
    ]);
    expect(catalog).toHaveLength(3);
    expect(catalogBaseUrl(catalog, 'vpcep', 'eu-de')).toBeUndefined();
    expect(catalogBaseUrl(catalog, 'vpcep', 'eu-nl')).toBe('https://nl.x');
    expect(catalogBaseUrl(catalog, 'dms', 'eu-de')).toBe('https://dms-v1.x');
    expect(catalogBaseUrl(catalog, 'vpc', 'eu-de')).toBe('https://regionless.x');
    expect(catalogBaseUrl(parseCatalog(FULL_CATALOG), 'dms', 'eu-de')).toBe(CAT.dms);
    expect(catalogBaseUrl(parseCatalog(FULL_CATALOG), 'iam', 'eu-de')).toBe(CAT.iam);
  });
});

describe('endpoint discovery through createOtcClients', () => {
  let mock: Mock;
  beforeEach(() => {
    mock = new Mock();
  });
  afterEach(async () => {
    await mock.agent.close();
  });
  const clients = (config: OtcConfig) => createOtcClients(config, { dispatcher: mock.agent, now: () => NOW });

  it('password: a full catalog from the token (asked for without nocatalog) routes every discovered service', async () => {
    mock.on(AUTH, 'POST', '/v3/auth/tokens', tokenReply(FULL_CATALOG));
    mock.on(CAT.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance });
    mock.on(CAT.vpcep, 'GET', `/v1/${PID}/quotas`, { status: 200, body: quotas });
    mock.on(CAT.vpc, 'GET', '/v2.0/security-group-rules', { status: 200, body: { security_group_rules: [] } });
    const c = clients(password());
    await c.dms.getInstance(INSTANCE);
    await c.vpcep.getQuotas();
    await c.vpc.listSecurityGroupRules({});
    const token = mock.seen.filter((s) => s.path.startsWith('/v3/auth/tokens'));
    expect(token).toHaveLength(1);
    expect(token[0]?.path).toBe('/v3/auth/tokens');
    expect(mock.seen.map((s) => s.origin)).toEqual([AUTH, CAT.dms, CAT.vpcep, CAT.vpc]);
    expect(await c.endpoints.resolve('dms')).toEqual({ url: CAT.dms, source: 'catalog' });
    expect(await c.endpoints.resolve('iam')).toEqual({ url: AUTH, source: 'configured' });
  });

  it('a catalog with missing entries (or only other regions / interfaces) falls back to the region template per service', async () => {
    const partial = [
      FULL_CATALOG[0],
      { type: 'dms', endpoints: [ep(`${CAT.dms}/v1.0/%(project_id)s`)] },
      { type: 'vpc', endpoints: [ep(`${CAT.vpc}/v1/${PID}`, 'eu-nl'), ep(`${CAT.vpc}/v1/${PID}`, 'eu-de', 'admin')] },
    ];
    mock.on(AUTH, 'POST', '/v3/auth/tokens', tokenReply(partial));
    mock.on(CAT.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance });
    mock.on(TEMPLATE.vpcep, 'GET', `/v1/${PID}/quotas`, { status: 200, body: quotas });
    const c = clients(password());
    await c.dms.getInstance(INSTANCE);
    await c.vpcep.getQuotas();
    expect(mock.seen.map((s) => s.origin)).toEqual([AUTH, CAT.dms, TEMPLATE.vpcep]);
    expect(await c.endpoints.resolve('vpcep')).toEqual({ url: TEMPLATE.vpcep, source: 'fallback' });
    expect(await c.endpoints.resolve('vpc')).toEqual({ url: TEMPLATE.vpc, source: 'fallback' });
  });

  it('a token without any catalog: every service on its template', async () => {
    mock.on(AUTH, 'POST', '/v3/auth/tokens', tokenReply(undefined));
    mock.on(TEMPLATE.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance });
    await clients(password()).dms.getInstance(INSTANCE);
    expect(mock.seen.map((s) => s.origin)).toEqual([AUTH, TEMPLATE.dms]);
  });

  it('overrides win over the catalog (the service is not discovered)', async () => {
    const override = 'http://127.10.0.1:4002';
    mock.on(AUTH, 'POST', '/v3/auth/tokens', tokenReply(FULL_CATALOG));
    mock.on(override, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance });
    mock.on(CAT.vpcep, 'GET', `/v1/${PID}/quotas`, { status: 200, body: quotas });
    const c = clients(password({ endpoints: { iam: AUTH, dms: override }, discover: ['vpcep', 'vpc'] }));
    await c.dms.getInstance(INSTANCE);
    await c.vpcep.getQuotas();
    expect(mock.seen.map((s) => s.origin)).toEqual([AUTH, override, CAT.vpcep]);
    expect(await c.endpoints.resolve('dms')).toEqual({ url: override, source: 'configured' });
  });

  it('no discover: the token is asked for with nocatalog and templates are used (unchanged behaviour)', async () => {
    mock.on(AUTH, 'POST', '/v3/auth/tokens', tokenReply(FULL_CATALOG));
    mock.on(TEMPLATE.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance });
    const c = clients(password({ discover: [] }));
    await c.dms.getInstance(INSTANCE);
    expect(mock.seen[0]?.path).toBe('/v3/auth/tokens?nocatalog=true');
    expect(mock.seen[1]?.origin).toBe(TEMPLATE.dms);
  });

  it('AK/SK: one signed GET /v3/auth/catalog (X-Project-Id) on the auth URL, then catalog URLs', async () => {
    mock.on(AUTH, 'GET', '/v3/auth/catalog', { status: 200, body: { catalog: FULL_CATALOG, links: {} } });
    mock.on(CAT.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance }, 2);
    mock.on(CAT.vpcep, 'GET', `/v1/${PID}/quotas`, { status: 200, body: quotas });
    const c = clients(aksk());
    await Promise.all([c.dms.getInstance(INSTANCE), c.dms.getInstance(INSTANCE), c.vpcep.getQuotas()]);
    const catalogCalls = mock.seen.filter((s) => s.path === '/v3/auth/catalog');
    expect(catalogCalls).toHaveLength(1);
    const call = catalogCalls[0] as Seen;
    expect(call.headers['x-project-id']).toBe(PID);
    const authorization = call.headers.authorization ?? '';
    expect(verify({ method: 'GET', url: `${AUTH}/v3/auth/catalog`, headers: call.headers, body: '', authorization }, (ak) => (ak === AK ? SK : undefined), NOW)).toMatchObject({ ok: true });
    expect(mock.seen.filter((s) => s.origin === CAT.dms)).toHaveLength(2);
  });

  it('AK/SK: a catalog call answered 404 means templates, remembered (asked once)', async () => {
    mock.on(AUTH, 'GET', '/v3/auth/catalog', { status: 404, body: { error: { code: 404, message: 'Not Found', title: 'Not Found' } } });
    mock.on(TEMPLATE.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance }, 2);
    const c = clients(aksk());
    await c.dms.getInstance(INSTANCE);
    await c.dms.getInstance(INSTANCE);
    expect(mock.seen.filter((s) => s.path === '/v3/auth/catalog')).toHaveLength(1);
    expect(await c.endpoints.resolve('dms')).toEqual({ url: TEMPLATE.dms, source: 'fallback' });
  });

  it('AK/SK: a transient catalog failure fails the call (retryable) and is retried by the next call', async () => {
    mock.on(AUTH, 'GET', '/v3/auth/catalog', { status: 503, body: { error_code: 'APIGW.0201', error_msg: 'busy' } });
    mock.on(AUTH, 'GET', '/v3/auth/catalog', { status: 200, body: { catalog: FULL_CATALOG } });
    mock.on(CAT.dms, 'GET', `/v2/${PID}/instances/${INSTANCE}`, { status: 200, body: instance });
    const c = clients(aksk());
    const err = await c.dms.getInstance(INSTANCE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 503, retryable: true });
    await c.dms.getInstance(INSTANCE);
    expect(mock.seen.map((s) => s.origin)).toEqual([AUTH, AUTH, CAT.dms]);
  });

  it('a network failure of the catalog call surfaces as the transport error', async () => {
    mock.agent.get(AUTH).intercept({ method: 'GET', path: '/v3/auth/catalog' }).replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    const err = await clients(aksk())
      .vpcep.getQuotas()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OtcTransportError);
  });
});
