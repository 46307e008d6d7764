/**
 * Wires transports, authorization and the four service clients for one {@link OtcConfig}.
 */
import type { Dispatcher } from 'undici';
import { AkSkAuthorizer, NO_AUTH, TokenAuthorizer, TokenCache, type Authorizer, type PasswordCredentials, type TokenIssuer } from './auth.js';
import { DmsClient } from './dms-client.js';
import { resolveServiceUrls, type OtcServiceName } from './endpoints.js';
import { IamClient, projectScope } from './iam-client.js';
import type { OtcConfig } from './otc-config.js';
import { fixedProjectId, type ProjectIdSource } from './project-id.js';
import { OtcTransport } from './transport.js';
import { VpcClient } from './vpc-client.js';
import { VpcepClient } from './vpcep-client.js';

export interface OtcClients {
  vpcep: VpcepClient;
  dms: DmsClient;
  vpc: VpcClient;
  iam: IamClient;
}

export interface CreateOtcClientsOptions {
  /** undici dispatcher (tests: `MockAgent`); default: undici's global dispatcher. */
  dispatcher?: Dispatcher;
  /** Clock for signing dates and token expiry. */
  now?: () => Date;
  /** Refresh tokens this long before they expire (default 15 min). */
  tokenRefreshMarginMs?: number;
}

function tokenIssuer(iam: IamClient, config: OtcConfig, creds: PasswordCredentials): TokenIssuer {
  const scope = projectScope(config.projectId, creds.projectName ?? config.region);
  const user = { username: creds.username, password: creds.password, domainName: creds.domainName };
  return async (signal) => {
    const call = signal ? { signal } : {};
    const agency = creds.agency;
    if (!agency) return iam.passwordToken({ ...user, scope }, call);
    const own = await iam.passwordToken({ ...user, scope: { domain: { name: creds.domainName } } }, call);
    return iam.assumeRoleToken({ subjectToken: own.token, domain: { name: agency.domainName }, agencyName: agency.agencyName, scope }, call);
  };
}

export function createOtcClients(config: OtcConfig, options: CreateOtcClientsOptions = {}): OtcClients {
  const urls = resolveServiceUrls(config.region, config.endpoints);
  const now = options.now ?? (() => new Date());
  const creds = config.credentials;

  const transport = (service: OtcServiceName, authorizer: Authorizer): OtcTransport =>
    new OtcTransport({
      service,
      baseUrl: urls[service],
      authorizer,
      timeoutMs: config.timeoutMs,
      now,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });

  if (creds.kind === 'aksk') {
    if (!config.projectId) throw new TypeError(`OTC credential set '${config.name}': a project id is required with AK/SK`);
    const projectId = fixedProjectId(config.projectId);
    const signer = (scope: Record<string, string>): Authorizer => new AkSkAuthorizer(creds, scope, now);
    return {
      vpcep: new VpcepClient(transport('vpcep', signer({})), projectId),
      dms: new DmsClient(transport('dms', signer({})), projectId),
      // Neutron v2.0 paths carry no project: name it in X-Project-Id.
      vpc: new VpcClient(transport('vpc', signer({ 'X-Project-Id': config.projectId })), projectId),
      iam: new IamClient(transport('iam', signer(config.domainId ? { 'X-Domain-Id': config.domainId } : {}))),
    };
  }

  // Password (optionally agency) flow: one cached token for every service of this set. Token requests
  // themselves go out unauthorized, through their own IAM client.
  const tokenCache = new TokenCache(tokenIssuer(new IamClient(transport('iam', NO_AUTH)), config, creds), {
    now,
    ...(options.tokenRefreshMarginMs !== undefined ? { refreshMarginMs: options.tokenRefreshMarginMs } : {}),
  });
  const authorizer = new TokenAuthorizer(tokenCache);
  const projectId: ProjectIdSource = config.projectId
    ? fixedProjectId(config.projectId)
    : async (signal) => {
        const token = await tokenCache.get(signal);
        if (!token.projectId) throw new TypeError(`OTC credential set '${config.name}': the token names no project; set a project id`);
        return token.projectId;
      };
  return {
    vpcep: new VpcepClient(transport('vpcep', authorizer), projectId),
    dms: new DmsClient(transport('dms', authorizer), projectId),
    vpc: new VpcClient(transport('vpc', authorizer), projectId),
    iam: new IamClient(transport('iam', authorizer)),
  };
}
