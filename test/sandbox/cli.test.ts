import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ReadyLine } from '../../src/sandbox/start-sandbox.js';
import { raw, claimAddressPrefix, connectionOutcome, waitFor } from './support/sandbox-helpers.js';

let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
});

describe('crossvpc sandbox (process)', () => {
  it('prints one JSON ready line, writes clouds.yaml, serves, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
    const cloudsPath = join(dir, 'clouds.yaml');
    const prefix = await claimAddressPrefix();
    child = spawn(process.execPath, ['src/cli/crossvpc.mjs', 'sandbox', '--no-kafka', '--address-prefix', prefix, '--clouds-yaml', cloudsPath], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 60_000);
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child?.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${stderr}`)));
    });
    const ready = JSON.parse(first) as ReadyLine;
    expect(ready).toMatchObject({ ready: true, region: 'eu-de', authUrl: `${ready.endpoints.iam}/v3` });
    for (const s of ['iam', 'vpcep', 'dms', 'vpc', 'dns'] as const) expect(ready.endpoints[s]).toMatch(new RegExp(`^http://${prefix.replace('.', '\\.')}\\.0\\.1:\\d+$`));
    expect(new Set(Object.values(ready.endpoints).concat(ready.admin)).size).toBe(6);
    expect(ready.accounts.map((a) => a.name)).toEqual(['A', 'B']);
    for (const a of ready.accounts) expect(a).toMatchObject({ domainId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown, projectId: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown, projectName: 'eu-de' });
    expect(ready.instances).toEqual([expect.objectContaining({ account: 'A', brokers: 3, security: 'PLAINTEXT' })]);
    expect(ready.clientNetworks.map((n) => n.cidr)).toEqual([`${prefix}.2.0/24`, `${prefix}.3.0/24`]);

    const clouds = parse(readFileSync(cloudsPath, 'utf8')) as { clouds: Record<string, { auth: Record<string, string>; ak: string; sk: string; region_name: string }> };
    expect(Object.keys(clouds.clouds)).toEqual(['sandbox-a', 'sandbox-b']);
    const ca = clouds.clouds['sandbox-a'];
    expect(ca).toMatchObject({ region_name: 'eu-de', ak: ready.accounts[0]?.ak, sk: ready.accounts[0]?.sk });
    expect(ca?.auth).toMatchObject({ auth_url: ready.authUrl, username: ready.accounts[0]?.username, password: ready.accounts[0]?.password, project_name: 'eu-de', user_domain_name: ready.accounts[0]?.domainName });

    // The clouds.yaml credentials work against IAM.
    const token = await raw(`${ready.authUrl}/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: ca?.auth.username, password: ca?.auth.password, domain: { name: ca?.auth.user_domain_name } } } }, scope: { project: { name: ca?.auth.project_name } } } },
    });
    expect(token.status).toBe(201);

    // --no-kafka still opens (and refuses) endpoint listeners.
    const a = ready.accounts[0];
    const inst = ready.instances[0];
    const net = ready.clientNetworks[0];
    if (!a || !inst || !net) throw new Error('ready line incomplete');
    const sign = { ak: a.ak, sk: a.sk };
    const svc = await raw(`${ready.endpoints.vpcep}/v1/${a.projectId}/vpc-endpoint-services`, {
      method: 'POST',
      sign,
      body: { port_id: inst.listeners[0]?.portId, vpc_id: inst.vpcId, server_type: 'VM', approval_enabled: false, ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }] },
    });
    const svcId = (svc.json as { id: string }).id;
    await waitFor('service available', async () => ((await raw(`${ready.endpoints.vpcep}/v1/${a.projectId}/vpc-endpoint-services/${svcId}`, { sign })).json as { status: string }).status === 'available' || undefined, 15_000, 200);
    const ep = await raw(`${ready.endpoints.vpcep}/v1/${a.projectId}/vpc-endpoints`, { method: 'POST', sign, body: { endpoint_service_id: svcId, vpc_id: net.vpcId, subnet_id: net.subnetId } });
    const epId = (ep.json as { id: string }).id;
    const ip = await waitFor('endpoint accepted', async () => {
      const e = (await raw(`${ready.endpoints.vpcep}/v1/${a.projectId}/vpc-endpoints/${epId}`, { sign })).json as { status: string; ip?: string };
      return e.status === 'accepted' ? e.ip : undefined;
    }, 15_000, 200);
    const outcome = await waitFor('listener up', async () => {
      const o = await connectionOutcome(ip, 9011);
      return o === 'refused' ? undefined : o;
    }, 5_000, 100);
    expect(['reset', 'closed']).toContain(outcome);

    const exitCode = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    // Nothing left listening.
    expect(await connectionOutcome(new URL(ready.endpoints.vpcep).hostname, Number(new URL(ready.endpoints.vpcep).port))).toBe('refused');
    expect(await connectionOutcome(ip, 9011)).toBe('refused');
  });

  it('exits 2 with a clear message for a bad scenario file', async () => {
    const proc = spawn(process.execPath, ['src/cli/crossvpc.mjs', 'sandbox', '--no-kafka', '--scenario', '/nonexistent/scenario.yaml', '--address-prefix', await claimAddressPrefix()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read file');
  });
});
