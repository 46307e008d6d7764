/**
 * Data-plane benchmark (not a timed test): cold start of a sandbox Kafka cluster and the time to apply an
 * advertised-IP change, for both metadata modes.
 *
 *   npx tsx bench/dataplane.bench.ts [--what modes|dataplane|all] [--mode zookeeper|kraft|both] [--brokers 3]
 *                                    [--rounds 3] [--prefix 127.30]
 *
 * `modes`: the bare cluster (ZooKeeper + brokers, or KRaft brokers) in each metadata mode.
 * `dataplane`: `createKafkaDataPlane` as the sandbox uses it (default mode), PLAINTEXT and SASL_SSL (CA,
 * keystore and SCRAM users included), cold start = `startInstance` on a fresh data plane.
 *
 * Figures are wall-clock milliseconds on this machine; see docs/decisions/kafka-mode.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findKafkaLibs } from '../src/devtools/tool-paths.js';
import { createKafkaDataPlane } from '../src/sandbox/dataplane/kafka-data-plane.js';
import type { KafkaSecurity } from '../src/sandbox/data-plane.js';
import { startKafkaCluster, startZooKeeper, type KafkaMode } from '../src/sandbox/kafka/kafka-cluster.js';

const { values } = parseArgs({
  options: {
    what: { type: 'string', default: 'all' },
    mode: { type: 'string', default: 'both' },
    brokers: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    prefix: { type: 'string', default: '127.30' },
  },
});
const brokersN = Number(values.brokers);
const rounds = Number(values.rounds);
const prefix = values.prefix!;
const modes: KafkaMode[] = values.mode === 'both' ? ['zookeeper', 'kraft'] : [values.mode as KafkaMode];
const libs = findKafkaLibs();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function benchMode(mode: KafkaMode, restart: 'rolling' | 'parallel'): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), `crossvpc-bench-${mode}-`));
  const cold: number[] = [];
  const changeAll: number[] = [];
  const changeOne: number[] = [];
  const stops: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const t0 = Date.now();
      const zk = mode === 'zookeeper' ? await startZooKeeper({ host: `${prefix}.1.2`, port: 2181, dir: join(dir, 'zk'), kafkaLibs: libs }) : undefined;
      const brokers = Array.from({ length: brokersN }, (_, b) => ({
        index: b,
        listenerIp: `${prefix}.10.${11 + b}`,
        port: 9011,
        advertisedIp: `${prefix}.10.${11 + b}`,
      }));
      const cluster = await startKafkaCluster({
        name: 'bench',
        brokers,
        security: { protocol: 'PLAINTEXT' },
        mode,
        dir: join(dir, 'cluster'),
        kafkaLibs: libs,
        zookeeperConnect: zk?.connect,
        kraftRestart: restart,
      });
      cold.push(Date.now() - t0);
      let t = Date.now();
      await cluster.setAdvertisedIps(Object.fromEntries(brokers.map((b) => [b.listenerIp, `${prefix}.2.${100 + b.index + round * 10}`])));
      changeAll.push(Date.now() - t);
      t = Date.now();
      await cluster.setAdvertisedIps({ [brokers[0]!.listenerIp]: `${prefix}.3.${50 + round}` });
      changeOne.push(Date.now() - t);
      t = Date.now();
      await cluster.stop();
      await zk?.stop();
      stops.push(Date.now() - t);
      console.error(`${mode}/${restart} round ${round}: cold ${cold.at(-1)} ms, change all ${changeAll.at(-1)} ms, change one ${changeOne.at(-1)} ms, stop ${stops.at(-1)} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    mode: mode === 'kraft' ? `kraft (${restart} restart)` : mode,
    brokers: brokersN,
    rounds,
    coldStartMs: { median: median(cold), all: cold },
    changeAllBrokersMs: { median: median(changeAll), all: changeAll },
    changeOneBrokerMs: { median: median(changeOne), all: changeOne },
    stopMs: { median: median(stops), all: stops },
  };
}

async function benchDataPlane(security: KafkaSecurity): Promise<Record<string, unknown>> {
  const cold: number[] = [];
  const changeAll: number[] = [];
  const stops: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'crossvpc-bench-dp-'));
    const plane = createKafkaDataPlane({ addressPrefix: prefix, workDir: dir });
    try {
      const brokers = Array.from({ length: brokersN }, (_, b) => ({
        index: b,
        listenerIp: `${prefix}.10.${11 + b}`,
        port: 9011,
        portId: `port-${b}`,
        advertisedIp: `${prefix}.10.${11 + b}`,
      }));
      let t = Date.now();
      await plane.startInstance({ instanceId: 'bench', brokers, security });
      cold.push(Date.now() - t);
      t = Date.now();
      await plane.setAdvertisedIps('bench', Object.fromEntries(brokers.map((b) => [b.listenerIp, `${prefix}.2.${100 + b.index}`])));
      changeAll.push(Date.now() - t);
    } finally {
      const t = Date.now();
      await plane.stop();
      stops.push(Date.now() - t);
      rmSync(dir, { recursive: true, force: true });
    }
    console.error(`dataplane/${security.protocol} round ${round}: startInstance ${cold.at(-1)} ms, setAdvertisedIps ${changeAll.at(-1)} ms, stop ${stops.at(-1)} ms`);
  }
  return {
    dataPlane: security.protocol,
    brokers: brokersN,
    rounds,
    startInstanceMs: { median: median(cold), all: cold },
    setAdvertisedIpsAllBrokersMs: { median: median(changeAll), all: changeAll },
    stopMs: { median: median(stops), all: stops },
  };
}

const results: Record<string, unknown>[] = [];
if (values.what === 'dataplane' || values.what === 'all') {
  results.push(await benchDataPlane({ protocol: 'PLAINTEXT' }));
  results.push(
    await benchDataPlane({
      protocol: 'SASL_SSL',
      mechanisms: ['PLAIN', 'SCRAM-SHA-512'],
      users: [{ username: 'bench', password: 'bench-secret' }],
    }),
  );
}
for (const mode of values.what === 'dataplane' ? [] : modes) {
  if (mode === 'kraft') {
    results.push(await benchMode('kraft', 'rolling'));
    results.push(await benchMode('kraft', 'parallel'));
  } else {
    results.push(await benchMode(mode, 'rolling'));
  }
}
console.log(JSON.stringify(results, null, 2));
