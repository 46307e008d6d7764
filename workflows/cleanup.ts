/**
 * Removal of one port's resources (workflow code), shared by the child's own compensation, the parent's, the
 * teardown and the heal: endpoints first, wait until they are gone, then the services (EndPoint.3006 retried
 * by the activity while endpoints are still deleting), wait until gone.
 *
 * Only what the run created goes: resources tagged for the access and port that are not in the baseline
 * (`keep…`). Known ids are deleted even when the look-up by tag fails. Each kind is reported on its own: a
 * failing endpoint step leaves the port's services in place (they are blocked while endpoints remain) and says
 * so; it does not stop other ports or kinds.
 */
import { sleep } from '@temporalio/workflow';
import type { PortCleanupArgs } from '../activities/types.js';
import type { Leftover } from './definitions.js';
import type { Polling } from './polling-input.js';
import { pollUntil } from './poll.js';
import type { OtcProxy } from './proxies.js';
import { errorMessage } from './saga.js';

export interface PortCleanupReport {
  portId: string;
  /** Deleted (and seen gone). */
  endpoints: string[];
  services: string[];
  /** What is left, with the reason (empty on success). */
  leftovers: Leftover[];
}

/** The cloud accepted these deletions; waiting to see them gone failed (deadline, or the look failed). */
class StillDeleting extends Error {
  constructor(
    readonly ids: string[],
    cause: unknown,
  ) {
    super(errorMessage(cause));
  }
}

async function stillDeletingOnFailure(ids: string[], wait: () => Promise<unknown>): Promise<void> {
  try {
    await wait();
  } catch (err) {
    throw new StillDeleting(ids, err);
  }
}

/**
 * The leftover fields of a failed removal step (here and in the teardown): ids of deletions the cloud accepted but
 * the run did not see finish are added and marked `deleting`; any other failure leaves the known ids as they are.
 */
export function failedStep(known: string[], err: unknown): Pick<Leftover, 'ids' | 'error'> & { deleting?: true } {
  if (!(err instanceof StillDeleting)) return { ids: known, error: errorMessage(err) };
  return { ids: [...new Set([...known, ...err.ids])], error: `deletion accepted, still deleting when the run stopped waiting: ${err.message}`, deleting: true };
}

/** Deletes the run's endpoints of one port and waits until they are gone. */
export async function deleteEndpoints(undo: OtcProxy, args: PortCleanupArgs, t: Polling): Promise<string[]> {
  const schedule = { ...t, deadlineMs: t.compensationDeadlineMs };
  const r = await undo.deletePortEndpoints.executeWithOptions({ summary: `delete endpoint of port ${args.portId}` }, [args]);
  const known = [...new Set([...(args.knownEndpointIds ?? []), ...r.ids])];
  if (r.ids.length > 0) {
    await stillDeletingOnFailure(r.ids, () =>
      pollUntil({
        what: `endpoint of port ${args.portId} deleted`,
        schedule,
        check: () => undo.portEndpointsRemaining.executeWithOptions({ summary: `endpoint of port ${args.portId} gone?` }, [{ ...args, knownEndpointIds: known }]),
        evaluate: (x) => (x.remaining.length === 0 ? { done: true, value: x } : { done: false }),
      }),
    );
  }
  return r.ids;
}

/** Deletes the run's endpoint services of one port and waits until they are gone. */
export async function deleteServices(undo: OtcProxy, args: PortCleanupArgs, t: Polling): Promise<string[]> {
  const schedule = { ...t, deadlineMs: t.compensationDeadlineMs };
  const r = await undo.deletePortServices.executeWithOptions({ summary: `delete endpoint service of port ${args.portId}` }, [args]);
  const known = [...new Set([...(args.knownServiceIds ?? []), ...r.ids])];
  if (r.ids.length > 0) {
    await stillDeletingOnFailure(r.ids, () =>
      pollUntil({
        what: `endpoint service of port ${args.portId} deleted`,
        schedule,
        check: () => undo.portServicesRemaining.executeWithOptions({ summary: `endpoint service of port ${args.portId} gone?` }, [{ ...args, knownServiceIds: known }]),
        evaluate: (x) => (x.remaining.length === 0 ? { done: true, value: x } : { done: false }),
      }),
    );
  }
  return r.ids;
}

/**
 * Endpoints, then services, of one port. `notBefore` (workflow time): a create in doubt may still commit until
 * then, so the sweep waits for it. `endpoints: false` / `services: false` skip a kind the run never tried to
 * create (no look-up, so a failing list cannot report leftovers on a clean cloud). Never throws: failures are in
 * `leftovers`.
 */
export async function removePortResources(
  undo: OtcProxy,
  args: PortCleanupArgs,
  t: Polling,
  o: { notBefore?: number | null; endpoints?: boolean; services?: boolean } = {},
): Promise<PortCleanupReport> {
  const report: PortCleanupReport = { portId: args.portId, endpoints: [], services: [], leftovers: [] };
  if (o.notBefore && o.notBefore > Date.now()) await sleep(o.notBefore - Date.now(), { summary: `wait for a create in doubt on port ${args.portId} to commit or lapse` });
  const endpoints = (ids: readonly string[]): Leftover['what'] => `endpoint(s) of port ${args.portId}${ids.length ? ` (${ids.join(', ')})` : ''}`;
  const services = (ids: readonly string[]): Leftover['what'] => `endpoint service(s) of port ${args.portId}${ids.length ? ` (${ids.join(', ')})` : ''}`;
  const knownEps = (args.knownEndpointIds ?? []).filter((id) => !args.keepEndpointIds.includes(id));
  const knownSvcs = (args.knownServiceIds ?? []).filter((id) => !args.keepServiceIds.includes(id));
  try {
    if (o.endpoints !== false) report.endpoints = await deleteEndpoints(undo, args, t);
  } catch (err) {
    const f = failedStep(knownEps, err);
    report.leftovers.push({ kind: 'endpoint', what: endpoints(f.ids), ...f });
    if (o.services !== false && knownSvcs.length > 0) {
      report.leftovers.push({ kind: 'endpoint-service', ids: knownSvcs, what: services(knownSvcs), error: 'not deleted: the endpoints of its port could not be removed' });
    }
    return report;
  }
  if (o.services === false) return report;
  try {
    report.services = await deleteServices(undo, args, t);
  } catch (err) {
    const f = failedStep(knownSvcs, err);
    report.leftovers.push({ kind: 'endpoint-service', what: services(f.ids), ...f });
  }
  return report;
}

/** One line for the "what was undone" report. */
export function cleanupLine(r: PortCleanupReport): string {
  const parts: string[] = [];
  if (r.endpoints.length) parts.push(`endpoint ${r.endpoints.join(', ')}`);
  if (r.services.length) parts.push(`service ${r.services.join(', ')}`);
  return parts.length ? `deleted ${parts.join(' and ')} of port ${r.portId}` : `nothing of port ${r.portId} to delete`;
}
