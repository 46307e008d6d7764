/** What every emulated service gets: the current world, settings, scheduler, data plane and base URLs. */
import type { TokenStore } from './auth/token-store.js';
import type { DataPlane } from './data-plane.js';
import type { FaultInjector } from './faults/fault-injector.js';
import type { Scheduler } from './lifecycle/scheduler.js';
import type { Scenario } from './scenario/schema.js';
import type { World } from './state/world.js';
import type { IdGenerator } from './util/random.js';

export interface ServiceUrls {
  iam: string;
  vpcep: string;
  dms: string;
  vpc: string;
  dns: string;
}

export interface SandboxContext {
  /** The live world (replaced on reset, so always call it). */
  world(): World;
  scenario: Scenario;
  scheduler: Scheduler;
  dataPlane: DataPlane;
  /** For faults that are a state rather than a per-call decision (quotas). */
  faults: FaultInjector;
  ids: IdGenerator;
  tokens: TokenStore;
  /** Filled in once the servers listen. */
  urls: ServiceUrls;
  now(): Date;
  log(message: string): void;
}
