import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtcApiError, OtcResponseShapeError } from '../../../src/otc/errors.js';
import { createOtcClients } from '../../../src/otc/otc-clients.js';
import { akskClients, akskConfig, MockCloud, PROJECT_ID } from './mock-cloud.js';

const tokenBody = {
  token: {
    expires_at: '2025-03-05T05:06:07.527363Z',
    issued_at: '2025-03-04T05:06:07.527363Z',
    methods: ['password'],
    user: { id: 'u1', name: 'alice', domain: { id: 'dom-1', name: 'OTC-A' } },
    project: { id: PROJECT_ID, name: 'eu-de', domain: { id: 'dom-1', name: 'OTC-A' } },
    roles: [{ id: 'r1', name: 'te_admin' }],
  },
};

describe('IamClient', () => {
  let cloud: MockCloud;
  beforeEach(() => {
    cloud = new MockCloud();
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('passwordToken reads X-Subject-Token, expiry, project and domain; never signs', async () => {
    cloud.on('iam', 'POST', '/v3/auth/tokens', { status: 201, headers: { 'X-Subject-Token': 'MIIsubject' }, body: tokenBody });
    const t = await akskClients(cloud).iam.passwordToken({ username: 'alice', password: 'pw', domainName: 'OTC-A', scope: { project: { name: 'eu-de' } } });
    expect(t.token).toBe('MIIsubject');
    expect(t.expiresAt.toISOString()).toBe('2025-03-05T05:06:07.527Z');
    expect(t.projectId).toBe(PROJECT_ID);
    expect(t.domainId).toBe('dom-1');
    const req = cloud.last();
    expect(req.query).toEqual({ nocatalog: 'true' });
    expect(cloud.header(req, 'content-type')).toBe('application/json;charset=utf8');
    expect(cloud.header(req, 'authorization')).toBeUndefined();
  });

  it('assumeRoleToken by domain id sends the subject token', async () => {
    cloud.on('iam', 'POST', '/v3/auth/tokens', { status: 201, headers: { 'X-Subject-Token': 'MIIagency' }, body: tokenBody });
    const t = await akskClients(cloud).iam.assumeRoleToken({ subjectToken: 'MIIuser', domain: { id: 'dom-b' }, agencyName: 'ag', scope: { project: { id: PROJECT_ID } } });
    expect(t.token).toBe('MIIagency');
    expect(cloud.last().body).toEqual({
      auth: { identity: { methods: ['assume_role'], assume_role: { domain_id: 'dom-b', xrole_name: 'ag' } }, scope: { project: { id: PROJECT_ID } } },
    });
    expect(cloud.header(cloud.last(), 'x-auth-token')).toBe('MIIuser');
  });

  it('a token answer without X-Subject-Token is a shape error', async () => {
    cloud.on('iam', 'POST', '/v3/auth/tokens', { status: 201, body: tokenBody });
    await expect(akskClients(cloud).iam.passwordToken({ username: 'a', password: 'b', domainName: 'c' })).rejects.toThrow(OtcResponseShapeError);
  });

  it('keystone 401 body', async () => {
    cloud.on('iam', 'POST', '/v3/auth/tokens', { status: 401, body: { error: { message: 'The username or password is wrong.', code: 401, title: 'Unauthorized' } } });
    const err = await akskClients(cloud)
      .iam.passwordToken({ username: 'a', password: 'b', domainName: 'c' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtcApiError);
    expect(err).toMatchObject({ service: 'iam', status: 401, code: 'Unauthorized', message: 'The username or password is wrong.', retryable: false });
  });

  it('listProjects by name', async () => {
    cloud.on('iam', 'GET', '/v3/projects', { status: 200, body: { projects: [{ id: PROJECT_ID, name: 'eu-de', domain_id: 'dom-1', enabled: true, links: {} }] } });
    const projects = await akskClients(cloud).iam.listProjects({ name: 'eu-de' });
    expect(cloud.last().query).toEqual({ name: 'eu-de' });
    expect(projects.map((p) => p.id)).toEqual([PROJECT_ID]);
    cloud.on('iam', 'GET', '/v3/projects', { status: 429, body: { error_code: 'IAM.0012', error_msg: 'The throttling threshold has been reached.' } });
    await expect(akskClients(cloud).iam.listProjects({ name: 'eu-de' })).rejects.toMatchObject({ code: 'IAM.0012', retryable: true });
  });
});

describe('createOtcClients', () => {
  it('AK/SK needs a project id', () => {
    const cfg = akskConfig();
    delete cfg.projectId;
    expect(() => createOtcClients(cfg)).toThrow(/project id is required/);
  });

  it('uses endpoint overrides', async () => {
    const cloud = new MockCloud();
    try {
      cloud.agent
        .get('http://127.10.0.1:4100')
        .intercept({ path: `/v2/${PROJECT_ID}/instances/i1`, method: 'GET' })
        .reply(200, { instance_id: 'i1', status: 'RUNNING' });
      const c = akskClients(cloud, { endpoints: { dms: 'http://127.10.0.1:4100/' } });
      expect((await c.dms.getInstance('i1')).instance_id).toBe('i1');
    } finally {
      await cloud.close();
    }
  });
});
