/**
 * A sandbox restart that keeps its cloud state (`startSandbox({ stateFile })`, `crossvpc sandbox --state-file`):
 * stopped, the cloud is unreachable; started again with the same file it is the same cloud — same address block
 * and ports, every resource with its id and status, transitions under way finished, accepted endpoints forwarding,
 * advertised IPs on the brokers, IAM tokens still valid, fresh ids that never repeat.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../../src/sandbox/state/persistence.js';
import { startSandbox, type ReadyInstance, type ReadyLine, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { createFakeDataPlane } from './support/fake-data-plane.js';
import { account, claimAddressPrefix, clients, connectionOutcome, failure, fastScenario, raw, waitFor } from './support/sandbox-helpers.js';

const running: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function start(options: Parameters<typeof startSandbox>[0]): Promise<Sandbox> {
  const sb = await startSandbox({ log: () => undefined, ...options });
  running.push(sb);
  return sb;
}

async function stop(sb: Sandbox): Promise<void> {
  running.splice(running.indexOf(sb), 1);
  await sb.stop();
}

const connectOutcome = (url: string) => connectionOutcome(new URL(url).hostname, Number(new URL(url).port), 300);

describe('startSandbox({ stateFile })', () => {
  it('comes back as the same cloud after a stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    const stateFile = join(dir, 'cloud.json');
    const prefix = await claimAddressPrefix();
    // Slow creates so that one is still under way when the sandbox stops.
    const scenario = fastScenario({ delays: { serviceCreate: 300, serviceUpdate: 100, serviceDelete: 300, endpointCreate: 300, endpointDelete: 300 } });
    const dp1 = createFakeDataPlane();
    const sb1 = await start({ scenario, addressPrefix: prefix, dataPlane: dp1, stateFile, seed: 11 });
    expect(sb1.stateFile).toEqual({ path: stateFile, resumed: false });
    const inst = sb1.ready.instances[0] as ReadyInstance;
    const net = sb1.ready.clientNetworks.find((n) => n.account === 'A');
    const a = account(sb1, 'A');
    const c1 = clients(sb1, 'A');
    const body = (port: number) => ({ port_id: inst.listeners[0]?.portId ?? '', vpc_id: inst.vpcId, server_type: 'VM' as const, ports: [{ client_port: port, server_port: port, protocol: 'TCP' as const }], approval_enabled: false });

    const svc = await c1.vpcep.createEndpointService(body(9011));
    await waitFor('available', async () => ((await c1.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined));
    const ep = await c1.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: net?.vpcId ?? '', subnet_id: net?.subnetId ?? '' });
    const accepted = await waitFor('accepted', async () => {
      const e = await c1.vpcep.getEndpoint(ep.id);
      return e.status === 'accepted' ? e : undefined;
    });
    const rule = await c1.vpc.createSecurityGroupRule({ security_group_id: inst.securityGroupId, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 9011, port_range_max: 9011, remote_ip_prefix: '198.19.128.0/17', description: 'kept' });
    const listener = inst.listeners[0]?.listenerIp ?? '';
    await c1.dms.modifyCrossVpc(inst.instanceId, { [listener]: accepted.ip ?? '' });
    const token = await raw(`${sb1.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: a.username, password: a.password, domain: { name: a.domainName } } } }, scope: { project: { id: a.projectId } } } },
    });
    const tokenId = String(token.headers['x-subject-token']);
    const inFlight = await c1.vpcep.createEndpointService(body(9012)); // still `creating` when we stop
    const urls = { ...sb1.urls };
    await stop(sb1);

    // Stopped: the cloud is unreachable.
    expect(await connectOutcome(urls.vpcep)).toBe('refused');
    expect(await failure(c1.vpcep.getEndpointService(svc.id))).toMatchObject({ name: 'OtcTransportError', retryable: true });
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { version: number; addressPrefix: string; seed: number; world: { services: { id: string; status: string }[] } };
    expect(saved).toMatchObject({ version: 1, addressPrefix: prefix, seed: 11 });
    expect(saved.world.services.find((s) => s.id === inFlight.id)?.status).toBe('creating');

    // Started again with the same file: same addresses, same resources, same brokers' addresses.
    const dp2 = createFakeDataPlane();
    const sb2 = await start({ dataPlane: dp2, stateFile });
    expect(sb2.stateFile).toEqual({ path: stateFile, resumed: true });
    expect(sb2.urls).toEqual(urls);
    expect(sb2.ready.accounts).toEqual(sb1.ready.accounts);
    const c2 = clients(sb2, 'A');
    expect((await c2.vpcep.getEndpointService(svc.id)).status).toBe('available');
    expect(await c2.vpcep.getEndpoint(ep.id)).toMatchObject({ status: 'accepted', ip: accepted.ip });
    expect((await c2.vpc.listAllSecurityGroupRules({ security_group_id: inst.securityGroupId })).map((r) => r.id)).toContain(rule.id);
    const entries = (await c2.dms.getInstance(inst.instanceId)).crossVpcEntries;
    expect(entries.find((e) => e.listenerIp === listener)?.advertisedIp).toBe(accepted.ip);
    // The data plane was started with the advertised IPs and forwards for the accepted endpoint again.
    expect(dp2.instances.get(inst.instanceId)?.brokers.find((b) => b.listenerIp === listener)?.advertisedIp).toBe(accepted.ip);
    await waitFor('forwarding', () => (dp2.open.has(ep.id) ? true : undefined));
    expect(dp2.open.get(ep.id)).toMatchObject({ listenIp: accepted.ip, listenPort: 9011, targetIp: listener });
    // The create that was under way finishes.
    await waitFor('in-flight create done', async () => ((await c2.vpcep.getEndpointService(inFlight.id)).status === 'available' ? true : undefined), 5_000);
    // The token is still valid; new ids never repeat old ones.
    const viaToken = await raw(`${sb2.urls.dms}/v2/${a.projectId}/instances/${inst.instanceId}`, { headers: { 'X-Auth-Token': tokenId } });
    expect(viaToken.status).toBe(200);
    const fresh = await c2.vpcep.createEndpointService(body(9013));
    expect([svc.id, inFlight.id]).not.toContain(fresh.id);
    // The call log starts empty: it is a record of this process, not cloud state.
    expect(sb2.callLog.all().filter((c) => c.operation === 'vpcep.createEndpointService')).toHaveLength(1);
  });

  it('refuses options that contradict the file, and a file that is not a sandbox state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
    const stateFile = join(dir, 'cloud.json');
    const prefix = await claimAddressPrefix();
    const sb = await start({ scenario: fastScenario(), addressPrefix: prefix, dataPlane: createFakeDataPlane(), stateFile, seed: 3 });
    await stop(sb);
    await expect(startSandbox({ stateFile, seed: 4, dataPlane: createFakeDataPlane(), log: () => undefined })).rejects.toThrow(/seed 3, not 4/);
    await expect(startSandbox({ stateFile, addressPrefix: '127.9', dataPlane: createFakeDataPlane(), log: () => undefined })).rejects.toThrow(StateFileError);
    await expect(startSandbox({ stateFile, scenario: 'default', dataPlane: createFakeDataPlane(), log: () => undefined })).rejects.toThrow(/scenario/);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"version":7}');
    await expect(startSandbox({ stateFile: junk, dataPlane: createFakeDataPlane(), log: () => undefined })).rejects.toThrow(/not a sandbox state/);
  });
});

describe('crossvpc sandbox --state-file (process)', () => {
  async function launch(args: string[]): Promise<{ ready: ReadyLine; stop: () => Promise<number | null> }> {
    const child = spawn(process.execPath, ['src/cli/crossvpc.mjs', 'sandbox', '--no-kafka', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 60_000);
      lines.once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${stderr}`)));
    });
    return {
      ready: JSON.parse(first) as ReadyLine,
      stop: () =>
        new Promise((resolve) => {
          child.once('exit', (code) => resolve(code));
          child.kill('SIGTERM');
        }),
    };
  }

  it('SIGTERM, start again: the same endpoints and the resources created before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-cli-'));
    const stateFile = join(dir, 'cloud.json');
    const prefix = await claimAddressPrefix();
    const first = await launch(['--address-prefix', prefix, '--state-file', stateFile]);
    const a = first.ready.accounts[0];
    const inst = first.ready.instances[0];
    if (!a || !inst) throw new Error('default scenario expected');
    const sign = { ak: a.ak, sk: a.sk };
    const created = await raw(`${first.ready.endpoints.vpcep}/v1/${a.projectId}/vpc-endpoint-services`, {
      method: 'POST',
      sign,
      body: { port_id: inst.listeners[0]?.portId, vpc_id: inst.vpcId, server_type: 'VM', ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }], approval_enabled: false },
    });
    expect(created.status).toBe(200);
    const id = (created.json as { id: string }).id;
    expect(await first.stop()).toBe(0);
    expect(await connectOutcome(first.ready.endpoints.vpcep)).toBe('refused');

    const second = await launch(['--state-file', stateFile]);
    try {
      expect(second.ready.endpoints).toEqual(first.ready.endpoints);
      expect(second.ready.admin).toBe(first.ready.admin);
      const got = await raw(`${second.ready.endpoints.vpcep}/v1/${a.projectId}/vpc-endpoint-services/${id}`, { sign });
      expect(got.status).toBe(200);
      expect((got.json as { id: string }).id).toBe(id);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    // A flag that contradicts the file is a usage error.
    const bad = spawn(process.execPath, ['src/cli/crossvpc.mjs', 'sandbox', '--no-kafka', '--state-file', stateFile, '--seed', '99'], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((resolve) => bad.once('exit', resolve))).toBe(2);
    expect(err).toMatch(/state file .* seed/);
  });
});
