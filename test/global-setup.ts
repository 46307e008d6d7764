/**
 * One real Temporal dev server (the `temporal` CLI, never a mock) shared by every test file.
 * Set TEMPORAL_TEST_ADDRESS to reuse a server that is already running.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer, type RunningDevServer } from '../src/temporal/dev-server.js';
import { searchAttributeRegistrations } from '../workflows/search-attributes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let server: RunningDevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const existing = process.env.TEMPORAL_TEST_ADDRESS;
  if (existing) {
    project.provide('temporalAddress', existing);
    return;
  }
  server = await startDevServer({ searchAttributes: [...searchAttributeRegistrations] });
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
