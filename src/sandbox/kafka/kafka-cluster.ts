/**
 * A real Apache Kafka cluster for one sandbox DMS instance: one JVM per broker (`kafka.Kafka`), each broker
 * with
 *   INTERNAL   PLAINTEXT  <listenerIp>:9091  inter-broker traffic and the sandbox's own admin calls
 *   CONTROLLER PLAINTEXT  <listenerIp>:9093  KRaft only, on the first min(3, n) brokers (combined voters)
 *   VPC        PLAINTEXT or SASL_SSL  <listenerIp>:9011  the cross-VPC listener clients reach
 * so no two brokers (or sandboxes) share an IP:port (see docs/architecture.md "Address plan").
 *
 * Changing what the VPC listener advertises (DMS `crossvpc/modify`):
 *   mode 'zookeeper' (default): a live per-broker `incrementalAlterConfigs` of `advertised.listeners` (KIP-226),
 *   mode 'kraft': a restart of each changed broker with the new `advertised.listeners` (KRaft cannot alter
 *   them dynamically). See docs/decisions/kafka-mode.md for the figures behind the default.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  Admin,
  Connection,
  ConfigResourceTypes,
  IncrementalAlterConfigOperationTypes,
  ScramMechanisms,
  alterUserScramCredentialsV0,
} from '@platformatic/kafka';
import type { KafkaSecurity } from '../data-plane.js';
import { jvmFlags, logTail, runJvmTool, spawnJvm, type JvmProcess } from './jvm.js';
import { formatProperties, jaasQuote } from './properties.js';
import { describeReadinessError, listBrokers, type ListedBroker, type ReadinessSecurity } from './readiness.js';
import type { BrokerKeystore } from './tls.js';

export type KafkaMode = 'zookeeper' | 'kraft';

export const VPC_PORT_DEFAULT = 9011;
export const INTERNAL_PORT = 9091;
export const CONTROLLER_PORT = 9093;

export interface ClusterBrokerSpec {
  index: number;
  listenerIp: string;
  /** Cross-VPC listener port (9011). */
  port: number;
  advertisedIp: string;
}

export interface KafkaClusterOptions {
  /** Used in log lines and as the ZooKeeper chroot; [A-Za-z0-9_-]. */
  name: string;
  brokers: ClusterBrokerSpec[];
  security: KafkaSecurity;
  mode: KafkaMode;
  /** The cluster's own folder (wiped at start): configs, data, logs. */
  dir: string;
  /** Folder of the Kafka runtime jars (`findKafkaLibs()`). */
  kafkaLibs: string;
  /** ZooKeeper mode: `host:port` of the (shared) ZooKeeper; the cluster uses chroot `/<name>`. */
  zookeeperConnect?: string;
  /** SASL_SSL: the brokers' keystore and the CA PEM clients verify against. */
  keystore?: BrokerKeystore;
  /**
   * SASL_SSL: a keystore whose certificate also names `dnsNames` (same password, a new file); called before the
   * brokers advertise domain names their certificate does not name yet.
   */
  reissueKeystore?: (dnsNames: string[]) => Promise<BrokerKeystore>;
  caPem?: string;
  heapMb?: { min: number; max: number };
  startTimeoutMs?: number;
  /** KRaft: restart changed brokers one by one ('rolling', like the cloud) or all at once. */
  kraftRestart?: 'rolling' | 'parallel';
  log?: (line: string) => void;
}

export interface KafkaCluster {
  readonly name: string;
  readonly mode: KafkaMode;
  /** Broker log files (one per broker). */
  readonly logPaths: string[];
  /** Current advertised IP per listener IP. */
  advertised(): Record<string, string>;
  /** Resolves when metadata read through every broker's VPC listener shows the new addresses. */
  setAdvertisedIps(byListenerIp: Record<string, string>, timeoutMs?: number): Promise<void>;
  /** Credentials-bearing client security for the VPC listener (the sandbox's own checks). */
  vpcClientSecurity(): ReadinessSecurity;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function clusterUuid(): string {
  return randomBytes(16).toString('base64url');
}

interface BrokerState extends ClusterBrokerSpec {
  nodeId: number;
  /** SASL_SSL: the keystore this broker uses now (a reissued one once it advertises domain names). */
  keystore?: BrokerKeystore;
  dir: string;
  propsPath: string;
  proc?: JvmProcess;
}

export function vpcClientSecurityFor(security: KafkaSecurity, caPem: string | undefined): ReadinessSecurity {
  if (security.protocol === 'PLAINTEXT') return { protocol: 'PLAINTEXT' };
  const user = security.users[0];
  if (!user) throw new Error('SASL_SSL instance needs at least one user');
  if (!caPem) throw new Error('SASL_SSL instance needs the sandbox CA');
  const mechanism = security.mechanisms.includes('SCRAM-SHA-512') ? 'SCRAM-SHA-512' : 'PLAIN';
  return { protocol: 'SASL_SSL', mechanism, username: user.username, password: user.password, caPem };
}

function brokerProperties(o: KafkaClusterOptions, b: BrokerState, all: BrokerState[]): Record<string, string | number | boolean> {
  const n = all.length;
  const rf = Math.min(3, n);
  const voters = all.slice(0, Math.min(3, n));
  const isController = o.mode === 'kraft' && voters.some((v) => v.nodeId === b.nodeId);
  const vpcProtocol = o.security.protocol;
  const listeners = [`INTERNAL://${b.listenerIp}:${INTERNAL_PORT}`, `VPC://${b.listenerIp}:${b.port}`];
  if (isController) listeners.push(`CONTROLLER://${b.listenerIp}:${CONTROLLER_PORT}`);
  const props: Record<string, string | number | boolean> = {
    listeners: listeners.join(','),
    'advertised.listeners': advertisedListeners(b, b.advertisedIp),
    'listener.security.protocol.map': `INTERNAL:PLAINTEXT,VPC:${vpcProtocol},CONTROLLER:PLAINTEXT`,
    'inter.broker.listener.name': 'INTERNAL',
    'log.dirs': join(b.dir, 'data'),
    'num.partitions': 1,
    'default.replication.factor': rf,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 3,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.replica.fetchers': 1,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.dedupe.buffer.size': 2 * 1024 * 1024,
    'log.segment.bytes': 16 * 1024 * 1024,
    'auto.create.topics.enable': true,
    'delete.topic.enable': true,
  };
  if (o.mode === 'zookeeper') {
    if (!o.zookeeperConnect) throw new Error('ZooKeeper mode needs zookeeperConnect');
    Object.assign(props, {
      'broker.id': b.nodeId,
      'zookeeper.connect': `${o.zookeeperConnect}/${o.name}`,
      'zookeeper.session.timeout.ms': 6000,
      'zookeeper.connection.timeout.ms': 30000,
      // The sandbox stops whole clusters at once: a controlled shutdown would only wait for peers going away.
      'controlled.shutdown.enable': false,
    });
  } else {
    Object.assign(props, {
      'node.id': b.nodeId,
      'process.roles': isController ? 'broker,controller' : 'broker',
      'controller.quorum.voters': voters.map((v) => `${v.nodeId}@${v.listenerIp}:${CONTROLLER_PORT}`).join(','),
      'controller.listener.names': 'CONTROLLER',
      'broker.heartbeat.interval.ms': 500,
      'broker.session.timeout.ms': 3000,
      'controller.quorum.election.timeout.ms': 500,
      'controller.quorum.fetch.timeout.ms': 1000,
    });
  }
  if (o.security.protocol === 'SASL_SSL') {
    const keystore = b.keystore ?? o.keystore;
    if (!keystore) throw new Error('SASL_SSL needs a broker keystore');
    const users = o.security.users;
    Object.assign(props, {
      'ssl.keystore.type': keystore.type,
      'ssl.keystore.location': keystore.path,
      'ssl.keystore.password': keystore.password,
      'ssl.key.password': keystore.password,
      'ssl.client.auth': 'none',
      // A reissued certificate names more than the first one (the advertised domain names): let the dynamic
      // keystore update through (Kafka refuses SAN changes by default).
      'ssl.allow.san.changes': true,
      'listener.name.vpc.sasl.enabled.mechanisms': o.security.mechanisms.join(','),
      'sasl.enabled.mechanisms': o.security.mechanisms.join(','),
    });
    if (o.security.mechanisms.includes('PLAIN')) {
      props['listener.name.vpc.plain.sasl.jaas.config'] =
        `org.apache.kafka.common.security.plain.PlainLoginModule required ${users
          .map((u) => `user_${u.username}=${jaasQuote(u.password)}`)
          .join(' ')};`;
    }
    if (o.security.mechanisms.includes('SCRAM-SHA-512')) {
      props['listener.name.vpc.scram-sha-512.sasl.jaas.config'] =
        'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  return props;
}

function advertisedListeners(b: ClusterBrokerSpec, vpcIp: string): string {
  return `INTERNAL://${b.listenerIp}:${INTERNAL_PORT},VPC://${vpcIp}:${b.port}`;
}

/** SCRAM-SHA-512 credentials, upserted through a broker's INTERNAL listener (works in both modes). */
async function upsertScramUsers(host: string, port: number, users: { username: string; password: string }[]): Promise<void> {
  const connection = new Connection('crossvpc-sandbox-scram', { connectTimeout: 5000, requestTimeout: 10000 });
  try {
    await connection.connect(host, port);
    const iterations = 4096;
    const upsertions = users.map((u) => {
      const salt = randomBytes(24);
      return {
        name: u.username,
        mechanism: ScramMechanisms.SCRAM_SHA_512,
        iterations,
        salt,
        saltedPassword: pbkdf2Sync(Buffer.from(u.password, 'utf8'), salt, iterations, 64, 'sha512'),
      };
    });
    const response = await alterUserScramCredentialsV0.api.async(connection, [], upsertions);
    const failed = response.results.filter((r) => r.errorCode !== 0);
    if (failed.length > 0) {
      throw new Error(`SCRAM upsert failed: ${failed.map((f) => `${f.user}: ${f.errorCode} ${f.errorMessage ?? ''}`).join('; ')}`);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function sameHosts(brokers: ListedBroker[], expected: Map<number, string>): boolean {
  if (brokers.length !== expected.size) return false;
  return brokers.every((b) => expected.get(b.nodeId) === b.host);
}

export async function startKafkaCluster(o: KafkaClusterOptions): Promise<KafkaCluster> {
  const log = o.log ?? (() => undefined);
  if (o.brokers.length === 0) throw new Error('a Kafka cluster needs at least one broker');
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });
  const classpath = join(o.kafkaLibs, '*');
  const log4jPath = join(o.dir, 'log4j.properties');
  writeFileSync(
    log4jPath,
    formatProperties({
      'log4j.rootLogger': 'INFO, stdout',
      'log4j.appender.stdout': 'org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout': 'org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern': '[%d] %p %m (%c)%n',
      'log4j.logger.kafka.request.logger': 'WARN',
      'log4j.logger.state.change.logger': 'WARN',
      'log4j.logger.org.apache.zookeeper': 'WARN',
      'log4j.logger.kafka.log.LogCleaner': 'WARN',
    }),
  );
  const heap = o.heapMb ?? { min: 256, max: 512 };
  const brokers: BrokerState[] = o.brokers
    .slice()
    .sort((a, b) => a.index - b.index)
    .map((b) => {
      const dir = join(o.dir, `broker-${b.index}`);
      mkdirSync(dir, { recursive: true });
      return { ...b, nodeId: b.index, dir, propsPath: join(dir, 'server.properties') };
    });
  const writeProps = (b: BrokerState): void => writeFileSync(b.propsPath, formatProperties(brokerProperties(o, b, brokers)));
  for (const b of brokers) writeProps(b);
  const security = vpcClientSecurityFor(o.security, o.caPem);
  let stopped = false;

  const javaArgs = (b: BrokerState, main: string, args: string[]): string[] => [
    ...jvmFlags(heap),
    `-Dlog4j.configuration=file:${log4jPath}`,
    `-Dkafka.logs.dir=${b.dir}`,
    '-cp',
    classpath,
    main,
    ...args,
  ];

  if (o.mode === 'kraft') {
    const clusterId = clusterUuid();
    await Promise.all(
      brokers.map((b) =>
        runJvmTool({
          name: 'format',
          dir: b.dir,
          key: `format-${b.listenerIp}`,
          javaArgs: [
            ...javaArgs(b, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', b.propsPath, '--ignore-formatted']),
          ].map((a) => (a.startsWith('-Xms') ? '-Xms64m' : a)),
        }),
      ),
    );
  }

  const startBroker = (b: BrokerState): void => {
    b.proc = spawnJvm({ name: 'broker', dir: b.dir, key: `broker-${b.listenerIp}`, javaArgs: javaArgs(b, 'kafka.Kafka', [b.propsPath]) });
  };

  /** Rejects as soon as one broker JVM exits (with its log tail). */
  const watchExits = (watched: BrokerState[]): { promise: Promise<never>; cancel: () => void } => {
    let cancelled = false;
    const promise = new Promise<never>((_, reject) => {
      for (const b of watched) {
        void b.proc?.exited.then(({ code, signal }) => {
          if (cancelled || stopped) return;
          reject(new Error(`Kafka broker ${b.nodeId} of ${o.name} exited (code ${String(code)}, signal ${String(signal)}); log ${b.proc?.logPath}:\n${logTail(b.proc?.logPath ?? '')}`));
        });
      }
    });
    promise.catch(() => undefined);
    return { promise, cancel: () => (cancelled = true) };
  };

  const expectedVpc = (): Map<number, string> => new Map(brokers.map((b) => [b.nodeId, b.advertisedIp]));

  /** Polls until metadata through `via` brokers' VPC listeners lists every broker at `expected`. */
  const waitForVpcMetadata = async (via: BrokerState[], expected: Map<number, string>, deadline: number): Promise<void> => {
    const pending = new Set(via);
    let last = '';
    while (pending.size > 0) {
      if (stopped) throw new Error(`cluster ${o.name} stopped`);
      await Promise.all(
        [...pending].map(async (b) => {
          try {
            const seen = await listBrokers({ host: b.listenerIp, port: b.port, security, timeoutMs: 3000 });
            if (sameHosts(seen, expected)) pending.delete(b);
            else last = `broker ${b.nodeId} reports ${seen.map((s) => `${s.nodeId}=${s.host}`).join(',')}`;
          } catch (error) {
            last = `broker ${b.nodeId}: ${describeReadinessError(error)}`;
          }
        }),
      );
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`Kafka cluster ${o.name}: metadata via the VPC listener not as expected in time (${last})`);
      }
      await sleep(100);
    }
  };

  /** Until some broker's INTERNAL listener reports every broker registered. */
  const waitForInternal = async (deadline: number): Promise<void> => {
    let last = '';
    for (let attempt = 0; ; attempt += 1) {
      const via = brokers[attempt % brokers.length]!;
      try {
        const seen = await listBrokers({ host: via.listenerIp, port: INTERNAL_PORT, security: { protocol: 'PLAINTEXT' }, timeoutMs: 3000 });
        if (seen.length === brokers.length) return;
        last = `${seen.length} of ${brokers.length} brokers registered`;
      } catch (error) {
        last = `broker ${via.nodeId}: ${describeReadinessError(error)}`;
      }
      if (Date.now() > deadline) throw new Error(`Kafka cluster ${o.name} did not come up in time (${last})`);
      await sleep(100);
    }
  };

  const stopAll = async (): Promise<void> => {
    stopped = true;
    await Promise.all(brokers.map((b) => b.proc?.stop(5000)));
  };

  const started = Date.now();
  for (const b of brokers) startBroker(b);
  const exits = watchExits(brokers);
  try {
    const deadline = Date.now() + (o.startTimeoutMs ?? 120_000);
    await Promise.race([
      (async () => {
        await waitForInternal(deadline);
        if (o.security.protocol === 'SASL_SSL' && o.security.mechanisms.includes('SCRAM-SHA-512')) {
          // Brokers may be registered before every INTERNAL acceptor serves: try them in turn until one takes it.
          for (let attempt = 0; ; attempt++) {
            const via = brokers[attempt % brokers.length]!;
            try {
              await upsertScramUsers(via.listenerIp, INTERNAL_PORT, o.security.users);
              break;
            } catch (error) {
              if (Date.now() > deadline) throw error;
              await sleep(200);
            }
          }
        }
        await waitForVpcMetadata(brokers, expectedVpc(), deadline);
      })(),
      exits.promise,
    ]);
  } catch (error) {
    exits.cancel();
    await stopAll();
    throw error;
  }
  exits.cancel();
  log(`kafka ${o.name}: ${brokers.length} broker(s) ready in ${Date.now() - started} ms (${o.mode})`);

  /** The domain names the brokers' current certificate carries (besides `localhost`). */
  let certNames = new Set(brokers.map((b) => b.advertisedIp).filter((a) => isIP(a) === 0));
  /** Resolves once every broker's VPC listener presents a certificate naming all of `names`. */
  const waitForCertNames = async (names: string[], deadline: number): Promise<void> => {
    for (const b of brokers) {
      let last = '';
      for (;;) {
        if (stopped) throw new Error(`cluster ${o.name} stopped`);
        const san = await new Promise<string>((resolve) => {
          const socket = tlsConnect({ host: b.listenerIp, port: b.port, rejectUnauthorized: false, servername: names[0] ?? 'localhost' }, () => {
            const cert = socket.getPeerCertificate();
            socket.destroy();
            resolve(cert.subjectaltname ?? '');
          });
          socket.setTimeout(3000, () => socket.destroy(new Error('TLS handshake timed out')));
          socket.on('error', (err) => resolve(`error: ${err.message}`));
        });
        const have = new Set(san.split(',').map((x) => x.trim()));
        if (names.every((n) => have.has(`DNS:${n}`))) break;
        last = san;
        if (Date.now() > deadline) throw new Error(`Kafka broker ${b.nodeId} of ${o.name} does not present a certificate for ${names.join(', ')} in time (SANs ${last.slice(0, 200)})`);
        await sleep(200);
      }
    }
  };
  /**
   * SASL_SSL: before brokers advertise domain names their certificate does not carry, a new certificate naming
   * them (o.reissueKeystore) — loaded by a dynamic keystore update (ZooKeeper mode) or the restart (KRaft).
   */
  const coverNames = async (finals: string[], deadline: number): Promise<void> => {
    if (o.security.protocol !== 'SASL_SSL' || !o.reissueKeystore) return;
    const names = [...new Set(finals.filter((v) => isIP(v) === 0))].sort();
    if (names.every((n) => certNames.has(n))) return;
    const ks = await o.reissueKeystore(names);
    for (const b of brokers) b.keystore = ks;
    if (o.mode !== 'zookeeper') {
      certNames = new Set(names); // each restart loads it
      return;
    }
    const admin = new Admin({ clientId: 'crossvpc-sandbox-admin', bootstrapBrokers: brokers.map((b) => `${b.listenerIp}:${INTERNAL_PORT}`), connectTimeout: 5000, requestTimeout: 15000, retries: 3, retryDelay: 200 });
    try {
      await admin.incrementalAlterConfigs({
        resources: brokers.map((b) => ({
          resourceType: ConfigResourceTypes.BROKER,
          resourceName: String(b.nodeId),
          configs: [{ name: 'listener.name.vpc.ssl.keystore.location', configOperation: IncrementalAlterConfigOperationTypes.SET, value: ks.path }],
        })),
      });
    } finally {
      await admin.close().catch(() => undefined);
    }
    await waitForCertNames(names, deadline);
    certNames = new Set(names);
  };

  const alterAdvertised = async (changes: { b: BrokerState; ip: string }[]): Promise<void> => {
    const admin = new Admin({
      clientId: 'crossvpc-sandbox-admin',
      bootstrapBrokers: brokers.map((b) => `${b.listenerIp}:${INTERNAL_PORT}`),
      connectTimeout: 5000,
      requestTimeout: 15000,
      retries: 3,
      retryDelay: 200,
    });
    try {
      await admin.incrementalAlterConfigs({
        resources: changes.map(({ b, ip }) => ({
          resourceType: ConfigResourceTypes.BROKER,
          resourceName: String(b.nodeId),
          configs: [
            {
              name: 'advertised.listeners',
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: advertisedListeners(b, ip),
            },
          ],
        })),
      });
    } finally {
      await admin.close().catch(() => undefined);
    }
    for (const { b, ip } of changes) b.advertisedIp = ip;
  };

  const restartBroker = async (b: BrokerState, ip: string, deadline: number): Promise<void> => {
    b.advertisedIp = ip;
    writeProps(b);
    await b.proc?.stop(10_000);
    startBroker(b);
    const exits = watchExits([b]);
    try {
      await Promise.race([waitForVpcMetadata([b], expectedVpcWith(b, ip), deadline), exits.promise]);
    } finally {
      exits.cancel();
    }
  };
  // While other brokers may still be restarting, only the restarted broker's own entry must match.
  const expectedVpcWith = (b: BrokerState, ip: string): Map<number, string> => {
    const m = expectedVpc();
    m.set(b.nodeId, ip);
    return m;
  };

  let queue: Promise<void> = Promise.resolve();

  return {
    name: o.name,
    mode: o.mode,
    logPaths: brokers.map((b) => join(b.dir, 'broker.log')),
    advertised: () => Object.fromEntries(brokers.map((b) => [b.listenerIp, b.advertisedIp])),
    vpcClientSecurity: () => security,
    setAdvertisedIps(byListenerIp, timeoutMs = 120_000) {
      const run = async (): Promise<void> => {
        const deadline = Date.now() + timeoutMs;
        const byIp = new Map(brokers.map((b) => [b.listenerIp, b]));
        for (const ip of Object.keys(byListenerIp)) {
          if (!byIp.has(ip)) throw new Error(`${o.name} has no broker with listener IP ${ip}`);
        }
        const final = new Map(brokers.map((b) => [b, byListenerIp[b.listenerIp] ?? b.advertisedIp]));
        const finals = [...final.values()];
        if (new Set(finals).size !== finals.length) throw new Error(`advertised IPs must be distinct per broker: ${finals.join(', ')}`);
        await coverNames(finals, deadline);
        if (o.mode === 'zookeeper') {
          // A broker may not advertise an endpoint another broker has registered (KAFKA-6394 check in
          // createBrokerInfo), so apply in dependency order and break cycles (swaps) via the listener IP.
          for (;;) {
            const changing = brokers.filter((b) => final.get(b) !== b.advertisedIp);
            if (changing.length === 0) break;
            const heldByOthers = (b: BrokerState, ip: string): boolean => brokers.some((x) => x !== b && x.advertisedIp === ip);
            let step = changing.filter((b) => !heldByOthers(b, final.get(b)!)).map((b) => ({ b, ip: final.get(b)! }));
            if (step.length === 0) {
              const b = changing[0]!;
              const parking = [b.listenerIp, ...brokers.map((x) => x.listenerIp)].find(
                (ip) => !heldByOthers(b, ip) && !finals.includes(ip),
              );
              if (!parking) throw new Error(`cannot reorder advertised IP change for ${o.name}`);
              step = [{ b, ip: parking }];
            }
            await alterAdvertised(step);
            // Wait until the registrations (hence metadata) carry this step before the next depends on it.
            await waitForVpcMetadata([brokers[0]!], expectedVpc(), deadline);
          }
        } else if (o.kraftRestart === 'parallel') {
          const changing = brokers.filter((b) => final.get(b) !== b.advertisedIp);
          await Promise.all(changing.map((b) => restartBroker(b, final.get(b)!, deadline)));
        } else {
          for (const b of brokers) {
            const ip = final.get(b)!;
            if (ip !== b.advertisedIp) await restartBroker(b, ip, deadline);
          }
        }
        await waitForVpcMetadata(brokers, expectedVpc(), deadline);
      };
      const result = queue.then(run);
      queue = result.catch(() => undefined);
      return result;
    },
    stop: stopAll,
  };
}

export interface ZooKeeperServer {
  connect: string;
  logPath: string;
  stop(): Promise<void>;
}

/** One ZooKeeper JVM (shared by the sandbox's ZooKeeper-mode clusters, each under its own chroot). */
export async function startZooKeeper(options: {
  host: string;
  port: number;
  dir: string;
  kafkaLibs: string;
  timeoutMs?: number;
}): Promise<ZooKeeperServer> {
  rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(join(options.dir, 'data'), { recursive: true });
  const propsPath = join(options.dir, 'zookeeper.properties');
  writeFileSync(
    propsPath,
    formatProperties({
      dataDir: join(options.dir, 'data'),
      clientPort: options.port,
      clientPortAddress: options.host,
      tickTime: 500,
      initLimit: 10,
      syncLimit: 5,
      maxClientCnxns: 0,
      'admin.enableServer': false,
      '4lw.commands.whitelist': 'ruok,srvr',
    }),
  );
  const log4jPath = join(options.dir, 'log4j.properties');
  writeFileSync(
    log4jPath,
    formatProperties({
      'log4j.rootLogger': 'INFO, stdout',
      'log4j.appender.stdout': 'org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout': 'org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    }),
  );
  const proc = spawnJvm({
    name: 'zookeeper',
    dir: options.dir,
    key: `zookeeper-${options.host}-${options.port}`,
    javaArgs: [
      ...jvmFlags({ min: 64, max: 256 }),
      `-Dlog4j.configuration=file:${log4jPath}`,
      '-Dzookeeper.admin.enableServer=false',
      '-cp',
      join(options.kafkaLibs, '*'),
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      propsPath,
    ],
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const { connect } = await import('node:net');
  for (;;) {
    if (!proc.isRunning()) throw new Error(`ZooKeeper exited during start; log ${proc.logPath}:\n${logTail(proc.logPath)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: options.host, port: options.port });
      socket.setTimeout(1000);
      socket.once('connect', () => {
        socket.write('ruok');
      });
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('imok'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('close', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await proc.stop(1000);
      throw new Error(`ZooKeeper did not start in time; log ${proc.logPath}:\n${logTail(proc.logPath)}`);
    }
    await sleep(100);
  }
  return { connect: `${options.host}:${options.port}`, logPath: proc.logPath, stop: () => proc.stop(5000) };
}
