/**
 * Real 3-broker SASL_SSL cluster (PLAIN and SCRAM-SHA-512 users, TLS with the sandbox CA), reached through
 * endpoint forwarders (TLS passes straight through them).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaDataPlane, type KafkaDataPlane } from '../../../src/sandbox/dataplane/kafka-data-plane.js';
import { listBrokers } from '../../../src/sandbox/kafka/readiness.js';
import { ensureSandboxCa } from '../../../src/sandbox/kafka/tls.js';
import { KafkaProbeError, probeKafka, type KafkaProbeSecurity } from '../../../src/kafka/kafka-probe.js';
import { claimAddressPrefix } from '../support/sandbox-helpers.js';

const prefix = await claimAddressPrefix();
// instance index 2 and endpoint IPs .2.40+ keep clear of the PLAINTEXT file's addresses (same pool runs files in turn).
const listenerIp = (b: number): string => `${prefix}.12.${11 + b}`;
const endpointIp = (b: number): string => `${prefix}.2.${40 + b}`;
const bootstrap = [0, 1, 2].map((b) => `${endpointIp(b)}:9011`);
const endpointHosts = [0, 1, 2].map(endpointIp);

let workDir: string;
let plane: KafkaDataPlane;
let caPem: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'crossvpc-dp-sasl-'));
  plane = createKafkaDataPlane({ addressPrefix: prefix, workDir });
  await plane.startInstance({
    instanceId: 'inst-sasl',
    security: {
      protocol: 'SASL_SSL',
      mechanisms: ['PLAIN', 'SCRAM-SHA-512'],
      users: [
        { username: 'alice', password: 'alice-secret' },
        { username: 'bob', password: 'b"o\\b pw é' },
      ],
    },
    brokers: [0, 1, 2].map((b) => ({ index: b, listenerIp: listenerIp(b), port: 9011, portId: `port-${b}`, advertisedIp: listenerIp(b) })),
  });
  const caPath = plane.caPemPath();
  expect(caPath).toBeDefined();
  caPem = readFileSync(caPath!, 'utf8');
  for (const b of [0, 1, 2]) {
    await plane.openEndpoint(`ep-${b}`, { listenIp: endpointIp(b), listenPort: 9011, targetIp: listenerIp(b), targetPort: 9011, allowed: () => true });
  }
  await plane.setAdvertisedIps('inst-sasl', Object.fromEntries([0, 1, 2].map((b) => [listenerIp(b), endpointIp(b)])));
});

afterAll(async () => {
  await plane?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const sasl = (mechanism: 'PLAIN' | 'SCRAM-SHA-512', username: string, password: string, ca = caPem): KafkaProbeSecurity => ({
  protocol: 'SASL_SSL',
  mechanism,
  username,
  password,
  caPem: ca,
});

async function probeError(security: KafkaProbeSecurity): Promise<KafkaProbeError> {
  const error = await probeKafka({ bootstrapServers: bootstrap, security, topic: 'sasl-probe', timeoutMs: 8_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaProbeError);
  return error as KafkaProbeError;
}

describe('kafka data plane, SASL_SSL, 3 brokers', () => {
  it('SCRAM-SHA-512 through the forwarders with the sandbox CA', async () => {
    const result = await probeKafka({ bootstrapServers: bootstrap, security: sasl('SCRAM-SHA-512', 'alice', 'alice-secret'), topic: 'sasl-probe', timeoutMs: 30_000, expectBrokerHosts: endpointHosts });
    expect(result.consumed).toBe(true);
    expect(result.brokers.map((b) => b.host).sort()).toEqual([...endpointHosts].sort());
  });

  it('PLAIN through the forwarders, also for a password with quotes, backslash and non-ASCII', async () => {
    expect((await probeKafka({ bootstrapServers: bootstrap, security: sasl('PLAIN', 'alice', 'alice-secret'), topic: 'sasl-probe', timeoutMs: 30_000, expectBrokerHosts: endpointHosts })).consumed).toBe(true);
    expect((await probeKafka({ bootstrapServers: bootstrap, security: sasl('PLAIN', 'bob', 'b"o\\b pw é'), topic: 'sasl-probe', timeoutMs: 30_000 })).consumed).toBe(true);
    expect((await probeKafka({ bootstrapServers: bootstrap, security: sasl('SCRAM-SHA-512', 'bob', 'b"o\\b pw é'), topic: 'sasl-probe', timeoutMs: 30_000 })).consumed).toBe(true);
  });

  it('a wrong password fails (SCRAM and PLAIN)', async () => {
    const scram = await probeError(sasl('SCRAM-SHA-512', 'alice', 'wrong'));
    expect(scram.stage).toBe('metadata');
    const plain = await probeError(sasl('PLAIN', 'alice', 'wrong'));
    expect(plain.stage).toBe('metadata');
  });

  it('a CA that did not sign the brokers fails (the chain is verified)', async () => {
    const other = await ensureSandboxCa(join(workDir, 'other-ca'));
    const error = await probeError(sasl('SCRAM-SHA-512', 'alice', 'alice-secret', other.caPem));
    expect(error.stage).toBe('metadata');
  });
});

describe("the sandbox's own readiness check (raw Kafka protocol), on the same cluster", () => {
  const security = (mechanism: 'PLAIN' | 'SCRAM-SHA-512', username: string, password: string, ca = caPem) => ({ protocol: 'SASL_SSL' as const, mechanism, username, password, caPem: ca });
  const expected = [0, 1, 2].map((b) => ({ nodeId: b, host: endpointIp(b), port: 9011 }));

  it('reads what every VPC listener advertises, with SCRAM-SHA-512 and with PLAIN (TLS, chain and IP verified)', async () => {
    for (const b of [0, 1, 2]) {
      expect(await listBrokers({ host: listenerIp(b), port: 9011, security: security('SCRAM-SHA-512', 'bob', 'b"o\\b pw é'), timeoutMs: 5_000 })).toEqual(expected);
    }
    expect(await listBrokers({ host: listenerIp(0), port: 9011, security: security('PLAIN', 'alice', 'alice-secret'), timeoutMs: 5_000 })).toEqual(expected);
    // The INTERNAL listener (PLAINTEXT) advertises the listener IPs on 9091.
    expect(await listBrokers({ host: listenerIp(1), port: 9091, security: { protocol: 'PLAINTEXT' }, timeoutMs: 5_000 })).toEqual([0, 1, 2].map((b) => ({ nodeId: b, host: listenerIp(b), port: 9091 })));
  });

  it('fails on a wrong password (both mechanisms) and on a CA that did not sign the brokers', async () => {
    await expect(listBrokers({ host: listenerIp(0), port: 9011, security: security('SCRAM-SHA-512', 'alice', 'wrong'), timeoutMs: 5_000 })).rejects.toThrow(/SaslAuthenticate|closed/);
    await expect(listBrokers({ host: listenerIp(0), port: 9011, security: security('PLAIN', 'alice', 'wrong'), timeoutMs: 5_000 })).rejects.toThrow(/SaslAuthenticate|closed/);
    const other = await ensureSandboxCa(join(workDir, 'other-ca-2'));
    await expect(listBrokers({ host: listenerIp(0), port: 9011, security: security('SCRAM-SHA-512', 'alice', 'alice-secret', other.caPem), timeoutMs: 5_000 })).rejects.toThrow(/certificate/i);
  });
});
