/**
 * Request authorization: AK/SK signing, or an IAM token that is cached and refreshed before it expires.
 *
 * - AK/SK: `SDK-HMAC-SHA256` (signer.ts) over the exact bytes sent; `X-Security-Token` for temporary
 *   credentials and scope headers (`X-Project-Id` / `X-Domain-Id`) are added before signing, so they are signed
 *   too (gophertelekomcloud adds them unsigned; the reference says signing them works as well).
 * - Token: `X-Auth-Token`; the token comes from a {@link TokenIssuer} (iam-client.ts) and is cached in a
 *   {@link TokenCache}. On a 401 the transport calls `invalidate` and retries once.
 */
import { prepareSigningHeaders, sign } from './signer.js';

export interface AkSkCredentials {
  kind: 'aksk';
  ak: string;
  sk: string;
  /** For temporary AK/SK (sent as `X-Security-Token`). */
  securityToken?: string;
}

export interface AgencyTarget {
  /** The delegating account (domain) name. */
  domainName: string;
  /** The agency name, sent as `xrole_name`. */
  agencyName: string;
}

export interface PasswordCredentials {
  kind: 'password';
  username: string;
  password: string;
  /** The account (domain) name the IAM user belongs to. */
  domainName: string;
  /** Project to scope the token to when no project id is configured (default: the region name). */
  projectName?: string;
  /** When set, the user's token is exchanged for an agency token (`assume_role`). */
  agency?: AgencyTarget;
}

export type OtcCredentials = AkSkCredentials | PasswordCredentials;

/** What an authorizer sees of an outgoing request. */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Authorizer {
  readonly kind: 'aksk' | 'token' | 'none';
  /** Returns the complete header set to send (input headers plus auth headers). */
  authorize(req: OutgoingRequest, signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * Called when the server answered 401 to a request sent with `sentHeaders`. Returns true when a retry
   * may succeed (a cached token was dropped); false when retrying is pointless (AK/SK).
   */
  invalidate(sentHeaders: Record<string, string>): boolean;
}

export const NO_AUTH: Authorizer = {
  kind: 'none',
  authorize: (req) => Promise.resolve({ ...req.headers }),
  invalidate: () => false,
};

/** Signs every request with AK/SK. `scopeHeaders` (e.g. `X-Project-Id`) are added and signed. */
export class AkSkAuthorizer implements Authorizer {
  readonly kind = 'aksk' as const;

  constructor(
    private readonly credentials: AkSkCredentials,
    private readonly scopeHeaders: Record<string, string> = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  authorize(req: OutgoingRequest): Promise<Record<string, string>> {
    const extra: Record<string, string> = { ...this.scopeHeaders };
    if (this.credentials.securityToken) extra['X-Security-Token'] = this.credentials.securityToken;
    const headers = prepareSigningHeaders(req.url, { ...req.headers, ...extra }, this.now());
    const signed = sign({ method: req.method, url: req.url, headers, body: req.body }, this.credentials);
    return Promise.resolve({ ...headers, Authorization: signed.authorization });
  }

  invalidate(): boolean {
    return false;
  }
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  /** From the token body (`token.project.id`), when project-scoped. */
  projectId?: string;
  /** From the token body (`token.user.domain.id` / `token.project.domain.id`). */
  domainId?: string;
}

export type TokenIssuer = (signal?: AbortSignal) => Promise<IssuedToken>;

export interface TokenCacheOptions {
  now?: () => Date;
  /** Refresh this long before `expires_at` (default 15 min; OTC tokens live 24 h). */
  refreshMarginMs?: number;
}

/** Caches one token; concurrent callers share one in-flight issue request. */
export class TokenCache {
  private current: IssuedToken | undefined;
  private inflight: Promise<IssuedToken> | undefined;
  private readonly now: () => Date;
  private readonly marginMs: number;

  constructor(
    private readonly issuer: TokenIssuer,
    options: TokenCacheOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.marginMs = options.refreshMarginMs ?? 15 * 60 * 1000;
  }

  /** A valid token, issuing a new one when none is cached or the cached one is about to expire. */
  async get(signal?: AbortSignal): Promise<IssuedToken> {
    const cached = this.current;
    if (cached && cached.expiresAt.getTime() - this.marginMs > this.now().getTime()) return cached;
    this.inflight ??= this.issuer(signal).then(
      (t) => {
        this.current = t;
        this.inflight = undefined;
        return t;
      },
      (err: unknown) => {
        this.inflight = undefined;
        throw err;
      },
    );
    return this.inflight;
  }

  /** Drops the cached token when it is the one given (a 401 answered it). Returns true when dropped. */
  invalidate(token: string): boolean {
    if (this.current?.token !== token) return this.current !== undefined || this.inflight !== undefined;
    this.current = undefined;
    return true;
  }
}

/** Sends the cached token as `X-Auth-Token`. */
export class TokenAuthorizer implements Authorizer {
  readonly kind = 'token' as const;

  constructor(private readonly cache: TokenCache) {}

  async authorize(req: OutgoingRequest, signal?: AbortSignal): Promise<Record<string, string>> {
    const { token } = await this.cache.get(signal);
    return { ...req.headers, 'X-Auth-Token': token };
  }

  invalidate(sentHeaders: Record<string, string>): boolean {
    const sent = sentHeaders['X-Auth-Token'];
    return sent === undefined ? false : this.cache.invalidate(sent);
  }
}
