/**
 * Removal of one port's resources (workflow code), shared by the child's own compensation, the parent's,
 * the teardown and the heal: endpoints first, wait for their 404, then the services (EndPoint.3006 retried by
 * the activity while endpoints are still deleting), wait for their 404. Everything is found by the access and
 * port tags, so only resources this access created are touched.
 */
import type { PortCleanupArgs } from '../activities/types.js';
import type { Polling } from './input.js';
import { pollUntil } from './poll.js';
import type { OtcProxy } from './proxies.js';

/** Deletes the tagged endpoints of one port (in `args.endpointCredentials`' account) and waits for their 404. */
export async function deleteEndpoints(undo: OtcProxy, args: PortCleanupArgs, t: Polling): Promise<string[]> {
  const schedule = { ...t, deadlineMs: t.compensationDeadlineMs };
  const r = await undo.deletePortEndpoints.executeWithOptions({ summary: `delete endpoint of port ${args.portId} (${args.endpointCredentials})` }, [args]);
  if (r.ids.length > 0) {
    await pollUntil({
      what: `endpoint of port ${args.portId} deleted`,
      schedule,
      check: () => undo.portEndpointsRemaining.executeWithOptions({ summary: `endpoint of port ${args.portId} gone?` }, [args]),
      evaluate: (x) => (x.remaining.length === 0 ? { done: true, value: x } : { done: false }),
    });
  }
  return r.ids;
}

/** Deletes the tagged endpoint services of one port and waits for their 404. */
export async function deleteServices(undo: OtcProxy, args: PortCleanupArgs, t: Polling): Promise<string[]> {
  const schedule = { ...t, deadlineMs: t.compensationDeadlineMs };
  const r = await undo.deletePortServices.executeWithOptions({ summary: `delete endpoint service of port ${args.portId}` }, [args]);
  if (r.ids.length > 0) {
    await pollUntil({
      what: `endpoint service of port ${args.portId} deleted`,
      schedule,
      check: () => undo.portServicesRemaining.executeWithOptions({ summary: `endpoint service of port ${args.portId} gone?` }, [args]),
      evaluate: (x) => (x.remaining.length === 0 ? { done: true, value: x } : { done: false }),
    });
  }
  return r.ids;
}

/** Endpoints, then services, of one port; returns a line for the "what was undone" report. */
export async function removePortResources(undo: OtcProxy, args: PortCleanupArgs, t: Polling): Promise<string> {
  const eps = await deleteEndpoints(undo, args, t);
  const svcs = await deleteServices(undo, args, t);
  const parts: string[] = [];
  if (eps.length) parts.push(`endpoint ${eps.join(', ')}`);
  if (svcs.length) parts.push(`service ${svcs.join(', ')}`);
  return parts.length ? `deleted ${parts.join(' and ')} of port ${args.portId}` : `nothing left for port ${args.portId}`;
}
