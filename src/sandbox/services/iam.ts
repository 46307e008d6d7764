/**
 * IAM (Keystone v3 as OTC runs it): version documents, password/token auth with project or domain scope,
 * the catalog real clients discover services from, and the discovery calls AK/SK clients make.
 * Reference: otc-dms-vpc-iam-api.md §5.1, §7 (IAM error shapes).
 */
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { jsonBody } from '../http/server.js';
import { HttpError, param, type Principal, type RequestContext, type RouteDef } from '../http/types.js';
import type { Account, Project } from '../state/world.js';
import { hex32From } from '../util/random.js';

function keystoneError(code: number, title: string, message: string): HttpError {
  return new HttpError(code, { error: { code, message, title } });
}
const badRequest = (m: string) => keystoneError(400, 'Bad Request', m);
const unauthorized = (m: string) => keystoneError(401, 'Unauthorized', m);
const forbidden = (m: string) => keystoneError(403, 'Forbidden', m);

const ref = z.looseObject({ id: z.string().optional(), name: z.string().optional() });
const tokenRequest = z.looseObject({
  auth: z.looseObject({
    identity: z.looseObject({
      methods: z.array(z.string()).min(1),
      password: z
        .looseObject({
          user: z.looseObject({ id: z.string().optional(), name: z.string().optional(), password: z.string(), domain: ref.optional() }),
        })
        .optional(),
      token: z.looseObject({ id: z.string() }).optional(),
      assume_role: z
        .looseObject({ domain_id: z.string().optional(), domain_name: z.string().optional(), xrole_name: z.string().min(1) })
        .optional(),
    }),
    scope: z
      .looseObject({
        project: z.looseObject({ id: z.string().optional(), name: z.string().optional(), domain: ref.optional() }).optional(),
        domain: ref.optional(),
      })
      .optional(),
  }),
});

const MEDIA = [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }];

function hostBase(ctx: RequestContext, fallback: string): string {
  const host = ctx.headers.host;
  return host ? `http://${host}` : fallback;
}

function versionDoc(base: string) {
  return { id: 'v3.6', status: 'stable', updated: '2016-04-04T00:00:00Z', links: [{ rel: 'self', href: `${base}/v3/` }], 'media-types': MEDIA };
}

/**
 * The catalog as the real cloud lists it (a recorded eu-de project token, docs/decisions/sandbox-sdk-compat.md):
 * names and URL shapes copied, hosts replaced. `dms` is the out-of-date DMS v1.0 API **without** the project
 * (clients append it), `dmsv1` the same with it; `dmsv2` (what gophertelekomcloud and the product use) is the
 * v2 API with the project — it is absent from the 2019 recording, so its shape follows the pattern of the others.
 */
export function buildCatalog(sb: SandboxContext, projectId: string | undefined) {
  const region = sb.world().region;
  const entry = (type: string, name: string, url: string) => ({
    type,
    name,
    id: hex32From(`catalog:${type}`),
    endpoints: [{ id: hex32From(`endpoint:${type}:${projectId ?? ''}`), url, region, region_id: region, interface: 'public' }],
  });
  const out = [entry('identity', 'keystone', `${sb.urls.iam}/v3`), entry('network', 'neutron', sb.urls.vpc)];
  if (projectId) {
    out.push(
      entry('vpcep', 'vpcep', `${sb.urls.vpcep}/v1/${projectId}`),
      entry('dms', 'distributedmessageservice', `${sb.urls.dms}/v1.0`),
      entry('dmsv1', 'dmsv1', `${sb.urls.dms}/v1.0/${projectId}`),
      entry('dmsv2', 'dmsv2', `${sb.urls.dms}/v2/${projectId}`),
      entry('vpc', 'vpc', `${sb.urls.vpc}/v1/${projectId}`),
    );
    // DNS has project-less URLs (docs/dns-contract.md); the project is the token's / X-Project-Id.
    out.push(entry('dns', 'dns', sb.urls.dns));
  }
  return out;
}

function projectBody(base: string, p: Project) {
  return { id: p.id, name: p.name, domain_id: p.domainId, description: '', enabled: true, is_domain: false, parent_id: p.domainId, links: { self: `${base}/v3/projects/${p.id}` } };
}

function domainBody(base: string, a: Account) {
  return { id: a.domainId, name: a.domainName, enabled: true, description: '', links: { self: `${base}/v3/domains/${a.domainId}` } };
}

function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw unauthorized('The request you have made requires authentication.');
  return ctx.principal;
}

export function iamRoutes(sb: SandboxContext): RouteDef[] {
  const tokenBody = (account: Account, project: Project | undefined, methods: string[], issuedAt: Date, expiresAt: Date, withCatalog: boolean) => ({
    token: {
      methods,
      expires_at: expiresAt.toISOString(),
      issued_at: issuedAt.toISOString(),
      user: { id: account.userId, name: account.username, password_expires_at: '', domain: { id: account.domainId, name: account.domainName } },
      roles: [
        { id: hex32From('role:te_admin'), name: 'te_admin' },
        { id: hex32From('role:op_fine_grained'), name: 'op_fine_grained' },
      ],
      ...(project
        ? { project: { id: project.id, name: project.name, domain: { id: account.domainId, name: account.domainName } } }
        : { domain: { id: account.domainId, name: account.domainName } }),
      ...(withCatalog ? { catalog: buildCatalog(sb, project?.id) } : {}),
    },
  });

  const findUser = (u: { id?: string | undefined; name?: string | undefined; domain?: { id?: string | undefined; name?: string | undefined } | undefined }): Account | undefined => {
    const accounts = [...sb.world().accounts.values()];
    if (u.id) return accounts.find((a) => a.userId === u.id);
    const candidates = accounts.filter(
      (a) => a.username === u.name && (!u.domain || (u.domain.id ? a.domainId === u.domain.id : a.domainName === u.domain.name)),
    );
    return candidates.length === 1 ? candidates[0] : undefined;
  };

  const createToken = (ctx: RequestContext) => {
    const parsed = tokenRequest.safeParse(jsonBody(ctx, badRequest));
    if (!parsed.success) throw badRequest(`Invalid token request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { identity, scope } = parsed.data.auth;
    let account: Account | undefined;
    const methods = identity.methods;
    if (methods.includes('password')) {
      const user = identity.password?.user;
      if (!user || (!user.id && !user.name)) throw badRequest('Expecting to find user id or name in password.');
      account = findUser(user);
      if (!account || account.password !== user.password) throw unauthorized('The username or password is wrong.');
    } else if (methods.includes('token')) {
      const id = identity.token?.id;
      const record = id ? sb.tokens.lookup(id, sb.now()) : undefined;
      if (!record || record === 'expired') throw unauthorized('The token is invalid or expired.');
      account = sb.world().accounts.get(record.accountName);
      if (!account) throw unauthorized('The token is invalid or expired.');
    } else if (methods.includes('assume_role')) {
      // Agency token (otc-dms-vpc-iam-api.md §5.1): the delegated user's token in X-Auth-Token, the delegating
      // account by domain name or id, the agency as `xrole_name`. The agency must trust the caller's account.
      const subject = ctx.headers['x-auth-token'];
      const record = typeof subject === 'string' ? sb.tokens.lookup(subject, sb.now()) : undefined;
      if (!record || record === 'expired') throw unauthorized('The request you have made requires authentication.');
      const role = identity.assume_role;
      if (!role || (!role.domain_id && !role.domain_name)) throw badRequest('Expecting to find domain_id or domain_name and xrole_name in assume_role.');
      const target = [...sb.world().accounts.values()].find((a) => (role.domain_id ? a.domainId === role.domain_id : a.domainName === role.domain_name));
      const agency = target?.agencies.find((g) => g.name === role.xrole_name);
      if (!target || !agency || agency.trustedAccount !== record.accountName) {
        throw forbidden(`No agency ${role.xrole_name} of ${role.domain_id ?? role.domain_name ?? ''} is delegated to the caller.`);
      }
      account = target;
    } else {
      throw badRequest(`Unsupported auth methods: ${methods.join(',')}`);
    }
    let project: Project | undefined;
    if (scope?.project) {
      const p = scope.project;
      if (p.id) project = account.projects.find((x) => x.id === p.id);
      else if (p.name) {
        if (p.domain && (p.domain.id ? p.domain.id !== account.domainId : p.domain.name !== account.domainName)) project = undefined;
        else project = account.projects.find((x) => x.name === p.name);
      } else throw badRequest('Expecting to find id or name in project scope.');
      if (!project) throw unauthorized(`The user has no access to project ${p.id ?? p.name ?? ''}.`);
    } else if (scope?.domain) {
      const d = scope.domain;
      if (d.id ? d.id !== account.domainId : d.name !== account.domainName) throw unauthorized('The user has no access to the requested domain.');
    }
    // No scope at all: a domain-scoped token, as OTC's "global" token.
    const ttl = sb.scenario.behaviour.iam.tokenTtlSeconds;
    const record = sb.tokens.issue(account.name, project?.id, methods, ttl, sb.now());
    const noCatalog = ctx.query.has('nocatalog') && ctx.query.get('nocatalog') !== '';
    return {
      status: 201,
      headers: { 'X-Subject-Token': record.token },
      body: tokenBody(account, project, methods, record.issuedAt, record.expiresAt, !noCatalog),
    };
  };

  const principalScopeProject = (p: Principal): Project | undefined => {
    if (p.via === 'token') return p.scope === 'project' ? p.project : undefined;
    return p.project ?? p.account.projects[0];
  };

  return [
    {
      method: 'GET',
      pattern: '/',
      operation: 'iam.listVersions',
      auth: false,
      handler: (ctx) => ({ status: 300, body: { versions: { values: [{ ...versionDoc(hostBase(ctx, sb.urls.iam)), id: 'v3.0' }] } } }),
    },
    { method: 'GET', pattern: '/v3', operation: 'iam.getVersion', auth: false, handler: (ctx) => ({ status: 200, body: { version: versionDoc(hostBase(ctx, sb.urls.iam)) } }) },
    { method: 'POST', pattern: '/v3/auth/tokens', operation: 'iam.createToken', auth: false, handler: createToken },
    {
      method: 'GET',
      pattern: '/v3/auth/tokens',
      operation: 'iam.validateToken',
      auth: true,
      handler: (ctx) => {
        const subject = ctx.headers['x-subject-token'];
        const record = typeof subject === 'string' ? sb.tokens.lookup(subject, sb.now()) : undefined;
        if (!record || record === 'expired') throw keystoneError(404, 'Not Found', 'The token could not be found.');
        const account = sb.world().accounts.get(record.accountName);
        if (!account) throw keystoneError(404, 'Not Found', 'The token could not be found.');
        const project = account.projects.find((p) => p.id === record.projectId);
        return { status: 200, headers: { 'X-Subject-Token': record.token }, body: tokenBody(account, project, record.methods, record.issuedAt, record.expiresAt, true) };
      },
    },
    {
      method: 'GET',
      pattern: '/v3/auth/projects',
      operation: 'iam.listAuthProjects',
      auth: true,
      handler: (ctx) => {
        const p = requirePrincipal(ctx);
        const base = hostBase(ctx, sb.urls.iam);
        return { status: 200, body: { projects: p.account.projects.map((x) => projectBody(base, x)), links: { self: `${base}/v3/auth/projects`, previous: null, next: null } } };
      },
    },
    {
      method: 'GET',
      pattern: '/v3/auth/domains',
      operation: 'iam.listAuthDomains',
      auth: true,
      handler: (ctx) => {
        const p = requirePrincipal(ctx);
        const base = hostBase(ctx, sb.urls.iam);
        return { status: 200, body: { domains: [domainBody(base, p.account)], links: { self: `${base}/v3/auth/domains`, previous: null, next: null } } };
      },
    },
    {
      method: 'GET',
      pattern: '/v3/auth/catalog',
      operation: 'iam.getCatalog',
      auth: true,
      handler: (ctx) => {
        const p = requirePrincipal(ctx);
        const base = hostBase(ctx, sb.urls.iam);
        return { status: 200, body: { catalog: buildCatalog(sb, principalScopeProject(p)?.id), links: { self: `${base}/v3/auth/catalog` } } };
      },
    },
    {
      method: 'GET',
      pattern: '/v3/projects',
      operation: 'iam.listProjects',
      auth: true,
      handler: (ctx) => {
        const p = requirePrincipal(ctx);
        const base = hostBase(ctx, sb.urls.iam);
        const name = ctx.query.get('name');
        const domainId = ctx.query.get('domain_id');
        const id = ctx.query.get('id');
        const projects = p.account.projects.filter(
          (x) => (name === null || x.name === name) && (domainId === null || x.domainId === domainId) && (id === null || x.id === id),
        );
        return { status: 200, body: { projects: projects.map((x) => projectBody(base, x)), links: { self: `${base}/v3/projects`, previous: null, next: null } } };
      },
    },
    {
      method: 'GET',
      pattern: '/v3/projects/{project_id}',
      operation: 'iam.getProject',
      auth: true,
      handler: (ctx) => {
        const p = requirePrincipal(ctx);
        const project = p.account.projects.find((x) => x.id === param(ctx, 'project_id'));
        if (!project) throw keystoneError(404, 'Not Found', `Could not find project: ${param(ctx, 'project_id')}.`);
        return { status: 200, body: { project: projectBody(hostBase(ctx, sb.urls.iam), project) } };
      },
    },
  ];
}

export function iamErrorBody(status: number, code: string | undefined, message: string | undefined): unknown {
  if (code) return { error_code: code, error_msg: message ?? 'Injected error.' };
  return { error: { code: status, message: message ?? 'Injected error.', title: status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Error' } };
}
