/**
 * Validated reading of configuration values (zod), whatever their source: each value is read through a
 * {@link Lookup}, problems are collected (never thrown) with the value's origin as the `variable` of the
 * issue, and the origin of every value used is remembered for `crossvpc config show`.
 */
import { z } from 'zod';
import type { ConfigIssue } from './config-error.js';
import type { Lookup } from './value-source.js';

export interface Rule<T> {
  schema: z.ZodType<T>;
  expects: string;
  /** Whether the received value may be echoed in a message. */
  secret?: boolean;
}

const idLike = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
export const RULES = {
  region: { schema: z.string().regex(/^[a-z]{2}-[a-z0-9]+$/), expects: 'a region name like eu-de, eu-nl or eu-ch2' },
  projectId: { schema: idLike, expects: 'a project id (32 hex characters on OTC; letters, digits, - and _ accepted)' },
  domainId: { schema: idLike, expects: 'an account (domain) id (32 hex characters on OTC; letters, digits, - and _ accepted)' },
  ak: { schema: z.string().regex(/^[A-Za-z0-9]{8,128}$/), expects: 'an access key id (letters and digits)', secret: true },
  nonEmptySecret: { schema: z.string().min(1), expects: 'a non-empty value', secret: true },
  nonEmpty: { schema: z.string().trim().min(1), expects: 'a non-empty value' },
  url: {
    schema: z.string().refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash;
      } catch {
        return false;
      }
    }),
    expects: 'an http(s) base URL without query, e.g. https://vpc.eu-de.otc.t-systems.com',
  },
  timeout: {
    schema: z
      .string()
      .regex(/^\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(100).max(600_000)),
    expects: 'an integer number of milliseconds between 100 and 600000',
  },
  discovery: { schema: z.enum(['catalog', 'template']), expects: 'catalog (default) or template' },
  cloudName: { schema: z.string().trim().min(1), expects: 'the name of a cloud entry in clouds.yaml' },
  hostPort: { schema: z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/), expects: 'host:port, e.g. 127.0.0.1:7233' },
  namespace: { schema: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/), expects: 'a Temporal namespace name (letters, digits, . _ -)' },
  taskQueue: { schema: z.string().trim().min(1).max(255), expects: 'a non-empty task queue name' },
} satisfies Record<string, Rule<unknown>>;

export class Reader {
  /** Logical name → origin of each value read successfully. */
  readonly used = new Map<string, string>();

  /**
   * @param issues shared by every reader of one configuration load
   * @param places other places a name may be set (for "is required" messages), e.g. `OS_REGION_NAME or …`
   */
  constructor(
    private readonly lookup: Lookup,
    readonly issues: ConfigIssue[],
    private readonly places: (name: string) => string = () => '',
  ) {}

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** ` (or OS_X or file: key)` when the name may be set elsewhere too. */
  alt(name: string): string {
    const p = this.places(name);
    return p ? ` (or ${p})` : '';
  }

  /** The parsed value, or undefined when unset (empty counts as unset) or invalid (an issue is recorded). */
  get<T>(name: string, rule: Rule<T>): T | undefined {
    const found = this.lookup(name);
    if (!found) return undefined;
    const r = rule.schema.safeParse(found.value);
    if (r.success) {
      this.used.set(name, found.origin);
      return r.data;
    }
    const raw = found.value;
    const shown = rule.secret ? '' : ` (got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)})`;
    this.issues.push({ variable: found.origin, expected: `expected ${rule.expects}${shown}` });
    return undefined;
  }

  require<T>(name: string, rule: Rule<T>): T | undefined {
    if (!this.has(name)) {
      this.issues.push({ variable: name, expected: `is required: expected ${rule.expects}${this.alt(name)}` });
      return undefined;
    }
    return this.get(name, rule);
  }

  problem(variable: string, expected: string): void {
    this.issues.push({ variable, expected });
  }
}
