/**
 * The product's Kafka verification primitive: through the given bootstrap servers (normally the VPC
 * endpoints' `ip:9011`), read the cluster metadata, optionally check that it advertises exactly the expected
 * hosts, produce one uniquely keyed message, and read it back from the partition and offset it landed on.
 *
 * It also writes one small canary record to every partition of the probe topic, so that every broker that
 * leads a partition is reached at the address it advertises: a broker that advertises another broker's
 * address (e.g. two advertised IPs swapped) then fails the probe at the `produce` stage with
 * NOT_LEADER_OR_FOLLOWER even when the keyed message's own partition happens to live elsewhere.
 *
 * TLS: the CA chain is always verified; the hostname is not (DMS clients likewise set
 * `ssl.endpoint.identification.algorithm=` empty, because clients dial endpoint IPs that are not in the
 * brokers' certificates).
 *
 * Every client is closed before the function returns or throws; nothing is left running after it.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Admin, Consumer, Producer, ProduceAcks, type BaseOptions, type ClusterMetadata } from '@platformatic/kafka';
import { KafkaProbeError, type KafkaProbeStage } from './probe-error.js';

export { KafkaProbeError, type KafkaProbeStage };

export type KafkaProbeSecurity =
  | { protocol: 'PLAINTEXT' }
  | {
      protocol: 'SASL_SSL';
      mechanism: 'PLAIN' | 'SCRAM-SHA-512';
      username: string;
      password: string;
      /** PEM of the CA (or CAs) that signed the brokers' certificates. */
      caPem: string;
      /**
       * Also verify that each broker's certificate names the host dialled (hostname verification). Off by default,
       * like DMS clients (see the file comment); a client that turns it on needs certificates naming the
       * advertised addresses.
       */
      checkHostname?: boolean;
    };

export interface KafkaProbeOptions {
  /** `host:port` entries, e.g. the endpoint IPs with port 9011. */
  bootstrapServers: string[];
  security: KafkaProbeSecurity;
  topic: string;
  /** Overall deadline for the whole probe. */
  timeoutMs: number;
  /**
   * When given, the metadata must list exactly these brokers (order does not matter). An entry is a host
   * (`10.0.0.5`) or `host:port`; a host-only list compares hosts only.
   */
  expectBrokerHosts?: string[];
  /** Key of the probe message; random when omitted. */
  key?: string;
  clientId?: string;
}

export interface KafkaProbeBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface KafkaProbeResult {
  brokers: KafkaProbeBroker[];
  /** `offset` is a plain number (JSON-safe for activity results; Kafka offsets stay far below 2^53). */
  produced: { key: string; partition: number; offset: number };
  consumed: boolean;
  elapsedMs: number;
}

/** Connection options for @platformatic/kafka clients from a probe security setting. */
export function kafkaConnectionOptions(
  security: KafkaProbeSecurity,
): Pick<BaseOptions, 'tls' | 'sasl'> {
  if (security.protocol === 'PLAINTEXT') return {};
  const tls: TlsConnectionOptions = {
    ca: security.caPem,
    rejectUnauthorized: true,
    // Chain verified, hostname not (see the file comment) unless asked.
    ...(security.checkHostname ? {} : { checkServerIdentity: () => undefined }),
  };
  return {
    tls,
    sasl: { mechanism: security.mechanism, username: security.username, password: security.password },
  };
}

/** A readable one-line description of a (possibly nested) client error. */
export function describeKafkaError(error: unknown): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (depth > 4 || e === null || e === undefined) return;
    if (e instanceof AggregateError) {
      if (e.message && !seen.has(e.message)) {
        seen.add(e.message);
        parts.push(e.message);
      }
      for (const inner of e.errors) visit(inner, depth + 1);
      return;
    }
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      const apiCode = (e as { apiCode?: unknown }).apiCode;
      const text = [typeof apiCode === 'string' ? apiCode : undefined, e.message, typeof code === 'string' ? `(${code})` : undefined]
        .filter(Boolean)
        .join(' ');
      if (!seen.has(text)) {
        seen.add(text);
        parts.push(text);
      }
      if (e.cause !== undefined) visit(e.cause, depth + 1);
      return;
    }
    parts.push(String(e));
  };
  visit(error, 0);
  return parts.slice(0, 6).join('; ') || 'unknown error';
}

class DeadlineError extends Error {}

/** Races `promise` against the remaining time; the abandoned promise's rejection is swallowed. */
async function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  const remaining = deadline - Date.now();
  promise.catch(() => undefined);
  if (remaining <= 0) throw new DeadlineError(`deadline reached before ${what}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(`timed out during ${what}`)), remaining);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function brokersOf(metadata: ClusterMetadata): KafkaProbeBroker[] {
  return [...metadata.brokers.entries()]
    .map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port }))
    .sort((a, b) => a.nodeId - b.nodeId);
}

function parseBootstrap(servers: string[]): string[] {
  if (servers.length === 0) throw new KafkaProbeError('metadata', 'no bootstrap servers given');
  for (const s of servers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(s)) throw new KafkaProbeError('metadata', `bootstrap server "${s}" is not host:port`);
  }
  return servers;
}

function baseOptions(options: {
  clientId: string;
  bootstrapServers: string[];
  security: KafkaProbeSecurity;
  timeoutMs: number;
}): BaseOptions {
  const step = Math.max(500, Math.min(5_000, options.timeoutMs));
  return {
    clientId: options.clientId,
    bootstrapBrokers: options.bootstrapServers,
    connectTimeout: step,
    requestTimeout: step,
    timeout: step,
    retries: 2,
    retryDelay: 200,
    autocreateTopics: false,
    ...kafkaConnectionOptions(options.security),
  };
}

/**
 * Reads the brokers the cluster advertises to a client bootstrapping through `bootstrapServers`.
 * Used by the probe and by the sandbox's readiness checks. Throws the client's error as is.
 */
export async function readKafkaBrokers(options: {
  bootstrapServers: string[];
  security: KafkaProbeSecurity;
  timeoutMs: number;
  clientId?: string;
}): Promise<KafkaProbeBroker[]> {
  const admin = new Admin({
    ...baseOptions({ clientId: options.clientId ?? 'crossvpc-metadata', ...options }),
    retries: 0,
  });
  const deadline = Date.now() + options.timeoutMs;
  try {
    const metadata = await withDeadline(admin.metadata({ topics: [], forceUpdate: true }), deadline, 'metadata');
    return brokersOf(metadata);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

function sameBrokerHosts(brokers: KafkaProbeBroker[], expected: string[]): boolean {
  const withPort = expected.some((e) => e.includes(':'));
  const actual = brokers.map((b) => (withPort ? `${b.host}:${b.port}` : b.host)).sort();
  const wanted = [...expected].sort();
  return actual.length === wanted.length && actual.every((a, i) => a === wanted[i]);
}

function isTopicAlreadyExists(error: unknown): boolean {
  return describeKafkaError(error).includes('TOPIC_ALREADY_EXISTS') || /already exists/i.test(describeKafkaError(error));
}

/**
 * Leadership that is still settling (a topic created a moment ago, a broker that just re-registered its
 * address, a controller being elected on a cluster that just started) answers with these; they clear within seconds. A wrong advertised address never clears them,
 * so the deadline still turns a misrouted cluster into a failure.
 */
const TRANSIENT_KAFKA_ERROR = /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|NOT_LEADER|not the leader|LEADER_NOT_AVAILABLE|leadership election|NOT_CONTROLLER|not the correct controller/i;

async function retryWhileTransient<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!TRANSIENT_KAFKA_ERROR.test(describeKafkaError(error)) || Date.now() + 500 > deadline) throw error;
      await sleep(300);
    }
  }
}

export async function probeKafka(options: KafkaProbeOptions): Promise<KafkaProbeResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const bootstrap = parseBootstrap(options.bootstrapServers);
  const clientId = options.clientId ?? 'crossvpc-probe';
  const key = options.key ?? `crossvpc-probe-${randomUUID()}`;
  const common = baseOptions({ clientId, bootstrapServers: bootstrap, security: options.security, timeoutMs: options.timeoutMs });

  const admin = new Admin(common);
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;

  const stageRun = async <T>(stage: KafkaProbeStage, what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(work(), deadline, what);
    } catch (error) {
      if (error instanceof KafkaProbeError) throw error;
      throw new KafkaProbeError(stage, `${what}: ${describeKafkaError(error)}`, { cause: error });
    }
  };

  try {
    // 1. Metadata through the bootstrap servers.
    const metadata = await stageRun('metadata', 'reading cluster metadata', () =>
      admin.metadata({ topics: [], forceUpdate: true }),
    );
    const brokers = brokersOf(metadata);
    if (brokers.length === 0) throw new KafkaProbeError('metadata', 'the cluster advertised no brokers');
    if (options.expectBrokerHosts && !sameBrokerHosts(brokers, options.expectBrokerHosts)) {
      throw new KafkaProbeError(
        'metadata-mismatch',
        `brokers advertise [${brokers.map((b) => `${b.nodeId}=${b.host}:${b.port}`).join(', ')}], expected exactly [${[...options.expectBrokerHosts].sort().join(', ')}]`,
      );
    }

    // 2. The probe topic (created when missing: one partition per broker, RF = min(3, brokers)).
    const topicMetadata = await stageRun('produce', `preparing topic ${options.topic}`, async () => {
      const existing = await admin.metadata({ topics: [options.topic], forceUpdate: true }).catch(() => undefined);
      if (!existing?.topics.get(options.topic)) {
        await retryWhileTransient(deadline, () =>
          admin
            .createTopics({ topics: [options.topic], partitions: brokers.length, replicas: Math.min(3, brokers.length) })
            .then(() => undefined)
            .catch((error: unknown) => {
              if (!isTopicAlreadyExists(error)) throw error;
            }),
        );
      }
      while (Date.now() < deadline) {
        const md = await admin.metadata({ topics: [options.topic], forceUpdate: true }).catch(() => undefined);
        const topic = md?.topics.get(options.topic);
        if (topic && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0)) return topic;
        await sleep(150);
      }
      throw new Error(`topic ${options.topic} has no leader for every partition yet`);
    });

    // 3. Produce the keyed probe message, then a canary to every partition (reaches every leader).
    producer = new Producer({ ...common, acks: ProduceAcks.ALL });
    const sendResult = await stageRun('produce', `producing the probe message to ${options.topic}`, () =>
      retryWhileTransient(deadline, () =>
        producer!.send({
          messages: [{ topic: options.topic, key: Buffer.from(key), value: Buffer.from(`probe ${new Date().toISOString()}`) }],
        }),
      ),
    );
    const landed = sendResult.offsets?.[0];
    if (!landed) throw new KafkaProbeError('produce', 'the broker did not report where the message landed');
    const produced = { key, partition: landed.partition, offset: Number(landed.offset) };
    await stageRun('produce', 'producing a canary record to every partition (one per leader broker)', () =>
      retryWhileTransient(deadline, () =>
        producer!.send({
          messages: topicMetadata.partitions.map((_, partition) => ({
            topic: options.topic,
            partition,
            key: Buffer.from(`${key}:canary`),
            value: Buffer.from('canary'),
          })),
        }),
      ),
    );

    // 4. Read it back from the partition and offset it landed on.
    consumer = new Consumer({ ...common, groupId: `crossvpc-probe-${randomUUID()}` });
    const partitionMeta = topicMetadata.partitions[produced.partition];
    if (!partitionMeta) throw new KafkaProbeError('consume', `partition ${produced.partition} is not in the metadata`);
    const consumed = await stageRun('consume', `fetching partition ${produced.partition} from offset ${produced.offset}`, async () => {
      while (Date.now() < deadline) {
        const response = await consumer!.fetch({
          node: partitionMeta.leader,
          maxWaitTime: 300,
          minBytes: 1,
          maxBytes: 1_048_576,
          topics: [
            {
              topicId: topicMetadata.id,
              partitions: [
                {
                  partition: produced.partition,
                  currentLeaderEpoch: -1,
                  fetchOffset: BigInt(produced.offset),
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: 1_048_576,
                },
              ],
            },
          ],
        });
        for (const topic of response.responses) {
          for (const partition of topic.partitions) {
            if (partition.errorCode !== 0) throw new Error(`fetch returned error code ${partition.errorCode}`);
            for (const batch of partition.records ?? []) {
              for (const record of batch.records) {
                const offset = batch.firstOffset + BigInt(record.offsetDelta);
                if (offset !== BigInt(produced.offset)) continue;
                if (record.key?.toString() === key) return true;
                throw new Error(`offset ${produced.offset} holds another record (key ${String(record.key)})`);
              }
            }
          }
        }
        await sleep(100);
      }
      throw new Error('the message did not come back before the deadline');
    });

    return { brokers, produced, consumed, elapsedMs: Date.now() - started };
  } catch (error) {
    if (error instanceof KafkaProbeError) throw error;
    throw new KafkaProbeError('metadata', describeKafkaError(error), { cause: error });
  } finally {
    await Promise.allSettled([
      admin.close(),
      producer ? producer.close(true) : Promise.resolve(),
      consumer ? consumer.close(true) : Promise.resolve(),
    ]);
  }
}
