/**
 * The advertised-IP mapping, built by port id (never by position) and covering every broker. Pure.
 */
export interface ListenerEntry {
  listenerIp: string;
  advertisedIp: string;
  portId: string;
}
export interface PortEndpoint {
  portId: string;
  endpointIp: string;
}

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** `listenerIp → endpointIp` for every broker; throws MappingError on any gap, duplicate or stranger. */
export function buildAdvertisedMapping(entries: readonly ListenerEntry[], ports: readonly PortEndpoint[]): Record<string, string> {
  if (entries.length === 0) throw new MappingError('the instance has no cross_vpc_info entries');
  const byPort = new Map<string, string>();
  for (const p of ports) {
    if (byPort.has(p.portId)) throw new MappingError(`two endpoints for port ${p.portId}`);
    if (!p.endpointIp) throw new MappingError(`endpoint of port ${p.portId} has no IP`);
    byPort.set(p.portId, p.endpointIp);
  }
  const seenPorts = new Set<string>();
  const seenIps = new Set<string>();
  const mapping: Record<string, string> = {};
  for (const e of entries) {
    if (seenPorts.has(e.portId)) throw new MappingError(`port ${e.portId} appears twice in cross_vpc_info`);
    seenPorts.add(e.portId);
    const ip = byPort.get(e.portId);
    if (!ip) throw new MappingError(`no endpoint for port ${e.portId} (listener ${e.listenerIp})`);
    if (seenIps.has(ip)) throw new MappingError(`endpoint IP ${ip} would be advertised by two brokers`);
    seenIps.add(ip);
    mapping[e.listenerIp] = ip;
  }
  for (const p of ports) {
    if (!seenPorts.has(p.portId)) throw new MappingError(`endpoint for port ${p.portId} matches no broker of the instance`);
  }
  return mapping;
}

/**
 * Which advertised IPs does this access own already? A broker is free when it advertises its listener IP,
 * ours when it advertises the IP of our own endpoint for its port, foreign otherwise.
 */
export function classifyAdvertised(
  entries: readonly ListenerEntry[],
  ours: readonly PortEndpoint[],
): { free: string[]; ours: string[]; foreign: string[] } {
  const byPort = new Map(ours.map((p) => [p.portId, p.endpointIp] as const));
  const out = { free: [] as string[], ours: [] as string[], foreign: [] as string[] };
  for (const e of entries) {
    if (e.advertisedIp === e.listenerIp) out.free.push(e.listenerIp);
    else if (byPort.get(e.portId) === e.advertisedIp) out.ours.push(e.listenerIp);
    else out.foreign.push(e.listenerIp);
  }
  return out;
}

export function bootstrapServers(mapping: Record<string, string>, entries: readonly { listenerIp: string; port: number }[]): string {
  return entries.map((e) => `${mapping[e.listenerIp] ?? e.listenerIp}:${e.port}`).join(',');
}
