/**
 * Authentication like the OTC API gateway: `Authorization: SDK-HMAC-SHA256 Access=…` or `Credential=…`
 * (verified by the sandbox's own verifier, sdk-hmac-verifier.ts; X-Sdk-Date within 15 min) or `X-Auth-Token`
 * from the emulated IAM. Anything else is 401 `APIGW.0301`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { gatewayError, type HttpError, type Principal } from '../http/types.js';
import type { Project, World } from '../state/world.js';
import { headersFromRaw, splitTarget, verifySdkHmac } from './sdk-hmac-verifier.js';
import type { TokenStore } from './token-store.js';

export interface AuthRequest {
  method: string;
  /** The request target as received (`/path?query`, still percent-encoded). */
  target: string;
  headers: IncomingHttpHeaders;
  /** node's `rawHeaders`: every header line as received, names in their case, repeated headers kept. */
  rawHeaders: readonly string[];
  /** The body bytes as received. */
  body: Uint8Array;
  requestId: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const PREFIX = 'Incorrect IAM authentication information';

export class Authenticator {
  constructor(
    private readonly world: () => World,
    private readonly tokens: TokenStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Returns the caller or throws a 401 gateway error. */
  authenticate(req: AuthRequest): Principal {
    const fail = (detail: string): HttpError => gatewayError(401, 'APIGW.0301', `${PREFIX}: ${detail}`, req.requestId);
    const world = this.world();
    const authorization = header(req.headers, 'authorization');
    const token = header(req.headers, 'x-auth-token');
    if (authorization) {
      const result = verifySdkHmac(
        { method: req.method, ...splitTarget(req.target), headers: headersFromRaw(req.rawHeaders), body: req.body },
        (ak) => world.accountByAk(ak)?.sk,
        this.now(),
        { region: world.region },
      );
      if (!result.ok) throw fail(`verify aksk signature fail, ${result.reason}: ${result.detail}`);
      const account = world.accountByAk(result.ak);
      if (!account) throw fail('verify aksk signature fail, unknown-key');
      const projectHeader = header(req.headers, 'x-project-id');
      let project: Project | undefined;
      if (projectHeader) {
        project = account.projects.find((p) => p.id === projectHeader);
        if (!project) throw fail(`project ${projectHeader} does not belong to the AK's account`);
      }
      return { account, project, via: 'aksk' };
    }
    if (token) {
      const record = this.tokens.lookup(token, this.now());
      if (record === 'expired') throw fail('token expired');
      if (!record) throw fail('decrypt token fail');
      const account = world.accounts.get(record.accountName);
      if (!account) throw fail('decrypt token fail');
      const project = record.projectId ? account.projects.find((p) => p.id === record.projectId) : undefined;
      return { account, project, via: 'token', scope: record.projectId ? 'project' : 'domain' };
    }
    throw fail('Authorization header or X-Auth-Token is missing');
  }
}

/**
 * The project a path-scoped call acts in: it must belong to the caller's account and, for a project-scoped
 * token, be that project. `deny` builds the service's error for a mismatch.
 */
export function callerProject(principal: Principal | undefined, world: World, projectId: string, deny: (msg: string) => HttpError): Project {
  if (!principal) throw deny('not authenticated');
  const project = principal.account.projects.find((p) => p.id === projectId);
  if (!project || !world.projects.has(projectId)) throw deny(`project ${projectId} is not accessible with these credentials`);
  if (principal.via === 'token') {
    if (principal.scope === 'domain') throw deny('a domain-scoped token cannot call project APIs');
    if (principal.project?.id !== projectId) throw deny(`the token is scoped to another project than ${projectId}`);
  }
  return project;
}

/** The project of a call without project in the path (Neutron v2.0): token scope, X-Project-Id, or the account's first. */
export function implicitProject(principal: Principal | undefined, deny: (msg: string) => HttpError): Project {
  if (!principal) throw deny('not authenticated');
  if (principal.via === 'token' && principal.scope === 'domain') throw deny('a domain-scoped token cannot call project APIs');
  const project = principal.project ?? principal.account.projects[0];
  if (!project) throw deny('no project');
  return project;
}
