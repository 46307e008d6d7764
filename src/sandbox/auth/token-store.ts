/** IAM tokens issued by the emulated `POST /v3/auth/tokens`. */
import type { IdGenerator } from '../util/random.js';

export interface TokenRecord {
  token: string;
  accountName: string;
  /** Project scope; undefined for a domain-scoped token. */
  projectId: string | undefined;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
}

export class TokenStore {
  private tokens = new Map<string, TokenRecord>();

  constructor(private readonly ids: IdGenerator) {}

  issue(accountName: string, projectId: string | undefined, methods: string[], ttlSeconds: number, now = new Date()): TokenRecord {
    const record: TokenRecord = {
      token: this.ids.token(),
      accountName,
      projectId,
      methods,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
    };
    this.tokens.set(record.token, record);
    return record;
  }

  /** `expired` when known but past its expiry; undefined when unknown. */
  lookup(token: string, now = new Date()): TokenRecord | 'expired' | undefined {
    const record = this.tokens.get(token);
    if (!record) return undefined;
    return record.expiresAt.getTime() <= now.getTime() ? 'expired' : record;
  }

  /** For tests: make a token expire now. */
  expire(token: string): void {
    const record = this.tokens.get(token);
    if (record) record.expiresAt = new Date(0);
  }

  clear(): void {
    this.tokens.clear();
  }

  /** Every token still valid (a restarted sandbox keeps them: a cloud outage does not log anyone out). */
  exportValid(now = new Date()): TokenRecord[] {
    return [...this.tokens.values()].filter((t) => t.expiresAt.getTime() > now.getTime());
  }

  importAll(records: TokenRecord[]): void {
    for (const r of records) this.tokens.set(r.token, r);
  }
}
