/**
 * Fidelity check written by people outside this project: the real python-otcextensions SDK (pinned in
 * tools/python/requirements.txt, installed into .tools/otc-venv) drives the sandbox through nothing but
 * a clouds.yaml (the one `crossvpc sandbox --clouds-yaml` writes) and the token's catalog; the steps are
 * in test/python/otcext_sandbox_check.py. Asserts on the script's JSON result and on the sandbox's own
 * records: the call log and the admin state dump.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudsYaml } from '../../src/cli/commands/sandbox.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const script = join(root, 'test/python/otcext_sandbox_check.py');

/** The `127.A` block of this file: 80+ keeps it apart from the other sandbox tests. */
const addressPrefix = await claimAddressPrefix();

interface CheckResult {
  ok: boolean;
  step?: string;
  error?: string;
  sdk: Record<string, string>;
  auth: { cloud: string; projectId: string; projectName: string; domainId: string; catalogTypes: string[]; vpcepEndpoint: string; dmsEndpoint: string; dmsv2Endpoint: string };
  clientAuth?: { cloud: string; projectId: string; domainId: string };
  instance: { id: string; status: string; vpcId: string; brokers: number; listenerIp: string; portId: string; listedByProxy: boolean };
  service: { id: string; name: string; statusAfterCreate: string; status: string; serverType: string; approvalEnabled: boolean; ports: { client_port: number; server_port: number; protocol: string }[] };
  whitelist?: { added: string[]; records: string[] };
  endpoint: { id: string; statusAfterCreate: string; status: string; ip: string; vpcId: string; subnetId: string; connectionStatus: string };
  crossVpc: { modified: Record<string, string>; success: boolean; advertisedAfter: Record<string, string>; restored: boolean };
  deleted: { endpoint: boolean; service: boolean };
}

interface StateDump {
  accounts: {
    name: string;
    projects: {
      id: string;
      endpointServices: unknown[];
      endpoints: unknown[];
      kafkaInstances: { instance_id: string; brokers: { listenerIp: string; advertisedIp: string }[] }[];
    }[];
  }[];
}

async function ensureVenv(): Promise<string> {
  const { stdout } = await run('bash', [join(root, 'scripts/ensure-python-venv.sh')], { cwd: root, maxBuffer: 16 << 20 });
  const python = stdout.trim().split('\n').pop();
  if (!python) throw new Error('ensure-python-venv.sh printed no interpreter path');
  return python;
}

describe('python-otcextensions against the sandbox', () => {
  let sb: Sandbox;
  let python: string;
  let dir: string;
  let cloudsFile: string;

  beforeAll(async () => {
    python = await ensureVenv();
    sb = await startSandbox({ scenario: 'default', kafka: false, addressPrefix, log: () => undefined });
    dir = mkdtempSync(join(tmpdir(), 'otcext-'));
    cloudsFile = join(dir, 'clouds.yaml');
    // The same file `crossvpc sandbox --clouds-yaml` writes: one cloud per account (`sandbox-a`, `sandbox-b`).
    writeFileSync(cloudsFile, cloudsYaml(sb.ready), { mode: 0o600 });
  }, 600_000);

  afterAll(async () => {
    await sb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await sb.reset();
  });

  async function check(args: string[]): Promise<CheckResult> {
    // Loopback only: no proxy may see the sandbox's traffic.
    const env: NodeJS.ProcessEnv = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsFile, NO_PROXY: '*', no_proxy: '*' };
    for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) delete env[k];
    let stdout: string;
    try {
      ({ stdout } = await run(python, [script, ...args, '--timeout', '30'], { env, timeout: 120_000, maxBuffer: 16 << 20 }));
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`otcext_sandbox_check failed: ${e.message}\nstdout: ${e.stdout ?? ''}\nstderr: ${e.stderr ?? ''}`);
    }
    const line = stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as CheckResult;
  }

  async function state(): Promise<StateDump> {
    const res = await fetch(`${sb.adminUrl}/admin/state`);
    expect(res.status).toBe(200);
    return (await res.json()) as StateDump;
  }

  function ready() {
    const instance = sb.ready.instances[0];
    const accountA = sb.ready.accounts.find((a) => a.name === 'A');
    const accountB = sb.ready.accounts.find((a) => a.name === 'B');
    const netA = sb.ready.clientNetworks.find((n) => n.account === 'A');
    const netB = sb.ready.clientNetworks.find((n) => n.account === 'B');
    if (!instance || !accountA || !accountB || !netA || !netB) throw new Error('default scenario lacks an instance, accounts A/B or their client networks');
    return { instance, accountA, accountB, netA, netB };
  }

  async function expectNothingLeft(): Promise<void> {
    await sb.idle();
    const dump = await state();
    for (const account of dump.accounts) {
      for (const project of account.projects) {
        expect(project.endpointServices, `${account.name}/${project.id} endpoint services`).toEqual([]);
        expect(project.endpoints, `${account.name}/${project.id} endpoints`).toEqual([]);
        for (const inst of project.kafkaInstances) {
          for (const b of inst.brokers) expect(b.advertisedIp, `advertised IP of ${b.listenerIp}`).toBe(b.listenerIp);
        }
      }
    }
  }

  it('same account: token auth, catalog discovery, vpcep service + endpoint, DMS read and crossvpc/modify', async () => {
    const { instance, accountA, netA } = ready();
    const r = await check(['--cloud', 'sandbox-a', '--client-vpc-id', netA.vpcId, '--client-subnet-id', netA.subnetId]);
    expect(r.ok, `${r.step ?? ''}: ${r.error ?? ''}`).toBe(true);
    expect(r.sdk.otcextensions).toBe('0.34.8');

    // IAM: project-scoped password token, services found in the catalog (project id in the path).
    expect(r.auth).toMatchObject({ projectId: accountA.projectId, projectName: accountA.projectName, domainId: accountA.domainId });
    expect(r.auth.catalogTypes).toEqual(expect.arrayContaining(['identity', 'vpcep', 'dms', 'dmsv2', 'network', 'vpc']));
    expect(r.auth.vpcepEndpoint).toBe(`${sb.urls.vpcep}/v1/${accountA.projectId}`);
    expect(r.auth.dmsv2Endpoint).toBe(`${sb.urls.dms}/v2/${accountA.projectId}`);
    // The catalog lists `dms` as the v1.0 API without the project, like the real one; the SDK appends it
    // (an endpoint override with its project placeholder), and its v1 resources then read /v1.0/{project}/….
    expect(r.auth.dmsEndpoint).toBe(`${sb.urls.dms}/v1.0/%(project_id)s`);

    // DMS through the dms proxy and the raw dmsv2 session.
    expect(r.instance).toMatchObject({ id: instance.instanceId, status: 'RUNNING', vpcId: instance.vpcId, brokers: instance.brokers, listedByProxy: true });
    const first = instance.listeners[0];
    expect(r.instance).toMatchObject({ listenerIp: first?.listenerIp, portId: first?.portId });

    // VPCEP through the vpcep proxy.
    expect(r.service).toMatchObject({ statusAfterCreate: 'creating', status: 'available', serverType: 'VM', approvalEnabled: false });
    expect(r.service.ports).toEqual([{ client_port: 9011, server_port: 9011, protocol: 'TCP' }]);
    expect(r.service.name).toMatch(new RegExp(`^${sb.ready.region}\\.(.+\\.)?${r.service.id}$`));
    expect(r.endpoint).toMatchObject({ statusAfterCreate: 'creating', status: 'accepted', vpcId: netA.vpcId, subnetId: netA.subnetId, connectionStatus: 'accepted' });
    expect(r.endpoint.ip.startsWith(`${addressPrefix}.2.`)).toBe(true);

    // crossvpc/modify through the raw REST session, verified and restored.
    expect(r.crossVpc.success).toBe(true);
    expect(r.crossVpc.advertisedAfter[first?.listenerIp ?? '']).toBe(r.endpoint.ip);
    expect(r.crossVpc.restored).toBe(true);
    expect(r.deleted).toEqual({ endpoint: true, service: true });

    // The sandbox saw the SDK's calls, all authenticated as account A.
    const log = sb.callLog;
    expect(log.count('iam.getVersion', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('iam.createToken', 201)).toBe(1);
    expect(log.count('vpcep.createEndpointService', 200)).toBe(1);
    expect(log.count('vpcep.listEndpointServices', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('vpcep.getEndpointService', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('vpcep.createEndpoint', 200)).toBe(1);
    expect(log.count('vpcep.listEndpoints', 200)).toBe(1);
    expect(log.count('vpcep.getEndpoint', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('vpcep.listConnections', 200)).toBe(1);
    expect(log.count('vpcep.deleteEndpoint', 204)).toBe(1);
    expect(log.count('vpcep.getEndpoint', 404)).toBeGreaterThanOrEqual(1);
    expect(log.count('vpcep.deleteEndpointService', 204)).toBe(1);
    expect(log.count('vpcep.getEndpointService', 404)).toBeGreaterThanOrEqual(1);
    // The `dms` proxy (v1 resources) reads the v1.0 API, the raw `dmsv2` session the v2 one.
    expect(log.count('dms.getInstanceV1', 200) + log.count('dms.listInstancesV1', 200)).toBeGreaterThanOrEqual(2);
    expect(log.count('dms.listInstancesV1', 200)).toBeGreaterThanOrEqual(1);
    expect(log.count('dms.getInstance', 200)).toBeGreaterThanOrEqual(3);
    expect(log.count('dms.listInstances')).toBe(0);
    expect(log.count('dms.modifyCrossVpc', 200)).toBe(2);
    const serviceCalls = log.all().filter((c) => c.service !== 'iam');
    expect(serviceCalls.filter((c) => c.account !== 'A')).toEqual([]);
    expect(log.all().filter((c) => Number(c.status) >= 500)).toEqual([]);

    await expectNothingLeft();
  });

  it('cross account: two cloud entries, whitelist of the client domain, endpoint in account B', async () => {
    const { accountB, netB } = ready();
    const r = await check(['--cloud', 'sandbox-a', '--client-cloud', 'sandbox-b', '--client-vpc-id', netB.vpcId, '--client-subnet-id', netB.subnetId]);
    expect(r.ok, `${r.step ?? ''}: ${r.error ?? ''}`).toBe(true);
    expect(r.clientAuth).toMatchObject({ cloud: 'sandbox-b', projectId: accountB.projectId, domainId: accountB.domainId });
    expect(r.whitelist?.records).toContain(`iam:domain::${accountB.domainId}`);
    expect(r.endpoint).toMatchObject({ status: 'accepted', vpcId: netB.vpcId, subnetId: netB.subnetId, connectionStatus: 'accepted' });
    expect(r.endpoint.ip.startsWith(`${addressPrefix}.3.`)).toBe(true);
    expect(r.crossVpc.restored).toBe(true);

    const log = sb.callLog;
    expect(log.count('iam.createToken', 201)).toBe(2);
    expect(log.count('vpcep.permissionsAction', 200)).toBe(1);
    const byAccount = (op: string) => log.all().filter((c) => c.operation === op).map((c) => c.account);
    expect(byAccount('vpcep.createEndpointService')).toEqual(['A']);
    expect(byAccount('vpcep.createEndpoint')).toEqual(['B']);
    expect(byAccount('vpcep.deleteEndpoint')).toEqual(['B']);
    expect(byAccount('dms.modifyCrossVpc')).toEqual(['A', 'A']);

    await expectNothingLeft();
  });
});
