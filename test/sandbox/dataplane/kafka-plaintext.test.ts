/**
 * Real 3-broker PLAINTEXT cluster (+ a 5-broker one on the same data plane): endpoint forwarders, advertised
 * IP changes and the product's probe, with bytes really flowing through the forwarders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaDataPlane, type KafkaDataPlane } from '../../../src/sandbox/dataplane/kafka-data-plane.js';
import { KafkaProbeError, probeKafka } from '../../../src/kafka/kafka-probe.js';
import { connectionOutcome, claimAddressPrefix } from '../support/sandbox-helpers.js';

const prefix = await claimAddressPrefix();
const listenerIp = (instance: number, broker: number): string => `${prefix}.${10 + instance}.${11 + broker}`;
const endpointIp = (n: number): string => `${prefix}.2.${10 + n}`;
const security = { protocol: 'PLAINTEXT' } as const;

let workDir: string;
let plane: KafkaDataPlane;
let allowed = true;

async function expectProbeFailure(promise: Promise<unknown>, stages: string[]): Promise<KafkaProbeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaProbeError);
  const probeError = error as KafkaProbeError;
  expect(stages, probeError.message).toContain(probeError.stage);
  return probeError;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'crossvpc-dp-plain-'));
  plane = createKafkaDataPlane({ addressPrefix: prefix, workDir });
  await plane.startInstance({
    instanceId: 'inst-plain',
    security,
    brokers: [0, 1, 2].map((b) => ({ index: b, listenerIp: listenerIp(0, b), port: 9011, portId: `port-${b}`, advertisedIp: listenerIp(0, b) })),
  });
  for (const b of [0, 1, 2]) {
    await plane.openEndpoint(`ep-${b}`, {
      listenIp: endpointIp(b),
      listenPort: 9011,
      targetIp: listenerIp(0, b),
      targetPort: 9011,
      allowed: () => allowed,
    });
  }
});

afterAll(async () => {
  await plane?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const bootstrap = [0, 1, 2].map((b) => `${endpointIp(b)}:9011`);
const endpointHosts = [0, 1, 2].map(endpointIp);
const correctMapping = Object.fromEntries([0, 1, 2].map((b) => [listenerIp(0, b), endpointIp(b)]));

describe('kafka data plane, PLAINTEXT, 3 brokers', () => {
  it('produces and consumes through the endpoint forwarders once the advertised IPs are the endpoint IPs', async () => {
    await plane.setAdvertisedIps('inst-plain', correctMapping);
    expect(plane.advertised('inst-plain')).toEqual(correctMapping);
    const result = await probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 30_000, expectBrokerHosts: endpointHosts });
    expect(result.consumed).toBe(true);
    expect(result.brokers.map((b) => b.host).sort()).toEqual([...endpointHosts].sort());
    expect(result.brokers.every((b) => b.port === 9011)).toBe(true);
    expect(result.produced.key).toMatch(/^crossvpc-probe-/);
    expect(result.produced.offset).toBeGreaterThanOrEqual(0);
  });

  it('reports metadata-mismatch when the brokers advertise other hosts', async () => {
    await expectProbeFailure(
      probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 10_000, expectBrokerHosts: [listenerIp(0, 0), listenerIp(0, 1), listenerIp(0, 2)] }),
      ['metadata-mismatch'],
    );
  });

  it('fails when two brokers advertise each other’s endpoint IP, and recovers when fixed', async () => {
    await plane.setAdvertisedIps('inst-plain', { [listenerIp(0, 0)]: endpointIp(1), [listenerIp(0, 1)]: endpointIp(0) });
    expect(plane.advertised('inst-plain')[listenerIp(0, 0)]).toBe(endpointIp(1));
    await expectProbeFailure(
      probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 8_000, expectBrokerHosts: endpointHosts }),
      ['produce', 'consume', 'metadata-mismatch'],
    );
    await plane.setAdvertisedIps('inst-plain', correctMapping);
    const ok = await probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 30_000, expectBrokerHosts: endpointHosts });
    expect(ok.consumed).toBe(true);
  });

  it('fails to connect while allowed() says no (security group rule missing)', async () => {
    allowed = false;
    try {
      expect(await connectionOutcome(endpointIp(0), 9011)).toBe('reset');
      await expectProbeFailure(probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 5_000 }), ['metadata']);
    } finally {
      allowed = true;
    }
    expect((await probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 30_000 })).consumed).toBe(true);
  });

  it('closing an endpoint stops the forwarding; reopening restores it', async () => {
    await plane.closeEndpoint('ep-2');
    expect(await connectionOutcome(endpointIp(2), 9011)).toBe('refused');
    await expectProbeFailure(
      probeKafka({ bootstrapServers: [`${endpointIp(0)}:9011`], security, topic: 'crossvpc-probe', timeoutMs: 8_000 }),
      ['produce', 'consume'],
    );
    await plane.openEndpoint('ep-2', { listenIp: endpointIp(2), listenPort: 9011, targetIp: listenerIp(0, 2), targetPort: 9011, allowed: () => allowed });
    expect((await probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 30_000 })).consumed).toBe(true);
  });

  it('runs a second, 5-broker instance on the same data plane', async () => {
    const brokers = [0, 1, 2, 3, 4].map((b) => ({ index: b, listenerIp: listenerIp(1, b), port: 9011, portId: `p5-${b}`, advertisedIp: listenerIp(1, b) }));
    await plane.startInstance({ instanceId: 'inst-five', security, brokers });
    const eps = [0, 1, 2, 3, 4].map((b) => `${prefix}.3.${20 + b}`);
    for (const b of [0, 1, 2, 3, 4]) {
      await plane.openEndpoint(`ep5-${b}`, { listenIp: eps[b]!, listenPort: 9011, targetIp: listenerIp(1, b), targetPort: 9011, allowed: () => true });
    }
    await plane.setAdvertisedIps('inst-five', Object.fromEntries(brokers.map((b) => [b.listenerIp, eps[b.index]!])));
    const result = await probeKafka({ bootstrapServers: eps.map((e) => `${e}:9011`), security, topic: 'five', timeoutMs: 30_000, expectBrokerHosts: eps });
    expect(result.brokers).toHaveLength(5);
    expect(result.consumed).toBe(true);
    // the first instance is untouched
    expect((await probeKafka({ bootstrapServers: bootstrap, security, topic: 'crossvpc-probe', timeoutMs: 30_000, expectBrokerHosts: endpointHosts })).consumed).toBe(true);
  });
});
