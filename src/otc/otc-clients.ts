/**
 * Wires transports, authorization and the five service clients for one {@link OtcConfig}.
 *
 * Base URLs come from an {@link EndpointDirectory}: configured URLs, or (services in `config.discover`) the
 * IAM catalog with the configured URL as fallback. Token requests and the AK/SK catalog request always go
 * to the configured IAM URL (`endpoints.iam`, i.e. the auth URL).
 */
import type { Tracer } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { AkSkAuthorizer, NO_AUTH, TokenAuthorizer, TokenCache, type Authorizer, type PasswordCredentials, type TokenIssuer } from './auth.js';
import type { Catalog } from './catalog.js';
import { DmsClient } from './dms-client.js';
import { DnsClient } from './dns-client.js';
import { EndpointDirectory, type CatalogLoader } from './endpoint-directory.js';
import { resolveServiceUrls, type OtcServiceName } from './endpoints.js';
import { IamClient, projectScope } from './iam-client.js';
import type { OtcConfig } from './otc-config.js';
import { fixedProjectId, type ProjectIdSource } from './project-id.js';
import { OtcTransport, type CallObserver } from './transport.js';
import { VpcClient } from './vpc-client.js';
import { VpcepClient } from './vpcep-client.js';

export interface OtcClients {
  vpcep: VpcepClient;
  dms: DmsClient;
  vpc: VpcClient;
  iam: IamClient;
  /** DNS private zones (named access). */
  dns: DnsClient;
  /** Where each service's base URL comes from (configured, catalog, fallback). */
  endpoints: EndpointDirectory;
}

export interface CreateOtcClientsOptions {
  /** undici dispatcher (tests: `MockAgent`); default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Clock for signing dates and token expiry. */
  now?: () => Date;
  /** Refresh tokens this long before they expire (default 15 min). */
  tokenRefreshMarginMs?: number;
  /** Told of every HTTP exchange (the worker's metrics). */
  observe?: CallObserver;
  /** A span per HTTP exchange (the worker's tracing). */
  tracer?: Tracer;
}

/** `onCatalog` receives the catalog of each issued (project-scoped) token when `withCatalog` is set. */
function tokenIssuer(iam: IamClient, config: OtcConfig, creds: PasswordCredentials, withCatalog: boolean, onCatalog: (c: Catalog) => void): TokenIssuer {
  const scope = projectScope(config.projectId, creds.projectName ?? config.region);
  const user = { username: creds.username, password: creds.password, domainName: creds.domainName };
  return async (signal) => {
    const call = signal ? { signal } : {};
    const agency = creds.agency;
    const issued = agency
      ? await iam.assumeRoleToken(
          {
            subjectToken: (await iam.passwordToken({ ...user, scope: { domain: { name: creds.domainName } } }, call)).token,
            domain: { name: agency.domainName },
            agencyName: agency.agencyName,
            scope,
          },
          { ...call, withCatalog },
        )
      : await iam.passwordToken({ ...user, scope }, { ...call, withCatalog });
    if (withCatalog) onCatalog(issued.catalog);
    return issued;
  };
}

export function createOtcClients(config: OtcConfig, options: CreateOtcClientsOptions = {}): OtcClients {
  const urls = resolveServiceUrls(config.region, config.endpoints);
  const now = options.now ?? (() => new Date());
  const creds = config.credentials;
  const discover = config.discover ?? [];
  const directory = (loadCatalog: CatalogLoader): EndpointDirectory =>
    new EndpointDirectory({ region: config.region, urls, discover, loadCatalog, ...(config.projectId ? { projectId: config.projectId } : {}) });

  /** `fixed`: always the configured URL (token and catalog requests), else the directory's answer. */
  const transport = (service: OtcServiceName, authorizer: Authorizer, dir?: EndpointDirectory): OtcTransport =>
    new OtcTransport({
      service,
      baseUrl: dir?.discovering ? dir.baseUrlOf(service) : urls[service],
      authorizer,
      timeoutMs: config.timeoutMs,
      now,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.observe ? { observe: options.observe } : {}),
      ...(options.tracer ? { tracer: options.tracer } : {}),
    });

  if (creds.kind === 'aksk') {
    if (!config.projectId) throw new TypeError(`OTC credential set '${config.name}': a project id is required with AK/SK`);
    const projectId = fixedProjectId(config.projectId);
    const signer = (scope: Record<string, string>): Authorizer => new AkSkAuthorizer(creds, scope, now);
    // No token, so no token catalog: the project's catalog comes from a signed GET /v3/auth/catalog.
    const catalogIam = new IamClient(transport('iam', signer({ 'X-Project-Id': config.projectId })));
    const dir = directory((signal) => catalogIam.getCatalog(signal ? { signal } : {}));
    return {
      vpcep: new VpcepClient(transport('vpcep', signer({}), dir), projectId),
      dms: new DmsClient(transport('dms', signer({}), dir), projectId),
      // Neutron v2.0 paths carry no project: name it in X-Project-Id.
      vpc: new VpcClient(transport('vpc', signer({ 'X-Project-Id': config.projectId }), dir), projectId),
      iam: new IamClient(transport('iam', signer(config.domainId ? { 'X-Domain-Id': config.domainId } : {}), dir)),
      // DNS paths carry no project either.
      dns: new DnsClient(transport('dns', signer({ 'X-Project-Id': config.projectId }), dir)),
      endpoints: dir,
    };
  }

  // Password (optionally agency) flow: one cached token for every service of this set. Token requests
  // themselves go out unauthorized, through their own IAM client.
  let tokenCatalog: Catalog | undefined;
  const issuer = tokenIssuer(new IamClient(transport('iam', NO_AUTH)), config, creds, discover.length > 0, (c) => {
    tokenCatalog = c;
  });
  const tokenCache = new TokenCache(issuer, {
    now,
    ...(options.tokenRefreshMarginMs !== undefined ? { refreshMarginMs: options.tokenRefreshMarginMs } : {}),
  });
  const authorizer = new TokenAuthorizer(tokenCache);
  const dir = directory(async (signal) => {
    await tokenCache.get(signal);
    return tokenCatalog;
  });
  const projectId: ProjectIdSource = config.projectId
    ? fixedProjectId(config.projectId)
    : async (signal) => {
        const token = await tokenCache.get(signal);
        if (!token.projectId) throw new TypeError(`OTC credential set '${config.name}': the token names no project; set a project id`);
        return token.projectId;
      };
  return {
    vpcep: new VpcepClient(transport('vpcep', authorizer, dir), projectId),
    dms: new DmsClient(transport('dms', authorizer, dir), projectId),
    vpc: new VpcClient(transport('vpc', authorizer, dir), projectId),
    iam: new IamClient(transport('iam', authorizer, dir)),
    dns: new DnsClient(transport('dns', authorizer, dir)),
    endpoints: dir,
  };
}
