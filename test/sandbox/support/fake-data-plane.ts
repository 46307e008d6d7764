/** In-memory DataPlane for control-plane tests: records every call, starts nothing. */
import type { DataPlane, ForwardSpec, KafkaInstanceSpec } from '../../../src/sandbox/data-plane.js';

export interface FakeDataPlane extends DataPlane {
  instances: Map<string, KafkaInstanceSpec>;
  advertised: Map<string, Record<string, string>>;
  open: Map<string, ForwardSpec>;
  calls: string[];
  stopped: boolean;
  /** Makes the next setAdvertisedIps wait this long (ms). */
  applyDelayMs: number;
  /** Makes setAdvertisedIps fail. */
  failApply: boolean;
}

export function createFakeDataPlane(): FakeDataPlane {
  const fake: FakeDataPlane = {
    instances: new Map(),
    advertised: new Map(),
    open: new Map(),
    calls: [],
    stopped: false,
    applyDelayMs: 0,
    failApply: false,
    async startInstance(spec) {
      fake.calls.push(`startInstance ${spec.instanceId}`);
      fake.instances.set(spec.instanceId, spec);
      fake.advertised.set(spec.instanceId, Object.fromEntries(spec.brokers.map((b) => [b.listenerIp, b.advertisedIp])));
    },
    async setAdvertisedIps(instanceId, advertised) {
      fake.calls.push(`setAdvertisedIps ${instanceId} ${JSON.stringify(advertised)}`);
      if (fake.applyDelayMs > 0) await new Promise((r) => setTimeout(r, fake.applyDelayMs));
      if (fake.failApply) throw new Error('injected data-plane failure');
      fake.advertised.set(instanceId, { ...fake.advertised.get(instanceId), ...advertised });
    },
    async openEndpoint(endpointId, spec) {
      fake.calls.push(`openEndpoint ${endpointId} ${spec.listenIp}:${spec.listenPort}->${spec.targetIp}:${spec.targetPort}`);
      fake.open.set(endpointId, spec);
    },
    async closeEndpoint(endpointId) {
      fake.calls.push(`closeEndpoint ${endpointId}`);
      fake.open.delete(endpointId);
    },
    caPemPath: () => undefined,
    async stop() {
      fake.calls.push('stop');
      fake.stopped = true;
      fake.open.clear();
    },
  };
  return fake;
}
