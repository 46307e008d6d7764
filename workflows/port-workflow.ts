/**
 * `provisionPortEndpoint`: one broker port → one endpoint service (instance account) and one endpoint in the
 * client VPC (client account), accepted, with its private IP. On failure or cancellation it removes what this
 * run created on the port — nothing of its baseline — and ends with a typed error.
 *
 *  1. find or create the endpoint service (`cvpc-<port>`); wait until available
 *  2. cross-account: whitelist the client's account
 *  3. find or create the endpoint in the client VPC/subnet; wait until accepted (accept it when approval is on)
 *  4. one endpoint per port: remove extra ones a create without answer may have left
 */
import { ApplicationFailure, CancellationScope, isCancellation, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AwaitSettledArgs, EndpointStatus, EndpointView, ServiceStatus, ServiceView } from '../activities/types.js';
import { cleanupLine, removePortResources } from './cleanup.js';
import { portProgressQuery, type UndoReport } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { failureType, mayHaveMutated } from './failure-type.js';
import { settleInDoubt } from './in-doubt.js';
import { serviceNameForPort } from './ids.js';
import { pollUntil } from './poll.js';
import { PortInputSchema, type PortFailureDetails, type PortResult } from './port-input.js';
import { PortProgressTracker } from './port-progress.js';
import { otcProxies } from './proxies.js';
import { errorMessage, listText, Saga } from './saga.js';

/** The patch id of waiting in one activity (histories from before it replay on the timer path). */
export const WAIT_IN_ACTIVITY_PATCH = 'wait-in-one-activity';
/** The patch id of creating without a look first where the baseline saw nothing of the port (docs/decisions/api-calls.md). */
export const FRESH_CREATES_PATCH = 'fresh-creates';
/** The patch id of skipping the endpoint reconcile after this run's only create (docs/decisions/api-calls.md). */
export const ONE_CREATE_NO_RECONCILE_PATCH = 'one-create-no-reconcile';

export async function provisionPortEndpoint(raw: unknown): Promise<PortResult> {
  const parsed = PortInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: `invalid port input: ${parsed.error.message}` });
  }
  const input = parsed.data;
  const { portId, instanceId, baseline } = input;
  const t = input.timeouts;
  const { forward, look, undo, wait } = otcProxies(t);
  const schedule = { firstPollMs: t.firstPollMs, maxPollMs: t.maxPollMs, backoffCoefficient: t.backoffCoefficient, deadlineMs: t.deadlineMs };
  /** Waits run as one heartbeating activity each (docs/decisions/waiting.md); runs begun before poll with timers. */
  const waitInActivity = patched(WAIT_IN_ACTIVITY_PATCH);
  /** Nothing of the port existed under the instance's lock: the first creates skip their look (see EnsureServiceArgs.fresh). */
  const fresh = baseline.nameFree === true && patched(FRESH_CREATES_PATCH);
  const serviceName = serviceNameForPort(portId);
  const progress = new PortProgressTracker(portId, input.listenerIp);
  setHandler(portProgressQuery, () => progress.state);

  // What this run did, for its undo (ids known so far; a create in doubt may still commit until `doubtUntil`).
  const mine = { serviceIds: [] as string[], endpointIds: [] as string[], triedService: false, triedEndpoint: false, whitelistedOn: null as string | null, doubtUntil: null as number | null };
  const saga = new Saga();
  saga.add(`removed what this run created on port ${portId}`, 'endpoint', () => undoPort(), () => [...mine.endpointIds, ...mine.serviceIds]);
  const svcArgs = { instanceCredentials: input.instanceCredentials, instanceId, portId, vpcId: input.instanceVpcId, serviceName, approvalEnabled: input.serviceApprovalEnabled };

  try {
    // ---- 1. the endpoint service --------------------------------------------------------------------------
    progress.phase('creating-service');
    const svc: ServiceView = await settleInDoubt(
      await tracked('service', () =>
        fresh
          ? forward.ensureEndpointService.executeWithOptions({ summary: `create endpoint service ${serviceName} (none of that name existed)` }, [{ ...svcArgs, fresh: true }])
          : forward.ensureEndpointService.executeWithOptions({ summary: `find or create endpoint service ${serviceName}` }, [svcArgs]),
      ),
      {
        what: `endpoint service ${serviceName}`,
        t,
        look: () => look.findPortService.executeWithOptions({ summary: `look for endpoint service ${serviceName}` }, [svcArgs]),
        again: () => forward.ensureEndpointService.executeWithOptions({ summary: `find or create endpoint service ${serviceName}` }, [svcArgs]),
        onDoubt: (until) => (mine.doubtUntil = until ?? mine.doubtUntil),
      },
    );
    const serviceCreated = !baseline.serviceIds.includes(svc.serviceId);
    if (serviceCreated) mine.serviceIds.push(svc.serviceId);
    progress.service(svc.serviceId, svc.status);
    if (svc.status !== 'available' && waitInActivity) {
      progress.phase('waiting-service');
      const s = await awaitSettled(
        { resource: 'service', credentials: input.instanceCredentials, id: svc.serviceId, kind: 'service-available', until: ['available', 'failed', 'gone', 'deleting'], what: `endpoint service ${serviceName} available` },
        svc.createdAtMs,
      );
      progress.service(svc.serviceId, s.status, true);
      if (s.status !== 'available') throw serviceFailed(svc.serviceId, s);
    } else if (svc.status !== 'available') {
      progress.phase('waiting-service');
      await pollUntil<ServiceStatus, ServiceStatus>({
        what: `endpoint service ${serviceName} available`,
        schedule: t,
        check: () =>
          look.getEndpointServiceStatus.executeWithOptions({ summary: `status of service ${serviceName}` }, [
            { instanceCredentials: input.instanceCredentials, serviceId: svc.serviceId },
          ]),
        onLook: (s) => progress.service(svc.serviceId, s.status, true),
        evaluate: (s) => {
          if (s.status === 'available') return { done: true, value: s };
          if (s.status === 'failed' || s.status === 'gone' || s.status === 'deleting') {
            throw ApplicationFailure.create({
              type: ErrorTypes.ServiceFailed,
              nonRetryable: true,
              message: `endpoint service ${svc.serviceId} of port ${portId} is ${s.status}${s.errors?.length ? `: ${s.errors.join('; ')}` : ''}`,
            });
          }
          return { done: false };
        },
      });
    }

    // ---- 2. the whitelist (cross-account) -----------------------------------------------------------------
    let whitelistAdded = false;
    if (input.clientDomainId && !(baseline.whitelisted && !serviceCreated)) {
      progress.phase('whitelisting');
      const w = await forward.addWhitelist.executeWithOptions({ summary: `whitelist account ${input.clientDomainId}` }, [
        { instanceCredentials: input.instanceCredentials, serviceId: svc.serviceId, domainId: input.clientDomainId },
      ]);
      whitelistAdded = w.added;
      if (whitelistAdded && !serviceCreated) mine.whitelistedOn = svc.serviceId; // on a kept service, undo removes the entry again
    }

    // ---- 3. the endpoint -----------------------------------------------------------------------------------
    progress.phase('creating-endpoint');
    const epArgs = {
      clientCredentials: input.clientCredentials,
      instanceId,
      portId,
      serviceId: svc.serviceId,
      serviceName: svc.serviceName,
      vpcId: input.clientVpcId,
      subnetId: input.clientSubnetId,
    };
    let doubted = false;
    const ep: EndpointView = await settleInDoubt(
      await tracked('endpoint', () =>
        fresh && serviceCreated
          ? forward.ensureEndpoint.executeWithOptions({ summary: `create endpoint for ${serviceName} (the service is this run's own)` }, [{ ...epArgs, fresh: true }])
          : forward.ensureEndpoint.executeWithOptions({ summary: `find or create endpoint for ${serviceName}` }, [epArgs]),
      ),
      {
        what: `endpoint for ${serviceName}`,
        t,
        look: () => look.findPortEndpoint.executeWithOptions({ summary: `look for the endpoint for ${serviceName}` }, [epArgs]),
        again: () => forward.ensureEndpoint.executeWithOptions({ summary: `find or create endpoint for ${serviceName}` }, [epArgs]),
        onDoubt: (until) => {
          if (until !== null) doubted = true;
          mine.doubtUntil = until ?? mine.doubtUntil;
        },
      },
    );
    const baselineEndpointIds = baseline.endpoints.map((e) => e.endpointId);
    const endpointCreated = !baselineEndpointIds.includes(ep.endpointId);
    if (endpointCreated) mine.endpointIds.push(ep.endpointId);
    progress.endpoint(ep.endpointId, ep.status, ep.ip);

    let endpointIp = ep.status === 'accepted' && ep.ip ? ep.ip : undefined;
    if (!endpointIp && waitInActivity) {
      progress.phase('waiting-endpoint');
      let acceptSent = false;
      for (;;) {
        const s = await awaitSettled(
          {
            resource: 'endpoint',
            credentials: input.clientCredentials,
            id: ep.endpointId,
            kind: acceptSent ? 'endpoint-accepted' : 'endpoint-settled',
            until: ['accepted', ...(acceptSent ? [] : ['pendingAcceptance']), 'rejected', 'failed', 'gone', 'deleting'],
            what: `endpoint ${ep.endpointId} accepted`,
          },
          acceptSent ? undefined : ep.createdAtMs,
        );
        progress.endpoint(ep.endpointId, s.status, s.ip, true);
        if (s.status === 'accepted' && s.ip) {
          endpointIp = s.ip;
          break;
        }
        if (s.status === 'pendingAcceptance') {
          // The service is ours (found by our tags): accept our own endpoint.
          progress.phase('accepting');
          await forward.acceptEndpointConnection.executeWithOptions({ summary: `accept endpoint ${ep.endpointId} (receive)` }, [
            { instanceCredentials: input.instanceCredentials, serviceId: svc.serviceId, endpointId: ep.endpointId },
          ]);
          acceptSent = true;
          progress.phase('waiting-endpoint');
          continue;
        }
        throw endpointFailed(ep.endpointId, s);
      }
    } else if (!endpointIp) {
      progress.phase('waiting-endpoint');
      let acceptSent = false;
      const accepted = await pollUntil<EndpointStatus, EndpointStatus & { ip: string }>({
        what: `endpoint ${ep.endpointId} accepted`,
        schedule: t,
        check: () =>
          look.getEndpointStatus.executeWithOptions({ summary: `status of endpoint ${ep.endpointId}` }, [
            { clientCredentials: input.clientCredentials, endpointId: ep.endpointId },
          ]),
        onLook: (s) => progress.endpoint(ep.endpointId, s.status, s.ip, true),
        evaluate: async (s) => {
          if (s.status === 'accepted' && s.ip) return { done: true, value: { ...s, ip: s.ip } };
          if (s.status === 'pendingAcceptance' && !acceptSent) {
            // The service is ours (found by our tags): accept our own endpoint.
            progress.phase('accepting');
            await forward.acceptEndpointConnection.executeWithOptions({ summary: `accept endpoint ${ep.endpointId} (receive)` }, [
              { instanceCredentials: input.instanceCredentials, serviceId: svc.serviceId, endpointId: ep.endpointId },
            ]);
            acceptSent = true;
            progress.phase('waiting-endpoint');
            return { done: false };
          }
          if (s.status === 'rejected') {
            throw ApplicationFailure.create({ type: ErrorTypes.EndpointRejected, nonRetryable: true, message: `endpoint ${ep.endpointId} of port ${portId} was rejected` });
          }
          if (s.status === 'failed' || s.status === 'gone' || s.status === 'deleting') {
            throw ApplicationFailure.create({
              type: ErrorTypes.EndpointFailed,
              nonRetryable: true,
              message: `endpoint ${ep.endpointId} of port ${portId} is ${s.status}${s.errors?.length ? `: ${s.errors.join('; ')}` : ''}`,
            });
          }
          return { done: false };
        },
      });
      endpointIp = accepted.ip;
    }
    progress.endpoint(ep.endpointId, 'accepted', endpointIp);

    // ---- 4. one endpoint per port ------------------------------------------------------------------------
    // Not only after a create in doubt: a worker that died mid-create (before its heartbeat said so) leaves a
    // create nobody knows of, which the cloud may commit after the retry created another. Skipped only where no
    // second create can exist: this run's one create, answered on its activity's first attempt, in a run that is
    // neither a retry nor a reset of an earlier one (docs/decisions/api-calls.md).
    const reconciled = onlyEndpointOfThisRun(ep, doubted) && patched(ONE_CREATE_NO_RECONCILE_PATCH)
      ? []
      : (
          await forward.reconcilePortEndpoints.executeWithOptions({ summary: `keep one endpoint for port ${portId}${doubted ? ' (after a create in doubt)' : ''}` }, [
            { ...epArgs, keepEndpointId: ep.endpointId, baseline: baselineEndpointIds },
          ])
        ).ids;
    progress.phase('ready');
    return {
      portId,
      listenerIp: input.listenerIp,
      serviceId: svc.serviceId,
      serviceName: svc.serviceName,
      endpointId: ep.endpointId,
      endpointIp,
      created: { service: serviceCreated, endpoint: endpointCreated, whitelist: whitelistAdded },
      ...(reconciled.length ? { reconciled } : {}),
    };
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.fail(cancelled ? 'cancelled' : errorMessage(err));
    progress.phase('compensating');
    const report = await CancellationScope.nonCancellable(() => saga.compensate());
    const details: PortFailureDetails = { portId, undone: report.undone, kept: report.kept, leftovers: report.leftovers };
    const type = failureType(err);
    if (type) details.causeType = type;
    if (report.leftovers.length > 0) {
      progress.phase('failed');
      throw ApplicationFailure.create({
        type: ErrorTypes.CompensationFailed,
        nonRetryable: true,
        message: `port ${portId}: ${progress.state.error}; could not undo: ${report.leftovers.map((f) => `${f.what} (${f.error})`).join('; ')}`,
        details: [details],
      });
    }
    progress.phase('rolled_back');
    log.info('port rolled back', { instanceId, portId, undone: report.undone, kept: report.kept });
    if (cancelled) throw err;
    throw ApplicationFailure.create({
      type: ErrorTypes.PortRolledBack,
      nonRetryable: true,
      message: `port ${portId}: ${progress.state.error}. Undone: ${listText(report.undone) || 'nothing (nothing was created)'}`,
      details: [details],
    });
  }

  /**
   * One wait, one activity: it looks on the settle-aware schedule until a status of `until` (or its deadline).
   * Counted from `createdAtMs` when this run's create gave it (settle times learned from the create, not from
   * when the workflow got round to the wait), else from now.
   */
  function awaitSettled(a: Omit<AwaitSettledArgs, 'since' | 'schedule'>, createdAtMs?: number) {
    return wait.awaitSettled.executeWithOptions({ summary: `wait: ${a.what}` }, [{ ...a, since: createdAtMs ?? Date.now(), schedule }]);
  }

  /**
   * The endpoint is the only one this run can have made: created, answered, on its activity's first attempt, with
   * no create in doubt before it, in the first attempt of a run that is not a reset (a reset run repeats creates
   * the run it was reset from may have made).
   */
  function onlyEndpointOfThisRun(e: EndpointView, afterDoubt: boolean): boolean {
    const info = workflowInfo();
    return e.onlyCreate === true && !afterDoubt && info.attempt === 1 && info.runId === info.originalExecutionRunId && info.continuedFromExecutionRunId === undefined;
  }

  function serviceFailed(id: string, s: ServiceStatus): ApplicationFailure {
    return ApplicationFailure.create({
      type: ErrorTypes.ServiceFailed,
      nonRetryable: true,
      message: `endpoint service ${id} of port ${portId} is ${s.status}${s.errors?.length ? `: ${s.errors.join('; ')}` : ''}`,
    });
  }

  function endpointFailed(id: string, s: EndpointStatus): ApplicationFailure {
    if (s.status === 'rejected') return ApplicationFailure.create({ type: ErrorTypes.EndpointRejected, nonRetryable: true, message: `endpoint ${id} of port ${portId} was rejected` });
    return ApplicationFailure.create({
      type: ErrorTypes.EndpointFailed,
      nonRetryable: true,
      message: `endpoint ${id} of port ${portId} is ${s.status}${s.errors?.length ? `: ${s.errors.join('; ')}` : ''}`,
    });
  }

  /**
   * Runs the first `ensure…` of a kind and notes whether the cloud may now hold something of it: it answered,
   * or it failed or was cancelled after a create without an answer. A kind never sent is never looked up by the
   * undo (a failing list cannot then report leftovers on a clean cloud).
   */
  async function tracked<T>(kind: 'service' | 'endpoint', call: () => Promise<T>): Promise<T> {
    const mark = (): void => {
      if (kind === 'service') mine.triedService = true;
      else mine.triedEndpoint = true;
    };
    try {
      const r = await call();
      mark();
      return r;
    } catch (err) {
      if (isCancellation(err) || mayHaveMutated(err)) mark();
      throw err;
    }
  }

  /** The undo of this port: what the run created goes (after a create in doubt had its chance to commit). */
  async function undoPort(): Promise<Partial<UndoReport>> {
    if (!mine.triedService && !mine.triedEndpoint && !mine.whitelistedOn) return {};
    const out: Partial<UndoReport> & { undone: string[]; kept: string[]; leftovers: UndoReport['leftovers'] } = { undone: [], kept: [], leftovers: [] };
    const whitelistedOn = mine.whitelistedOn;
    if (whitelistedOn && input.clientDomainId) {
      try {
        const w = await undo.removeWhitelist.executeWithOptions({ summary: `remove account ${input.clientDomainId} from the whitelist` }, [
          { instanceCredentials: input.instanceCredentials, serviceId: whitelistedOn, domainId: input.clientDomainId },
        ]);
        if (w.removed) out.undone.push(`removed account ${input.clientDomainId} from the whitelist of port ${portId}`);
      } catch (e) {
        out.leftovers.push({ kind: 'whitelist', ids: [whitelistedOn], what: `whitelist entry of account ${input.clientDomainId} on service ${whitelistedOn}`, error: errorMessage(e) });
      }
    }
    const r = await removePortResources(
      undo,
      {
        instanceId,
        portId,
        instanceCredentials: input.instanceCredentials,
        clientCredentials: input.clientCredentials,
        keepServiceIds: baseline.serviceIds,
        keepEndpointIds: baseline.endpoints.map((e) => e.endpointId),
        knownServiceIds: mine.serviceIds,
        knownEndpointIds: mine.endpointIds,
      },
      t,
      { notBefore: mine.doubtUntil, endpoints: mine.triedEndpoint, services: mine.triedService },
    );
    if (r.endpoints.length || r.services.length) out.undone.push(cleanupLine(r));
    out.leftovers.push(...r.leftovers);
    for (const id of baseline.serviceIds) out.kept.push(`endpoint service ${id} of port ${portId} (there before this run)`);
    for (const e of baseline.endpoints) out.kept.push(`endpoint ${e.endpointId} of port ${portId} (there before this run)`);
    return out;
  }
}
