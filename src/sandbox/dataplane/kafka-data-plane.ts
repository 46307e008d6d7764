/**
 * The sandbox's real data plane: real Kafka brokers per DMS instance (src/sandbox/kafka/) and one TCP
 * forwarder per accepted VPC endpoint. `createNullDataPlane()` is the `--no-kafka` stand-in: no brokers,
 * but endpoint listeners still open (and reset every connection).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findKafkaLibs, projectRoot } from '../../devtools/tool-paths.js';
import type { DataPlane, ForwardSpec, KafkaInstanceSpec } from '../data-plane.js';
import { startKafkaCluster, startZooKeeper, type KafkaCluster, type KafkaMode, type ZooKeeperServer } from '../kafka/kafka-cluster.js';
import { clientSubnetIps, ensureSandboxCa, issueBrokerKeystore, type BrokerKeystore, type SandboxCa } from '../kafka/tls.js';
import { isHostname } from '../util/ip.js';
import { assertLoopback, startTcpForwarder, type TcpForwarder } from './tcp-forwarder.js';

/** An advertised address is a loopback IP (the sandbox never advertises outside it) or a domain name (named access). */
function assertAdvertisable(value: string): void {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(value) || !isHostname(value)) assertLoopback(value, 'advertised IP');
}

export interface KafkaDataPlaneOptions {
  /** The sandbox's address block `127.A` (see docs/architecture.md "Address plan"). */
  addressPrefix: string;
  /** Where configs, data, TLS material and logs go; default `<repo>/.crossvpc/sandbox/<addressPrefix>`. */
  workDir?: string;
  /** Default 'zookeeper' (live advertised-listener changes; see docs/decisions/kafka-mode.md). */
  mode?: KafkaMode;
  /** Kafka runtime jars; default `findKafkaLibs()`. */
  kafkaLibs?: string;
  /** ZooKeeper port on `127.A.1.2`; default 2181. */
  zookeeperPort?: number;
  /** Broker heap; default 256–512 MB. */
  heapMb?: { min: number; max: number };
  /** Broker start-up deadline per instance; default 120 s. */
  startTimeoutMs?: number;
  /** Reuse the CA already in the work dir (a sandbox resumed from a state file); default: a fresh CA. */
  keepCa?: boolean;
  log?: (line: string) => void;
}

export interface KafkaDataPlane extends DataPlane {
  readonly workDir: string;
  /** Broker log files of an instance (for debugging). */
  logPaths(instanceId: string): string[];
  /** What each broker currently advertises on its cross-VPC listener, by listener IP. */
  advertised(instanceId: string): Record<string, string>;
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80) || 'instance';
}

function checkPrefix(prefix: string): void {
  if (!/^127\.(\d{1,3})$/.test(prefix) || Number(prefix.split('.')[1]) > 255) {
    throw new Error(`addressPrefix must look like 127.A (0 <= A <= 255), got ${prefix}`);
  }
}

interface Endpoints {
  byId: Map<string, Promise<TcpForwarder>>;
  close(endpointId: string): Promise<void>;
  closeAll(): Promise<void>;
}

function endpointRegistry(open: (spec: ForwardSpec) => Promise<TcpForwarder>, isStopped: () => boolean): Endpoints & {
  open(endpointId: string, spec: ForwardSpec): Promise<void>;
} {
  const byId = new Map<string, Promise<TcpForwarder>>();
  return {
    byId,
    async open(endpointId, spec) {
      if (isStopped()) throw new Error('data plane is stopped');
      assertLoopback(spec.listenIp, 'endpoint IP');
      let pending = byId.get(endpointId);
      if (!pending) {
        pending = open(spec);
        byId.set(endpointId, pending);
        pending.catch(() => {
          if (byId.get(endpointId) === pending) byId.delete(endpointId);
        });
      }
      await pending;
    },
    async close(endpointId) {
      const pending = byId.get(endpointId);
      if (!pending) return;
      byId.delete(endpointId);
      const forwarder = await pending.catch(() => undefined);
      await forwarder?.close();
    },
    async closeAll() {
      const all = [...byId.keys()];
      await Promise.all(all.map((id) => this.close(id)));
    },
  };
}

export function createKafkaDataPlane(options: KafkaDataPlaneOptions): KafkaDataPlane {
  checkPrefix(options.addressPrefix);
  const prefix = options.addressPrefix;
  const workDir = options.workDir ?? join(projectRoot, '.crossvpc', 'sandbox', prefix);
  const mode = options.mode ?? 'zookeeper';
  const log = options.log ?? (() => undefined);
  let kafkaLibs: string | undefined = options.kafkaLibs;
  const libs = (): string => (kafkaLibs ??= findKafkaLibs());
  let stopped = false;
  let zookeeper: Promise<ZooKeeperServer> | undefined;
  let ca: Promise<SandboxCa> | undefined;
  let caPath: string | undefined;
  const clusters = new Map<string, Promise<KafkaCluster>>();

  mkdirSync(workDir, { recursive: true });

  const ensureZooKeeper = (): Promise<ZooKeeperServer> => {
    zookeeper ??= startZooKeeper({
      host: `${prefix}.1.2`,
      port: options.zookeeperPort ?? 2181,
      dir: join(workDir, 'zookeeper'),
      kafkaLibs: libs(),
    });
    zookeeper.catch(() => {
      zookeeper = undefined;
    });
    return zookeeper;
  };

  const ensureCa = (): Promise<SandboxCa> => {
    if (!ca) {
      const dir = join(workDir, 'tls');
      if (!options.keepCa) rmSync(dir, { recursive: true, force: true });
      ca = ensureSandboxCa(dir).then((made) => {
        caPath = made.caPemPath;
        return made;
      });
      ca.catch(() => {
        ca = undefined;
      });
    }
    return ca;
  };

  const launch = async (spec: KafkaInstanceSpec): Promise<KafkaCluster> => {
    for (const b of spec.brokers) assertLoopback(b.listenerIp, 'broker listener IP');
    const name = safeName(spec.instanceId);
    let keystore: BrokerKeystore | undefined;
    let reissueKeystore: ((dnsNames: string[]) => Promise<BrokerKeystore>) | undefined;
    let caPem: string | undefined;
    if (spec.security.protocol === 'SASL_SSL') {
      const made = await ensureCa();
      caPem = made.caPem;
      const ips = [...spec.brokers.map((b) => b.listenerIp), ...spec.brokers.map((b) => b.advertisedIp).filter((a) => a && !isHostname(a)), ...clientSubnetIps(prefix)];
      // A sandbox resumed from its state may already advertise names: the first certificate names them too.
      const first = await issueBrokerKeystore(made, name, ips, { dnsNames: spec.brokers.map((b) => b.advertisedIp).filter((a) => isHostname(a)) });
      keystore = first;
      // The advertised domain names as DNS SANs (a new file per issue: Kafka reloads a keystore whose path changed).
      let issued = 0;
      reissueKeystore = (dnsNames) => issueBrokerKeystore(made, name, ips, { dnsNames, password: first.password, folder: `${name}-names-${++issued}` });
    }
    const zk = mode === 'zookeeper' ? await ensureZooKeeper() : undefined;
    if (stopped) throw new Error('data plane is stopped');
    return startKafkaCluster({
      name,
      brokers: spec.brokers.map((b) => ({
        index: b.index,
        listenerIp: b.listenerIp,
        port: b.port,
        advertisedIp: b.advertisedIp || b.listenerIp,
      })),
      security: spec.security,
      mode,
      dir: join(workDir, 'instances', name),
      kafkaLibs: libs(),
      zookeeperConnect: zk?.connect,
      keystore,
      ...(reissueKeystore ? { reissueKeystore } : {}),
      caPem,
      heapMb: options.heapMb,
      startTimeoutMs: options.startTimeoutMs,
      log,
    });
  };

  const cluster = async (instanceId: string): Promise<KafkaCluster> => {
    const pending = clusters.get(instanceId);
    if (!pending) throw new Error(`no Kafka instance ${instanceId} in the data plane`);
    return pending;
  };

  const endpoints = endpointRegistry(
    (spec) =>
      startTcpForwarder({
        listenIp: spec.listenIp,
        listenPort: spec.listenPort,
        targetIp: spec.targetIp,
        targetPort: spec.targetPort,
        allowed: spec.allowed,
      }),
    () => stopped,
  );

  const settledClusters = new Map<string, KafkaCluster>();

  return {
    workDir,
    async startInstance(spec) {
      if (stopped) throw new Error('data plane is stopped');
      let pending = clusters.get(spec.instanceId);
      if (!pending) {
        pending = launch(spec);
        clusters.set(spec.instanceId, pending);
        pending.then(
          (c) => settledClusters.set(spec.instanceId, c),
          () => {
            if (clusters.get(spec.instanceId) === pending) clusters.delete(spec.instanceId);
          },
        );
      }
      await pending;
    },
    async setAdvertisedIps(instanceId, advertised) {
      for (const ip of Object.values(advertised)) assertAdvertisable(ip);
      const c = await cluster(instanceId);
      await c.setAdvertisedIps(advertised);
    },
    openEndpoint: (endpointId, spec) => endpoints.open(endpointId, spec),
    closeEndpoint: (endpointId) => endpoints.close(endpointId),
    caPemPath: () => caPath,
    logPaths: (instanceId) => settledClusters.get(instanceId)?.logPaths ?? [],
    advertised: (instanceId) => settledClusters.get(instanceId)?.advertised() ?? {},
    async stop() {
      stopped = true;
      await endpoints.closeAll();
      const all = [...clusters.values()];
      clusters.clear();
      await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.stop()));
      const zk = zookeeper;
      zookeeper = undefined;
      await (await zk?.catch(() => undefined))?.stop();
    },
  };
}

/**
 * The `--no-kafka` data plane: starts no brokers; advertised-IP changes are accepted and forgotten; endpoint
 * listeners open on their IP:port like the real ones but reset every connection.
 */
export function createNullDataPlane(): DataPlane {
  let stopped = false;
  const instances = new Set<string>();
  const endpoints = endpointRegistry(
    (spec) =>
      startTcpForwarder({
        listenIp: spec.listenIp,
        listenPort: spec.listenPort,
        targetIp: spec.targetIp,
        targetPort: spec.targetPort,
        refuseAll: true,
      }),
    () => stopped,
  );
  return {
    async startInstance(spec) {
      if (stopped) throw new Error('data plane is stopped');
      instances.add(spec.instanceId);
    },
    async setAdvertisedIps(instanceId, advertised) {
      if (!instances.has(instanceId)) throw new Error(`no Kafka instance ${instanceId} in the data plane`);
      for (const ip of Object.values(advertised)) assertAdvertisable(ip);
    },
    openEndpoint: (endpointId, spec) => endpoints.open(endpointId, spec),
    closeEndpoint: (endpointId) => endpoints.close(endpointId),
    caPemPath: () => undefined,
    async stop() {
      stopped = true;
      await endpoints.closeAll();
      instances.clear();
    },
  };
}
