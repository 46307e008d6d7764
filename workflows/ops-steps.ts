/**
 * Removal steps shared by the teardown and the heal (workflow code): delete the tagged endpoints of one port
 * in one account and wait for their 404; delete the tagged services of one port and wait for their 404
 * (EndPoint.3006 is retried by the activity while endpoints are still deleting).
 */
import type { PortCleanupArgs } from '../activities/types.js';
import type { Polling } from './input.js';
import { pollUntil } from './poll.js';
import type { OtcProxy } from './proxies.js';

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
