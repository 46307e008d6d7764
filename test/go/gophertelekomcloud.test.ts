/**
 * A second real OTC SDK against the sandbox in AK/SK mode: gophertelekomcloud v0.9.8 (what the Terraform OTC
 * provider is built on), unchanged, signing every call in the scoped `SDK-HMAC-SHA256 Credential=…` form.
 * test/go/main.go (`gotc-check`, built by scripts/ensure-tools.sh into .tools/) drives the seed procedure:
 * token-less project lookup and catalog, DMS get, VPCEP service and endpoint create/get/list/delete, the
 * whitelist, quotas, the security-group rule (Neutron), crossvpc/modify; then a wrong SK must be refused.
 * Judged by the SDK's own step results and by the sandbox's call log and state.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/devtools/tool-paths.js';
import { headersFromRaw, splitTarget, verifySdkHmac } from '../../src/sandbox/auth/sdk-hmac-verifier.js';
import { parseSdkDateTime } from '../../src/sandbox/auth/sdk-hmac-verifier.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { claimAddressPrefix, fastScenario } from '../sandbox/support/sandbox-helpers.js';

const run = promisify(execFile);
const binary = process.env.GOTC_CHECK ?? join(projectRoot, '.tools', 'gotc-check');

interface Step {
  step: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

async function gotc(args: string[]): Promise<{ stdout: string; code: number }> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bash scripts/ensure-tools.sh\` (builds test/go with go)`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NO_PROXY: '*', no_proxy: '*' };
  try {
    const { stdout } = await run(binary, args, { env, timeout: 180_000, maxBuffer: 16 << 20 });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string; code?: number };
    if (typeof e.code === 'number' && e.stdout !== undefined) return { stdout: e.stdout, code: e.code };
    throw new Error(`gotc-check ${args.join(' ')} failed: ${e.message}\nstderr: ${e.stderr ?? ''}`);
  }
}

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ scenario: fastScenario(), kafka: false, addressPrefix: await claimAddressPrefix(), log: () => undefined });
});
afterAll(async () => {
  await sb?.stop();
});

describe('gophertelekomcloud v0.9.8 (AK/SK, scoped signatures) drives the seed procedure', () => {
  it('every step holds, and the sandbox saw signed calls of account A only', async () => {
    const a = sb.ready.accounts.find((x) => x.name === 'A');
    const b = sb.ready.accounts.find((x) => x.name === 'B');
    const inst = sb.ready.instances[0];
    const net = sb.ready.clientNetworks.find((n) => n.account === 'A');
    if (!a || !b || !inst || !net) throw new Error('default scenario expected');
    const dir = mkdtempSync(join(tmpdir(), 'gotc-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        authUrl: sb.ready.authUrl,
        region: sb.ready.region,
        projectName: a.projectName,
        ak: a.ak,
        sk: a.sk,
        instanceId: inst.instanceId,
        instanceVpcId: inst.vpcId,
        securityGroupId: inst.securityGroupId,
        clientVpcId: net.vpcId,
        clientSubnetId: net.subnetId,
        whitelistDomainId: b.domainId,
        timeoutSeconds: 30,
      }),
      { mode: 0o600 },
    );
    const { stdout, code } = await gotc(['seed', configPath]);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Step & { done?: boolean; steps?: number; failed?: number });
    const steps = lines.filter((l) => !l.done);
    const failedSteps = steps.filter((s) => !s.ok);
    expect(failedSteps, JSON.stringify(failedSteps, null, 2)).toEqual([]);
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatchObject({ done: true, steps: steps.length, failed: 0 });
    expect(steps.map((s) => s.step)).toEqual([
      'iam: AK/SK project lookup and catalog (token-less)',
      'catalog: vpcep, dmsv2 and network clients',
      'dms: get instance (cross_vpc_info)',
      'vpcep: create endpoint service (VM, 9011, approval off)',
      'vpcep: get endpoint service until available',
      'vpcep: list endpoint services (finds it)',
      'vpcep: whitelist another account (permissions/action add, then list)',
      'vpcep: create endpoint in the client VPC',
      'vpcep: get endpoint until accepted (private IP)',
      'vpcep: list endpoints (finds it)',
      'vpcep: quotas',
      'vpc: security group rule ingress TCP 9011 from 198.19.128.0/17 (Neutron)',
      'dms: crossvpc/modify to the endpoint IP, read back, restore',
      'vpc: delete the security group rule',
      'vpcep: delete endpoint, wait for 404',
      'vpcep: delete endpoint service, wait for 404',
      'iam: a wrong SK is refused (401)',
    ]);
    expect(steps[0]?.detail).toBe(`project ${a.projectId}`);

    // Independent read of the cloud: the calls arrived signed, as account A, and nothing is left behind.
    const log = sb.callLog;
    expect(log.count('iam.listProjects', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('iam.getCatalog', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('iam.createToken')).toBe(0); // token-less: every call is signed
    expect(log.count('vpcep.createEndpointService', 200)).toBe(1);
    expect(log.count('vpcep.permissionsAction', 200)).toBe(1);
    expect(log.count('vpcep.createEndpoint', 200)).toBe(1);
    expect(log.count('vpc.createSecurityGroupRule', 201)).toBe(1);
    expect(log.count('dms.modifyCrossVpc', 200)).toBe(2);
    expect(log.count('vpcep.getEndpoint', 404)).toBeGreaterThanOrEqual(1);
    expect(log.count('vpcep.getEndpointService', 404)).toBeGreaterThanOrEqual(1);
    const refused = log.all().filter((c) => c.status === '401');
    expect(refused.length).toBeGreaterThanOrEqual(1); // the wrong-SK attempt, and nothing else
    expect(refused.every((c) => c.operation === 'iam.listProjects')).toBe(true);
    const served = log.all().filter((c) => c.status !== '401');
    expect(served.filter((c) => c.account !== 'A')).toEqual([]);
    expect(log.all().filter((c) => Number(c.status) >= 500)).toEqual([]);
    await sb.idle();
    const world = sb.world();
    expect([...world.services.values(), ...world.endpoints.values()]).toEqual([]);
    expect([...world.sgRules.values()].filter((r) => r.port_range_min === 9011)).toEqual([]);
    expect([...world.instances.values()].flatMap((i) => i.brokers).every((br) => br.advertisedIp === br.listenerIp)).toBe(true);
  });

  it('the committed verifier fixtures are what the SDK signs today, and the sandbox verifier accepts them', async () => {
    const { stdout, code } = await gotc(['vectors']);
    expect(code).toBe(0);
    const live = JSON.parse(stdout) as { name: string; method: string; url: string; headers: [string, string][]; body: string; authorization: string; sdkDate: string }[];
    const committed = JSON.parse(readFileSync(join(projectRoot, 'test', 'sandbox', 'fixtures', 'gophertelekomcloud-signatures.json'), 'utf8')) as unknown;
    expect(live).toEqual(committed);
    for (const v of live) {
      const target = v.url.replace(/^[a-z]+:\/\/[^/]+/i, '');
      const raw = [...v.headers.flat(), 'Authorization', v.authorization];
      const result = verifySdkHmac({ method: v.method, ...splitTarget(target), headers: headersFromRaw(raw), body: v.body }, () => 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc', parseSdkDateTime(v.sdkDate) ?? new Date(), { region: 'eu-de' });
      expect(result, v.name).toMatchObject({ ok: true, form: 'scoped' });
    }
  });
});
