/**
 * The product configured only by the clouds.yaml the sandbox writes (no OTC_ENDPOINT_*): every service URL
 * comes from the sandbox's IAM catalog (token catalog with the password, signed GET /v3/auth/catalog with
 * AK/SK), and `crossvpc config show --json --discover` (a real process) says so.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudsYaml } from '../../src/cli/commands/sandbox.js';
import type { ConfigReport } from '../../src/config/config-report.js';
import { credentialSet, loadConfig, type Env } from '../../src/config/env-config.js';
import { OTC_SERVICES } from '../../src/otc/endpoints.js';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';

let sb: Sandbox;
let dir: string;
let cloudsPath: string;

beforeAll(async () => {
  sb = await startSandbox({ scenario: 'default', kafka: false, addressPrefix: await claimAddressPrefix() });
  dir = mkdtempSync(join(tmpdir(), 'crossvpc-catalog-'));
  cloudsPath = join(dir, 'clouds.yaml');
  writeFileSync(cloudsPath, cloudsYaml(sb.ready), { mode: 0o600 });
});
afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Only the variables under test: nothing from the developer's shell (OTC_*, OS_*) leaks in. */
function env(extra: Env): Env {
  return { OS_CLIENT_CONFIG_FILE: cloudsPath, ...extra };
}

const location = () => ({ cwd: dir, home: dir, systemDir: join(dir, 'none') });

describe('clouds.yaml from the sandbox, endpoints from its catalog', () => {
  it('password (the written auth_type): the token catalog routes DMS, VPCEP and VPC', async () => {
    const config = loadConfig(env({ OS_CLOUD: 'sandbox-a' }), location());
    expect(config.otc.endpoints.iam).toBe(sb.ready.endpoints.iam);
    expect(config.otc.discover).toEqual(['vpcep', 'dms', 'vpc', 'dns']);
    const c = createOtcClients(config.otc);
    const instance = sb.ready.instances[0];
    if (!instance) throw new Error('the default scenario has an instance');
    expect((await c.dms.getInstance(instance.instanceId)).instance_id).toBe(instance.instanceId);
    expect((await c.vpcep.getQuotas()).quotas.resources.length).toBeGreaterThan(0);
    await c.vpc.listSecurityGroupRules({});
    for (const s of OTC_SERVICES) {
      const r = await c.endpoints.resolve(s);
      expect(r.url).toBe(sb.ready.endpoints[s]);
      expect(r.source).toBe(s === 'iam' ? 'configured' : 'catalog');
    }
  });

  it('AK/SK of the same cloud entry (OS_AUTH_TYPE=aksk): the catalog from a signed GET /v3/auth/catalog', async () => {
    const config = loadConfig(env({ OS_CLOUD: 'sandbox-a', OS_AUTH_TYPE: 'aksk' }), location());
    expect(config.otc.credentials.kind).toBe('aksk');
    const c = createOtcClients(config.otc);
    const instance = sb.ready.instances[0];
    expect((await c.dms.getInstance(instance?.instanceId ?? '')).instance_id).toBe(instance?.instanceId);
    await c.vpcep.getQuotas();
    expect(await c.endpoints.resolve('dms')).toEqual({ url: sb.ready.endpoints.dms, source: 'catalog' });
    expect(await c.endpoints.resolve('vpcep')).toEqual({ url: sb.ready.endpoints.vpcep, source: 'catalog' });
  });

  it('cross-account: the client account is a second cloud entry of the same file', async () => {
    const config = loadConfig(env({ OS_CLOUD: 'sandbox-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'sandbox-b' }), location());
    const b = sb.ready.accounts.find((a) => a.name === 'B');
    const client = credentialSet(config, 'client');
    expect(client.projectId).toBe(b?.projectId);
    const c = createOtcClients(client);
    await c.vpcep.getQuotas();
    await c.vpc.listSecurityGroupRules({});
    expect(await c.endpoints.resolve('vpcep')).toEqual({ url: sb.ready.endpoints.vpcep, source: 'catalog' });
    expect(config.otc.credentials).toMatchObject({ kind: 'password', username: sb.ready.accounts.find((a) => a.name === 'A')?.username });
  });

  it('crossvpc config show --json --discover (process): catalog endpoints, no secret in the output', async () => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(OTC_|OS_|TEMPORAL_)/.test(k)) clean[k] = v;
    const { stdout } = await promisify(execFile)(process.execPath, ['src/cli/crossvpc.mjs', 'config', 'show', '--json', '--discover'], {
      cwd: process.cwd(),
      env: { ...clean, OS_CLIENT_CONFIG_FILE: cloudsPath, OS_CLOUD: 'sandbox-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'sandbox-b' },
      timeout: 60_000,
    });
    const report = JSON.parse(stdout) as ConfigReport;
    expect(report.files.clouds).toBe(cloudsPath);
    const a = report.credentialSets.default;
    expect(a?.cloud).toBe('sandbox-a');
    expect(a?.endpoints.iam).toEqual({ value: sb.ready.endpoints.iam, from: `${cloudsPath}: clouds.sandbox-a.auth.auth_url` });
    for (const s of ['vpcep', 'dms', 'vpc'] as const) {
      expect(a?.endpoints[s]).toEqual({ value: sb.ready.endpoints[s], from: 'catalog (IAM)' });
      expect(report.credentialSets.client?.endpoints[s]).toEqual({ value: sb.ready.endpoints[s], from: 'catalog (IAM)' });
    }
    expect(a?.auth.fields.password).toEqual({ value: '********', from: `${cloudsPath}: clouds.sandbox-a.auth.password` });
    for (const acct of sb.ready.accounts) {
      expect(stdout).not.toContain(acct.password);
      expect(stdout).not.toContain(acct.sk);
      expect(stdout).not.toContain(acct.ak);
    }
  });
});
