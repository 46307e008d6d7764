import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane } from './support/fake-data-plane.js';
import { account, clients, failure, fastScenario, raw, claimAddressPrefix } from './support/sandbox-helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ scenario: fastScenario(), addressPrefix: await claimAddressPrefix(), dataPlane: createFakeDataPlane(), seed: 7 });
});
afterAll(async () => {
  await sb?.stop();
});

const passwordBody = (user: Record<string, unknown>, scope?: Record<string, unknown>) => ({
  auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) },
});

describe('IAM: version documents and tokens', () => {
  it('serves unauthenticated version documents with self links from Host', async () => {
    const root = await raw(`${sb.urls.iam}/`);
    expect(root.status).toBe(300);
    const href = (root.json as { versions: { values: { links: { href: string }[] }[] } }).versions.values[0]?.links[0]?.href;
    expect(href).toBe(`${sb.urls.iam}/v3/`);
    const custom = await raw(`${sb.urls.iam}/v3`, { headers: { Host: 'iam.example.test' } });
    expect(custom.status).toBe(200);
    expect((custom.json as { version: { links: { href: string }[] } }).version.links[0]?.href).toBe('http://iam.example.test/v3/');
  });

  it('issues project-scoped tokens by project name (with and without domain) and by id', async () => {
    const a = account(sb, 'A');
    const user = { name: a.username, password: a.password, domain: { name: a.domainName } };
    for (const scope of [{ project: { name: 'eu-de' } }, { project: { name: 'eu-de', domain: { name: a.domainName } } }, { project: { id: a.projectId } }]) {
      const res = await raw(`${sb.urls.iam}/v3/auth/tokens`, { method: 'POST', body: passwordBody(user, scope) });
      expect(res.status).toBe(201);
      expect(res.headers['x-subject-token']).toMatch(/^MII/);
      const token = (res.json as { token: Record<string, unknown> }).token;
      expect(token).toMatchObject({
        methods: ['password'],
        user: { id: a.userId, name: a.username, domain: { id: a.domainId, name: a.domainName } },
        project: { id: a.projectId, name: 'eu-de', domain: { id: a.domainId } },
      });
      expect(typeof token.expires_at).toBe('string');
      expect(typeof token.issued_at).toBe('string');
      expect(Array.isArray(token.roles)).toBe(true);
      const catalog = token.catalog as { type: string; endpoints: { url: string; interface: string; region: string; region_id: string }[] }[];
      const byType = Object.fromEntries(catalog.map((c) => [c.type, c.endpoints[0]]));
      expect(Object.keys(byType).sort()).toEqual(['dms', 'dmsv1', 'dmsv2', 'dns', 'identity', 'network', 'vpc', 'vpcep']);
      expect(byType.vpcep).toMatchObject({ url: `${sb.urls.vpcep}/v1/${a.projectId}`, interface: 'public', region: 'eu-de', region_id: 'eu-de' });
      // As the real catalog: `dms` is the v1.0 API without the project (clients append it), `dmsv1` with it, `dmsv2` the v2 API.
      expect(byType.dms?.url).toBe(`${sb.urls.dms}/v1.0`);
      expect(byType.dmsv1?.url).toBe(`${sb.urls.dms}/v1.0/${a.projectId}`);
      expect(byType.dmsv2?.url).toBe(`${sb.urls.dms}/v2/${a.projectId}`);
      expect(catalog.find((c) => c.type === 'dms')).toMatchObject({ name: 'distributedmessageservice' });
      expect(byType.network?.url).toBe(sb.urls.vpc);
      expect(byType.identity?.url).toBe(`${sb.urls.iam}/v3`);
      expect(byType.dns?.url).toBe(sb.urls.dns);
    }
  });

  it('issues domain-scoped tokens and supports user id, nocatalog and token re-scope', async () => {
    const a = account(sb, 'A');
    const res = await raw(`${sb.urls.iam}/v3/auth/tokens?nocatalog=true`, {
      method: 'POST',
      body: passwordBody({ id: a.userId, password: a.password }, { domain: { name: a.domainName } }),
    });
    expect(res.status).toBe(201);
    const token = (res.json as { token: Record<string, unknown> }).token;
    expect(token.domain).toEqual({ id: a.domainId, name: a.domainName });
    expect(token.project).toBeUndefined();
    expect(token.catalog).toBeUndefined();
    const rescoped = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['token'], token: { id: String(res.headers['x-subject-token']) } }, scope: { project: { id: a.projectId } } } },
    });
    expect(rescoped.status).toBe(201);
    // A domain token cannot call project APIs.
    const denied = await raw(`${sb.urls.dms}/v2/${a.projectId}/instances?engine=kafka`, { headers: { 'X-Auth-Token': String(res.headers['x-subject-token']) } });
    expect(denied.status).toBe(401);
  });

  it('rejects wrong passwords and foreign projects with Keystone errors', async () => {
    const a = account(sb, 'A');
    const b = account(sb, 'B');
    const wrong = await raw(`${sb.urls.iam}/v3/auth/tokens`, { method: 'POST', body: passwordBody({ name: a.username, password: 'nope', domain: { name: a.domainName } }) });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: { code: 401, title: 'Unauthorized' } });
    const foreign = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: passwordBody({ name: a.username, password: a.password, domain: { name: a.domainName } }, { project: { id: b.projectId } }),
    });
    expect(foreign.status).toBe(401);
    const bad = await raw(`${sb.urls.iam}/v3/auth/tokens`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
  });

  it('answers the discovery calls of AK/SK clients', async () => {
    const a = account(sb, 'A');
    const signed = { sign: { ak: a.ak, sk: a.sk } };
    const projects = await raw(`${sb.urls.iam}/v3/projects?name=eu-de`, signed);
    expect(projects.status).toBe(200);
    expect(projects.json).toMatchObject({ projects: [{ id: a.projectId, name: 'eu-de', domain_id: a.domainId }] });
    const authProjects = await raw(`${sb.urls.iam}/v3/auth/projects`, signed);
    expect((authProjects.json as { projects: unknown[] }).projects).toHaveLength(1);
    const domains = await raw(`${sb.urls.iam}/v3/auth/domains`, signed);
    expect(domains.json).toMatchObject({ domains: [{ id: a.domainId, name: a.domainName }] });
    const catalog = await raw(`${sb.urls.iam}/v3/auth/catalog`, signed);
    expect((catalog.json as { catalog: unknown[] }).catalog).toHaveLength(8);
    // Through the product's IAM client too.
    const c = clients(sb, 'A');
    expect((await c.iam.listProjects({ name: 'eu-de' })).map((p) => p.id)).toEqual([a.projectId]);
    expect((await c.iam.listAuthProjects()).map((p) => p.id)).toEqual([a.projectId]);
  });
});

describe('gateway authentication (APIGW.0301)', () => {
  const url = () => `${sb.urls.dms}/v2/${account(sb, 'A').projectId}/instances?engine=kafka`;
  const expect401 = (res: { status: number; json: unknown }) => {
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error_code: 'APIGW.0301', error_msg: expect.stringContaining('Incorrect IAM authentication information') as unknown, request_id: expect.any(String) as unknown });
  };

  it('rejects missing, malformed, unknown-key, wrong-secret and stale signatures', async () => {
    const a = account(sb, 'A');
    expect401(await raw(url()));
    expect401(await raw(url(), { headers: { Authorization: 'Bearer nope' } }));
    expect401(await raw(url(), { sign: { ak: 'UNKNOWNAKUNKNOWNAK00', sk: a.sk } }));
    expect401(await raw(url(), { sign: { ak: a.ak, sk: `${a.sk}x` } }));
    expect401(await raw(url(), { sign: { ak: a.ak, sk: a.sk, date: new Date(Date.now() - 16 * 60_000) } }));
    const ok = await raw(url(), { sign: { ak: a.ak, sk: a.sk, date: new Date(Date.now() - 14 * 60_000) } });
    expect(ok.status).toBe(200);
  });

  it('rejects unknown and expired tokens', async () => {
    expect401(await raw(url(), { headers: { 'X-Auth-Token': 'MIIbogus' } }));
    const a = account(sb, 'A');
    const res = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: passwordBody({ name: a.username, password: a.password, domain: { name: a.domainName } }, { project: { name: 'eu-de' } }),
    });
    const token = String(res.headers['x-subject-token']);
    expect((await raw(url(), { headers: { 'X-Auth-Token': token } })).status).toBe(200);
    sb.tokens.expire(token);
    expect401(await raw(url(), { headers: { 'X-Auth-Token': token } }));
  });

  it('the product clients surface it as OtcApiError APIGW.0301', async () => {
    const a = account(sb, 'A');
    const c = clients(sb, 'A');
    const wrong = { ...sb, ready: { ...sb.ready, accounts: [{ ...a, sk: 'WRONGSECRETWRONGSECRETWRONGSECRET0000000' }] } } as Sandbox;
    const err = await failure(clients(wrong, 'A').dms.listInstances({ engine: 'kafka' }));
    expect(err).toMatchObject({ status: 401, code: 'APIGW.0301' });
    expect((await c.dms.listInstances({ engine: 'kafka' })).instance_num).toBe(1);
  });
});

describe('account isolation', () => {
  it("one account cannot see or touch another's resources", async () => {
    const a = account(sb, 'A');
    const b = account(sb, 'B');
    const inst = sb.ready.instances[0];
    if (!inst) throw new Error('no instance');
    const cb = clients(sb, 'B');
    // B cannot name A's project...
    const asB = await raw(`${sb.urls.dms}/v2/${a.projectId}/instances/${inst.instanceId}`, { sign: { ak: b.ak, sk: b.sk } });
    expect(asB.status).toBe(401);
    expect(asB.json).toMatchObject({ error_code: 'DMS.10240104' });
    // ...and in its own project A's instance does not exist.
    expect(await failure(cb.dms.getInstance(inst.instanceId))).toMatchObject({ status: 404, code: 'DMS.00404022' });
    expect((await cb.dms.listInstances({ engine: 'kafka' })).instance_num).toBe(0);
    expect(await failure(cb.vpc.createSecurityGroupRule({ security_group_id: inst.securityGroupId, direction: 'ingress', protocol: 'tcp', port_range_min: 9011, port_range_max: 9011, remote_ip_prefix: '198.19.128.0/17' }))).toMatchObject({ status: 404 });
    expect((await cb.vpc.listSecurityGroupRules({ security_group_id: inst.securityGroupId })).security_group_rules).toEqual([]);
    const vpcepAsB = await raw(`${sb.urls.vpcep}/v1/${a.projectId}/vpc-endpoint-services`, { sign: { ak: b.ak, sk: b.sk } });
    expect(vpcepAsB.status).toBe(403);
    expect(vpcepAsB.json).toMatchObject({ error_code: 'EndPoint.0004' });
  });

  it('password-token clients work like AK/SK clients', async () => {
    const c = clients(sb, 'A', 'password');
    const list = await c.dms.listInstances({ engine: 'kafka' });
    expect(list.instance_num).toBe(1);
    expect(sb.callLog.count('iam.createToken', 201)).toBeGreaterThan(0);
  });
});
