/**
 * Removal of one port's resources, shared by the child's own compensation and the parent's: endpoints
 * first, wait for their 404, then the services (EndPoint.3006 retried by the activity), wait for 404.
 * Everything is found by the access and port tags, so only resources this access created are touched.
 * Workflow code.
 */
import type { PortCleanupArgs } from '../activities/types.js';
import type { Polling } from './input.js';
import { pollUntil } from './poll.js';
import type { OtcProxy } from './proxies.js';

export async function removePortResources(undo: OtcProxy, args: PortCleanupArgs, t: Polling): Promise<string> {
  const schedule = { ...t, deadlineMs: t.compensationDeadlineMs };
  const eps = await undo.deletePortEndpoints.executeWithOptions({ summary: `delete endpoint of port ${args.portId}` }, [args]);
  if (eps.ids.length > 0) {
    await pollUntil({
      what: `endpoint of port ${args.portId} deleted`,
      schedule,
      check: () => undo.portEndpointsRemaining.executeWithOptions({ summary: `endpoint of port ${args.portId} gone?` }, [args]),
      evaluate: (r) => (r.remaining.length === 0 ? { done: true, value: r } : { done: false }),
    });
  }
  const svcs = await undo.deletePortServices.executeWithOptions({ summary: `delete endpoint service of port ${args.portId}` }, [args]);
  if (svcs.ids.length > 0) {
    await pollUntil({
      what: `endpoint service of port ${args.portId} deleted`,
      schedule,
      check: () => undo.portServicesRemaining.executeWithOptions({ summary: `endpoint service of port ${args.portId} gone?` }, [args]),
      evaluate: (r) => (r.remaining.length === 0 ? { done: true, value: r } : { done: false }),
    });
  }
  const parts: string[] = [];
  if (eps.ids.length) parts.push(`endpoint ${eps.ids.join(', ')}`);
  if (svcs.ids.length) parts.push(`service ${svcs.ids.join(', ')}`);
  return parts.length ? `deleted ${parts.join(' and ')} of port ${args.portId}` : `nothing left for port ${args.portId}`;
}
