/**
 * IAM client: tokens (password flow, agency `assume_role`) and project look-ups.
 *
 * `POST /v3/auth/tokens?nocatalog=true` answers 201 with the token in the `X-Subject-Token` header and
 * `{"token":{expires_at,…}}` in the body. Token requests are sent unauthorized (password) or with the
 * subject token (assume_role), never signed. With `withCatalog` the `nocatalog` query is left out and the
 * token's catalog is returned (endpoint discovery); `getCatalog` is the AK/SK way to the same catalog.
 */
import type { IssuedToken } from './auth.js';
import { parseCatalog, type Catalog } from './catalog.js';
import { OtcResponseShapeError, headerValue } from './errors.js';
import {
  CatalogEnvelopeSchema,
  ProjectListSchema,
  TokenBodySchema,
  type AssumeRoleTokenInput,
  type PasswordTokenInput,
  type Project,
  type TokenBody,
  type TokenScope,
} from './iam-schemas.js';
import type { CallOptions, OtcTransport } from './transport.js';

export interface IssuedTokenWithBody extends IssuedToken {
  body: TokenBody;
  /** The token's catalog (valid entries only); empty when asked without catalog. */
  catalog: Catalog;
}

export interface TokenCallOptions extends CallOptions {
  /** Ask for the catalog (leave out `nocatalog`). Default false. */
  withCatalog?: boolean;
}

const TOKEN_PATH = '/v3/auth/tokens';

export class IamClient {
  constructor(private readonly transport: OtcTransport) {}

  /** Password flow; scope it to a project for DMS/VPC/VPCEP calls. */
  async passwordToken(input: PasswordTokenInput, options?: TokenCallOptions): Promise<IssuedTokenWithBody> {
    const auth = {
      identity: {
        methods: ['password'],
        password: { user: { name: input.username, password: input.password, domain: { name: input.domainName } } },
      },
      ...(input.scope ? { scope: input.scope } : {}),
    };
    return this.issue({ auth }, {}, options);
  }

  /** Agency token: the delegated user's token exchanged for one in the delegating account. */
  async assumeRoleToken(input: AssumeRoleTokenInput, options?: TokenCallOptions): Promise<IssuedTokenWithBody> {
    const domain = 'name' in input.domain ? { domain_name: input.domain.name } : { domain_id: input.domain.id };
    const auth = {
      identity: { methods: ['assume_role'], assume_role: { ...domain, xrole_name: input.agencyName } },
      ...(input.scope ? { scope: input.scope } : {}),
    };
    return this.issue({ auth }, { 'X-Auth-Token': input.subjectToken }, options);
  }

  /** GET /v3/auth/projects: the projects the caller may use. */
  async listAuthProjects(options?: CallOptions): Promise<Project[]> {
    return (await this.transport.json({ operation: 'listAuthProjects', method: 'GET', path: '/v3/auth/projects', ...options }, ProjectListSchema)).projects;
  }

  /** GET /v3/auth/catalog: the catalog of the caller's scope (AK/SK: the `X-Project-Id` project). */
  async getCatalog(options?: CallOptions): Promise<Catalog> {
    return parseCatalog((await this.transport.json({ operation: 'getCatalog', method: 'GET', path: '/v3/auth/catalog', ...options }, CatalogEnvelopeSchema)).catalog);
  }

  /** GET /v3/projects?name=…: e.g. the project id of region `eu-de`. */
  async listProjects(query: { name?: string; domain_id?: string } = {}, options?: CallOptions): Promise<Project[]> {
    return (await this.transport.json({ operation: 'listProjects', method: 'GET', path: '/v3/projects', query, ...options }, ProjectListSchema)).projects;
  }

  private async issue(body: unknown, headers: Record<string, string>, options: TokenCallOptions = {}): Promise<IssuedTokenWithBody> {
    const { withCatalog, ...call } = options;
    const res = await this.transport.send({
      operation: 'createToken',
      method: 'POST',
      path: TOKEN_PATH,
      ...(withCatalog ? {} : { query: { nocatalog: 'true' } }),
      body,
      headers: { 'Content-Type': 'application/json;charset=utf8', ...headers },
      authorize: false,
      ...call,
    });
    const token = headerValue(res.headers, 'x-subject-token');
    if (!token) throw new OtcResponseShapeError('iam', TOKEN_PATH, 'no X-Subject-Token header', res.requestId);
    let json: unknown;
    try {
      json = JSON.parse(res.bodyText);
    } catch {
      throw new OtcResponseShapeError('iam', TOKEN_PATH, 'token body is not JSON', res.requestId);
    }
    const parsed = TokenBodySchema.safeParse(json);
    if (!parsed.success) throw new OtcResponseShapeError('iam', TOKEN_PATH, parsed.error.message, res.requestId);
    const expiresAt = new Date(parsed.data.token.expires_at);
    if (Number.isNaN(expiresAt.getTime())) throw new OtcResponseShapeError('iam', TOKEN_PATH, `bad expires_at ${parsed.data.token.expires_at}`, res.requestId);
    const t = parsed.data.token;
    const out: IssuedTokenWithBody = { token, expiresAt, body: parsed.data, catalog: parseCatalog(t.catalog) };
    if (t.project?.id) out.projectId = t.project.id;
    const domainId = t.project?.domain?.id ?? t.user?.domain?.id ?? t.domain?.id;
    if (domainId) out.domainId = domainId;
    return out;
  }
}

/** Builds the project scope: by id when known, else by name (OTC project names are region names). */
export function projectScope(projectId: string | undefined, projectName: string): TokenScope {
  return projectId ? { project: { id: projectId } } : { project: { name: projectName } };
}
