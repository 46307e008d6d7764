/**
 * The sandbox's cloud state on disk (`crossvpc sandbox --state-file F`, `startSandbox({ stateFile })`), so a
 * stopped sandbox comes back as the same cloud: the same scenario, seed, address block and ports, every resource
 * (with transitions under way), the id counters (ids never repeat) and the IAM tokens still valid.
 *
 * Written atomically (temp file + rename): before the answer of every call that may change something, after
 * every background transition, and when the sandbox stops. Faults and the call log are test controls, not cloud
 * state: a restarted sandbox starts with the scenario's faults and an empty call log.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { TokenRecord } from '../auth/token-store.js';
import type { ServiceUrls } from '../context.js';
import type { Scenario } from '../scenario/schema.js';
import type { WorldState } from './world.js';

export const STATE_FILE_VERSION = 1;

export type ServicePorts = Record<keyof ServiceUrls | 'admin', number>;

export interface SavedSandbox {
  version: typeof STATE_FILE_VERSION;
  savedAt: string;
  scenario: Scenario;
  addressPrefix: string;
  seed: number;
  ports: ServicePorts;
  ids: number;
  world: WorldState;
  tokens: TokenRecord[];
}

/** The envelope is checked; the world inside was written by this code and is trusted (as the scenario is). */
const envelopeSchema = z.looseObject({
  version: z.literal(STATE_FILE_VERSION),
  savedAt: z.string(),
  scenario: z.looseObject({ name: z.string(), accounts: z.array(z.unknown()) }),
  addressPrefix: z.string().regex(/^127\.\d{1,3}$/),
  seed: z.number().int(),
  ports: z.strictObject({ iam: z.number().int(), vpcep: z.number().int(), dms: z.number().int(), vpc: z.number().int(), admin: z.number().int(), dns: z.number().int().default(0) }),
  ids: z.number().int().min(0),
  world: z.looseObject({
    accounts: z.array(z.unknown()),
    instances: z.array(z.unknown()),
    services: z.array(z.unknown()),
    endpoints: z.array(z.unknown()),
    seq: z.number().int(),
    marker: z.number().int(),
  }),
  tokens: z.array(z.unknown()),
});

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

const DATE_KEYS = new Set(['createdAt', 'updatedAt', 'issuedAt', 'expiresAt']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The saved sandbox in `path`, or undefined when there is no such file. */
export function readStateFile(path: string): SavedSandbox | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'), (key, value: unknown) => (DATE_KEYS.has(key) && typeof value === 'string' && ISO.test(value) ? new Date(value) : value));
  } catch (err) {
    throw new StateFileError(`state file ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const check = envelopeSchema.safeParse(parsed);
  if (!check.success) {
    throw new StateFileError(`state file ${path} is not a sandbox state (version ${STATE_FILE_VERSION}): ${check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed as SavedSandbox;
}

export function writeStateFile(path: string, state: SavedSandbox): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  renameSync(tmp, path);
}

/** Saves on demand: `now()` synchronously, `soon()` coalesced into one write on the next turn. */
export class StateSaver {
  private scheduled = false;
  private stopped = false;
  constructor(
    private readonly path: string,
    private readonly snapshot: () => SavedSandbox,
    private readonly onError: (err: unknown) => void,
  ) {}

  now(): void {
    if (this.stopped) return;
    this.scheduled = false;
    try {
      writeStateFile(this.path, this.snapshot());
    } catch (err) {
      this.onError(err);
    }
  }

  soon(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      if (this.scheduled) this.now();
    });
  }

  /** Final save; later calls do nothing. */
  close(): void {
    this.now();
    this.stopped = true;
  }
}
