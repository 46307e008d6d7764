/**
 * `startSandbox(options)`: loads the scenario, builds the world, starts the data plane and its Kafka
 * instances, then one HTTP server per service (IAM, VPCEP, DMS, VPC) and the admin API, all on
 * `127.A.0.1` (Address plan), and returns the ready line plus handles for tests.
 */
import { createServer, type AddressInfo } from 'node:net';
import { startAdminServer } from './admin/admin-api.js';
import { Authenticator } from './auth/authenticator.js';
import { TokenStore } from './auth/token-store.js';
import { CallLog } from './call-log.js';
import type { SandboxContext, ServiceUrls } from './context.js';
import type { DataPlane, KafkaInstanceSpec } from './data-plane.js';
import { FaultInjector } from './faults/fault-injector.js';
import { startServiceServer, type RunningServer } from './http/server.js';
import { HttpError, type RouteDef, type ServiceName } from './http/types.js';
import { resumeInstanceStatus } from './lifecycle/instance-status.js';
import { Scheduler } from './lifecycle/scheduler.js';
import { VpcepLifecycle } from './lifecycle/vpcep-lifecycle.js';
import { DEFAULT_ADDRESS_PREFIX, loadScenario, validateAddressPrefix, type ScenarioSource } from './scenario/load.js';
import type { Scenario } from './scenario/schema.js';
import { dmsRoutes } from './services/dms.js';
import { iamErrorBody, iamRoutes } from './services/iam.js';
import { vpcErrorBody, vpcRoutes } from './services/vpc.js';
import { dnsError, dnsRoutes, resolveInVpc } from './services/dns.js';
import { vpcepRoutes } from './services/vpcep.js';
import { startVpcResolver, type VpcResolver } from './dataplane/vpc-resolver.js';
import { readStateFile, StateFileError, StateSaver, type SavedSandbox, type ServicePorts } from './state/persistence.js';
import { World } from './state/world.js';
import { IdGenerator } from './util/random.js';

export interface StartSandboxOptions {
  /** `'default'`, a JSON/YAML file path, or a scenario object. Default `'default'`. */
  scenario?: ScenarioSource;
  /** First port: IAM N, VPCEP N+1, DMS N+2, VPC N+3, admin N+4, DNS N+5. Default: random free ports. */
  port?: number;
  /** Real Kafka data plane (default true). false: the null data plane (no brokers, refusing listeners). */
  kafka?: boolean;
  /** `127.A` block of this sandbox. Default `127.10`. */
  addressPrefix?: string;
  /** Seed for generated ids, credentials and fault dice. Default: the scenario's seed. */
  seed?: number;
  /** Data plane to use instead of the real or null one (tests). */
  dataPlane?: DataPlane;
  /** Data-plane work directory (Kafka data, configs, CA). */
  workDir?: string;
  /** Diagnostics (default: stderr). */
  log?: (line: string) => void;
  /**
   * Keep the cloud state in this file: when it exists the sandbox comes back as the cloud it describes (scenario,
   * seed, address block, ports, every resource and token); while running, every change is written to it. Options
   * that contradict the file (another scenario, seed, address prefix or port) are refused.
   */
  stateFile?: string;
}

export interface ReadyAccount {
  name: string;
  domainId: string;
  domainName: string;
  projectId: string;
  projectName: string;
  projects: { id: string; name: string }[];
  ak: string;
  sk: string;
  userId: string;
  username: string;
  password: string;
}

export interface ReadyInstance {
  instanceId: string;
  name: string;
  account: string;
  projectId: string;
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  brokers: number;
  security: 'PLAINTEXT' | 'SASL_SSL';
  saslMechanisms?: string[];
  saslUsers?: { username: string; password: string }[];
  listeners: { listenerIp: string; port: number; portId: string }[];
}

export interface ReadyLine {
  ready: true;
  scenario: string;
  region: string;
  addressPrefix: string;
  authUrl: string;
  endpoints: ServiceUrls;
  admin: string;
  accounts: ReadyAccount[];
  instances: ReadyInstance[];
  /** `dnsServer`: `host:port` of the VPC's resolver (answers the private zones bound to that VPC only). */
  clientNetworks: { account: string; projectId: string; vpcId: string; subnetId: string; cidr: string; dnsServer: string }[];
  kafka: { enabled: boolean; caPemPath?: string };
}

export interface Sandbox {
  ready: ReadyLine;
  adminUrl: string;
  urls: ServiceUrls & { admin: string };
  scenario: Scenario;
  /** The live world (replaced by reset). */
  world(): World;
  dataPlane: DataPlane;
  faults: FaultInjector;
  callLog: CallLog;
  tokens: TokenStore;
  /** Back to the scenario's initial state (closes endpoints, restores advertised IPs, clears calls, restores faults). */
  reset(): Promise<void>;
  /** The state file in use, and whether this start resumed it. */
  stateFile: { path: string; resumed: boolean } | undefined;
  /** Waits until background transitions already started have settled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** In port order; admin comes after these four, DNS after admin (so `--port N` keeps admin at N+4). */
const SERVICES: ServiceName[] = ['iam', 'vpcep', 'dms', 'vpc'];
const ALL_PORTS = 6;

async function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => {
      const ok = (s.address() as AddressInfo).port === port;
      s.close(() => resolve(ok));
    });
  });
}

async function chooseDataPlane(options: StartSandboxOptions, prefix: string, log: (l: string) => void, resumed: boolean): Promise<DataPlane> {
  if (options.dataPlane) return options.dataPlane;
  const mod = await import('./dataplane/kafka-data-plane.js');
  if (options.kafka === false) return mod.createNullDataPlane();
  // A resumed cloud keeps its CA: clients that trust it must keep working.
  return mod.createKafkaDataPlane({ addressPrefix: prefix, ...(options.workDir ? { workDir: options.workDir } : {}), keepCa: resumed, log });
}

/** The data plane's instances, brokers advertising what the world says (a resumed cloud keeps its addresses). */
export function instanceSpecs(world: World): KafkaInstanceSpec[] {
  return [...world.instances.values()].map((i) => ({
    instanceId: i.id,
    security: i.security,
    brokers: i.brokers.map((b) => ({ index: b.index, listenerIp: b.listenerIp, port: b.port, portId: b.portId, advertisedIp: b.advertisedIp })),
  }));
}

/** What a state file fixes, checked against the options given (a contradiction is an error, not a guess). */
function fromStateFile(saved: SavedSandbox, path: string, options: StartSandboxOptions): { prefix: string; scenario: Scenario; seed: number } {
  const conflict = (what: string, given: unknown, kept: unknown) =>
    new StateFileError(`state file ${path} holds a sandbox with ${what} ${String(kept)}, not ${String(given)}: start without it, or use another --state-file`);
  if (options.addressPrefix !== undefined && validateAddressPrefix(options.addressPrefix) !== saved.addressPrefix) throw conflict('address prefix', options.addressPrefix, saved.addressPrefix);
  if (options.seed !== undefined && options.seed !== saved.seed) throw conflict('seed', options.seed, saved.seed);
  if (options.port !== undefined && options.port !== saved.ports.iam) throw conflict('first port', options.port, saved.ports.iam);
  if (options.scenario !== undefined) {
    const given = loadScenario(options.scenario, { addressPrefix: saved.addressPrefix });
    if (JSON.stringify(given) !== JSON.stringify(saved.scenario)) throw conflict('scenario', given.name, saved.scenario.name);
  }
  return { prefix: saved.addressPrefix, scenario: saved.scenario, seed: saved.seed };
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? ((line: string) => process.stderr.write(`sandbox: ${line}\n`));
  const saved = options.stateFile ? readStateFile(options.stateFile) : undefined;
  const fixed = saved && options.stateFile ? fromStateFile(saved, options.stateFile, options) : undefined;
  const prefix = fixed?.prefix ?? validateAddressPrefix(options.addressPrefix ?? DEFAULT_ADDRESS_PREFIX);
  const scenario = fixed?.scenario ?? loadScenario(options.scenario ?? 'default', { addressPrefix: prefix });
  const seed = fixed?.seed ?? options.seed ?? scenario.seed;
  const host = `${prefix}.0.1`;
  const portOf = (i: number): number => {
    const name = i < SERVICES.length ? (SERVICES[i] as ServiceName) : i === SERVICES.length ? 'admin' : 'dns';
    if (saved && (name !== 'dns' || saved.ports.dns)) return saved.ports[name];
    if (saved) return 0;
    return options.port === undefined ? 0 : options.port + i;
  };
  if (options.port !== undefined || saved) {
    for (let i = 0; i < ALL_PORTS; i++) {
      const p = portOf(i);
      if (p === 0) continue;
      if (!(await portIsFree(host, p))) {
        throw new Error(saved ? `port ${p} on ${host} (kept in ${options.stateFile ?? ''}) is in use` : `port ${p} on ${host} is in use (the sandbox needs ${options.port ?? 0}..${(options.port ?? 0) + ALL_PORTS - 1})`);
      }
    }
  }
  const newWorld = () => new World(scenario, { prefix, seed });
  let world = newWorld();
  const ids = new IdGenerator(seed);
  const tokens = new TokenStore(ids);
  if (saved) {
    world.importState(saved.world);
    ids.position = saved.ids;
    tokens.importAll(saved.tokens);
  }
  const scheduler = new Scheduler();
  const callLog = new CallLog();
  const faults = new FaultInjector(seed, scenario.faults);
  const dataPlane = await chooseDataPlane(options, prefix, log, saved !== undefined);
  const servers: RunningServer[] = [];
  const ports: ServicePorts = { iam: 0, vpcep: 0, dms: 0, vpc: 0, admin: 0, dns: 0 };
  const resolvers: VpcResolver[] = [];
  const saver = options.stateFile
    ? new StateSaver(
        options.stateFile,
        () => ({ version: 1, savedAt: new Date().toISOString(), scenario, addressPrefix: prefix, seed, ports, ids: ids.position, world: world.exportState(), tokens: tokens.exportValid() }),
        (err) => log(`could not write the state file: ${err instanceof Error ? err.message : String(err)}`),
      )
    : undefined;
  scheduler.onSettled = () => saver?.soon();
  const stopAll = async () => {
    scheduler.clear();
    await Promise.all([...servers.map((s) => s.close()), ...resolvers.map((r) => r.close())]);
    servers.length = 0;
    resolvers.length = 0;
    await scheduler.idle().catch(() => undefined);
    saver?.close();
    await dataPlane.stop();
  };

  try {
    for (const spec of instanceSpecs(world)) await dataPlane.startInstance(spec);
    const urls: ServiceUrls = { iam: '', vpcep: '', dms: '', vpc: '', dns: '' };
    const sb: SandboxContext = {
      world: () => world,
      scenario,
      scheduler,
      dataPlane,
      faults,
      ids,
      tokens,
      urls,
      now: () => new Date(),
      log,
    };
    const authenticator = new Authenticator(() => world, tokens);
    const lifecycle = new VpcepLifecycle(sb);
    const random = Math.random;
    const latency = (service: ServiceName) => () => {
      const l = scenario.latency;
      const base = l.services[service] ?? l.baseMs;
      return base + (l.jitterMs > 0 ? Math.floor(random() * l.jitterMs) : 0);
    };
    const routes: Record<ServiceName, RouteDef[]> = { iam: iamRoutes(sb), vpcep: vpcepRoutes(sb, lifecycle), dms: dmsRoutes(sb), vpc: vpcRoutes(sb), dns: dnsRoutes(sb) };
    const errorBodies: Record<ServiceName, (path: string, requestId: string, status: number, code: string | undefined, message: string | undefined) => unknown> = {
      iam: (_p, _r, status, code, message) => iamErrorBody(status, code, message),
      vpcep: (_p, _r, _s, code, message) => ({ error_code: code ?? 'EndPoint.0001', error_msg: message ?? 'Internal error (injected).' }),
      dms: (_p, _r, _s, code, message) => ({ error_code: code ?? 'DMS.00500000', error_msg: message ?? 'Internal error (injected).' }),
      vpc: vpcErrorBody,
      dns: (_p, _r, status, code, message) => dnsError(status, code ?? 'DNS.0001', message ?? 'Internal error (injected).').body,
    };
    for (const [i, service] of [...SERVICES, 'dns' as const].entries()) {
      const server = await startServiceServer({
        service,
        host,
        port: portOf(service === 'dns' ? ALL_PORTS - 1 : i),
        routes: routes[service],
        authenticator,
        faults,
        callLog,
        latencyMs: latency(service),
        errorBody: (ctx, status, code, message) => errorBodies[service](ctx.path, ctx.requestId, status, code, message),
        internalError: (ctx, err) => new HttpError(500, errorBodies[service](ctx.path, ctx.requestId, 500, undefined, `Internal error: ${err instanceof Error ? err.message : String(err)}`)),
        // A change is on disk before the caller hears of it; a read may still have moved a status window.
        beforeReply: (ctx) => (ctx.method === 'GET' ? saver?.soon() : saver?.now()),
      });
      servers.push(server);
      urls[service] = server.url;
      ports[service] = server.port;
    }

    // One resolver per client VPC, on 127.A.0.(10+k): what a client of that VPC asks (dataplane/vpc-resolver.ts).
    const clientVpcIds = [...new Set([...world.subnets.values()].filter((x) => x.client).map((x) => x.vpcId))];
    for (const [k, vpcId] of clientVpcIds.entries()) {
      resolvers.push(await startVpcResolver(vpcId, `${prefix}.0.${10 + k}`, (name) => resolveInVpc(world.zones.values(), vpcId, name), log));
    }
    const dnsServerOf = (vpcId: string): string => resolvers.find((r) => r.vpcId === vpcId)?.address ?? '';

    const buildReady = (): ReadyLine => {
      const w = world;
      return {
        ready: true,
        scenario: scenario.name,
        region: w.region,
        addressPrefix: prefix,
        authUrl: `${urls.iam}/v3`,
        endpoints: { ...urls },
        admin: adminUrl,
        accounts: [...w.accounts.values()].map((a) => ({
          name: a.name,
          domainId: a.domainId,
          domainName: a.domainName,
          projectId: a.projects[0]?.id ?? '',
          projectName: a.projects[0]?.name ?? '',
          projects: a.projects.map((p) => ({ id: p.id, name: p.name })),
          ak: a.ak,
          sk: a.sk,
          userId: a.userId,
          username: a.username,
          password: a.password,
        })),
        instances: [...w.instances.values()].map((i) => ({
          instanceId: i.id,
          name: i.name,
          account: w.projects.get(i.projectId)?.accountName ?? '',
          projectId: i.projectId,
          vpcId: i.vpcId,
          subnetId: i.subnetId,
          securityGroupId: i.securityGroupId,
          brokers: i.brokers.length,
          security: i.security.protocol,
          ...(i.security.protocol === 'SASL_SSL' ? { saslMechanisms: [...i.security.mechanisms], saslUsers: i.security.users.map((u) => ({ ...u })) } : {}),
          listeners: i.brokers.map((b) => ({ listenerIp: b.listenerIp, port: b.port, portId: b.portId })),
        })),
        clientNetworks: [...w.subnets.values()]
          .filter((s) => s.client)
          .map((s) => ({ account: w.projects.get(s.projectId)?.accountName ?? '', projectId: s.projectId, vpcId: s.vpcId, subnetId: s.id, cidr: s.cidr, dnsServer: dnsServerOf(s.vpcId) })),
        kafka: { enabled: options.kafka !== false && !options.dataPlane, ...(dataPlane.caPemPath() ? { caPemPath: dataPlane.caPemPath() } : {}) },
      };
    };

    const reset = async () => {
      scheduler.clear();
      await scheduler.idle();
      const old = world;
      for (const ep of old.endpoints.values()) await dataPlane.closeEndpoint(ep.id);
      for (const inst of old.instances.values()) {
        const moved = Object.fromEntries(inst.brokers.filter((b) => b.advertisedIp !== b.listenerIp).map((b) => [b.listenerIp, b.listenerIp]));
        if (Object.keys(moved).length > 0) await dataPlane.setAdvertisedIps(inst.id, moved);
      }
      world = newWorld();
      faults.resetTo(scenario.faults, seed);
      callLog.clear();
      saver?.now();
    };

    let adminUrl = '';
    const admin = await startAdminServer(
      { world: () => world, faults, callLog, ready: () => buildReady(), reset, scenarioName: scenario.name, changed: () => saver?.now() },
      host,
      portOf(SERVICES.length),
    );
    servers.push(admin);
    adminUrl = admin.url;
    ports.admin = admin.port;
    if (saved) {
      // The resumed cloud carries on: transitions under way, accepted endpoints forwarding, status windows.
      lifecycle.resume();
      for (const inst of world.instances.values()) resumeInstanceStatus(sb, inst);
      log(`resumed the cloud state of ${options.stateFile ?? ''} (saved ${saved.savedAt})`);
    }
    saver?.now();

    let stopped: Promise<void> | undefined;
    return {
      ready: buildReady(),
      adminUrl,
      urls: { ...urls, admin: adminUrl },
      scenario,
      world: () => world,
      dataPlane,
      faults,
      callLog,
      tokens,
      reset,
      stateFile: options.stateFile ? { path: options.stateFile, resumed: saved !== undefined } : undefined,
      idle: () => scheduler.idle(),
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
