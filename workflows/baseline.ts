/**
 * Ownership by baseline (pure): a run owns exactly what exists now and is not in the baseline it recorded at
 * its start. Undo keeps the baseline's resources and restores its advertised IPs.
 */
import type { AccessBaseline, PortBaseline } from '../activities/types.js';

export function portBaseline(b: AccessBaseline, portId: string): PortBaseline {
  return b.ports.find((p) => p.portId === portId) ?? { portId, serviceIds: [], endpoints: [], whitelisted: false };
}

/** An empty baseline of a port (teardown: nothing is kept). */
export function emptyPortBaseline(portId: string): PortBaseline {
  return { portId, serviceIds: [], endpoints: [], whitelisted: false };
}

/** Advertised IPs to restore: the baseline's value of every broker this run may have changed. */
export function advertisedToRestore(b: AccessBaseline, changedListeners: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of changedListeners) {
    const v = b.advertised[l];
    if (v !== undefined) out[l] = v;
  }
  return out;
}

/** Endpoint IPs of the access in the baseline, by port (for "ours or foreign" of advertised IPs). */
export function baselineEndpointIps(b: AccessBaseline): { portId: string; endpointIp: string }[] {
  return b.ports.flatMap((p) => p.endpoints.filter((e) => e.ip).map((e) => ({ portId: p.portId, endpointIp: e.ip ?? '' })));
}
