/**
 * The product configured ONLY by the clouds.yaml the sandbox writes (no OTC_ENDPOINT_*, no OTC_* credentials):
 * the worker's clients come from `loadConfig` (OS_CLOUD + OTC_CREDENTIALS_CLIENT_CLOUD), find every service
 * in the sandbox's IAM catalog, and provision the default scenario end to end, verified through real Kafka;
 * the cross-account path uses the second cloud entry.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudsYaml } from '../../src/cli/commands/sandbox.js';
import { credentialSet, loadConfig, type AppConfig } from '../../src/config/env-config.js';
import { clientsFromConfig, createCrossVpcWorkers } from '../../worker/worker.js';
import { crossAccountRequest, defaultRequest, provision, resetSandbox, resources, startSuite, type Suite } from './support.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';

describe('configured by clouds.yaml only', () => {
  let suite: Suite;
  let dir: string;
  let config: AppConfig;
  beforeAll(async () => {
    suite = await startSuite({ kafka: true });
    dir = mkdtempSync(join(tmpdir(), 'crossvpc-clouds-e2e-'));
    const cloudsPath = join(dir, 'clouds.yaml');
    writeFileSync(cloudsPath, cloudsYaml(suite.sandbox.ready), { mode: 0o600 });
    config = loadConfig(
      { OS_CLIENT_CONFIG_FILE: cloudsPath, OS_CLOUD: 'sandbox-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'sandbox-b' },
      { cwd: dir, home: dir, systemDir: join(dir, 'none') },
    );
  });
  afterAll(async () => {
    await suite?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetSandbox(suite);
  });

  async function withConfiguredWorkers<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('crossvpc-clouds');
    const workers = await createCrossVpcWorkers({
      connection: suite.env.nativeConnection,
      taskQueue,
      activityDeps: { clients: clientsFromConfig(config), serviceInUseRetryMs: 300 },
      workflowBundle: { code: suite.bundle.code },
      shutdownGraceTime: '2s',
    });
    return workers.runUntil(() => fn(taskQueue));
  }

  it('the configuration names no endpoint but IAM: the rest is discovered', () => {
    expect(config.otc.endpoints.iam).toBe(suite.sandbox.ready.endpoints.iam);
    expect(config.otc.discover).toEqual(['vpcep', 'dms', 'vpc', 'dns']);
    expect(credentialSet(config, 'client').discover).toEqual(['vpcep', 'dms', 'vpc', 'dns']);
  });

  it('same account: provisioned and verified through the endpoint IPs', async () => {
    await withConfiguredWorkers(async (tq) => {
      const outcome = await provision(suite, tq, defaultRequest(suite));
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('verified');
      expect(outcome.ports).toHaveLength(3);
      const r = await resources(suite);
      for (const p of outcome.ports) expect(r.advertised[p.listenerIp]).toBe(p.endpointIp);
    });
  });

  it('cross-account: the client account is the second cloud entry', async () => {
    await withConfiguredWorkers(async (tq) => {
      const outcome = await provision(suite, tq, crossAccountRequest(suite));
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('verified');
      expect(outcome.ports).toHaveLength(3);
    });
  });
});
