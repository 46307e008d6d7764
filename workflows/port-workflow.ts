/**
 * `provisionPortEndpoint`: one broker port → one endpoint service (instance account) and one endpoint in
 * the client VPC (client account), Accepted, with its private IP. On failure or cancellation it removes what
 * it created (endpoint first, wait for 404, then the service) and ends with a typed error.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { EndpointStatus, ServiceStatus } from '../activities/types.js';
import { removePortResources } from './cleanup.js';
import { portProgressQuery, type PortPhase, type PortProgress } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { serviceNameForPort } from './input.js';
import { pollUntil } from './poll.js';
import { PortInputSchema, type PortResult } from './port-input.js';
import { otcProxies } from './proxies.js';
import { errorMessage, listText, Saga } from './saga.js';
import { CrossVpcPhase } from './search-attributes.js';

export async function provisionPortEndpoint(raw: unknown): Promise<PortResult> {
  const parsed = PortInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: `invalid port input: ${parsed.error.message}` });
  }
  const input = parsed.data;
  const { portId, instanceId } = input;
  const t = input.timeouts;
  const { forward, look, undo } = otcProxies(t);
  const crossAccount = Boolean(input.clientDomainId);

  const progress: PortProgress = { portId, phase: 'creating-service', looks: 0 };
  setHandler(portProgressQuery, () => progress);
  const phase = (p: PortPhase): void => {
    progress.phase = p;
    upsertSearchAttributes([{ key: CrossVpcPhase, value: p }]);
    setCurrentDetails(
      [
        `**port** \`${portId}\` (listener ${input.listenerIp}) — **${p}**`,
        '',
        progress.serviceId ? `- service \`${progress.serviceId}\`: ${progress.serviceStatus ?? '?'}` : '',
        progress.endpointId ? `- endpoint \`${progress.endpointId}\`: ${progress.endpointStatus ?? '?'} ${progress.endpointIp ?? ''}` : '',
        progress.error ? `- error: ${progress.error}` : '',
      ]
        .filter((line, i) => i === 1 || Boolean(line))
        .join('\n'),
    );
  };

  const saga = new Saga();
  const cleanupArgs = { instanceId, portId, serviceCredentials: input.instanceCredentials, endpointCredentials: input.clientCredentials };
  try {
    // Registered before the create: the undo finds by tag, so it is a no-op when nothing was created.
    saga.add(`removed the endpoint and endpoint service of port ${portId}`, () => removePortResources(undo, cleanupArgs, t));

    phase('creating-service');
    const serviceName = serviceNameForPort(portId);
    const svc = await forward.ensureEndpointService.executeWithOptions({ summary: `find or create endpoint service ${serviceName}` }, [
      {
        credentials: input.instanceCredentials,
        instanceId,
        portId,
        vpcId: input.instanceVpcId,
        serviceName,
        approvalEnabled: input.serviceApprovalEnabled,
      },
    ]);
    progress.serviceId = svc.serviceId;
    progress.serviceStatus = svc.status;
    if (svc.status !== 'available') {
      phase('waiting-service');
      await pollUntil<ServiceStatus, ServiceStatus>({
        what: `endpoint service ${serviceName} available`,
        schedule: t,
        check: () =>
          look.getEndpointServiceStatus.executeWithOptions({ summary: `status of service ${serviceName}` }, [
            { credentials: input.instanceCredentials, serviceId: svc.serviceId },
          ]),
        onLook: (s) => {
          progress.looks += 1;
          progress.serviceStatus = s.status;
        },
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

    if (crossAccount && input.clientDomainId) {
      phase('whitelisting');
      await forward.addWhitelist.executeWithOptions({ summary: `whitelist account ${input.clientDomainId}` }, [
        { credentials: input.instanceCredentials, serviceId: svc.serviceId, domainId: input.clientDomainId },
      ]);
    }

    phase('creating-endpoint');
    const ep = await forward.ensureEndpoint.executeWithOptions({ summary: `find or create endpoint for ${serviceName}` }, [
      {
        credentials: input.clientCredentials,
        instanceId,
        portId,
        serviceId: svc.serviceId,
        serviceName: svc.serviceName,
        vpcId: input.clientVpcId,
        subnetId: input.clientSubnetId,
      },
    ]);
    progress.endpointId = ep.endpointId;
    progress.endpointStatus = ep.status;

    let endpointIp = ep.status === 'accepted' && ep.ip ? ep.ip : undefined;
    if (!endpointIp) {
      phase('waiting-endpoint');
      let acceptSent = false;
      const accepted = await pollUntil<EndpointStatus, EndpointStatus & { ip: string }>({
        what: `endpoint ${ep.endpointId} accepted`,
        schedule: t,
        check: () =>
          look.getEndpointStatus.executeWithOptions({ summary: `status of endpoint ${ep.endpointId}` }, [
            { credentials: input.clientCredentials, endpointId: ep.endpointId },
          ]),
        onLook: (s) => {
          progress.looks += 1;
          progress.endpointStatus = s.status;
        },
        evaluate: async (s) => {
          if (s.status === 'accepted' && s.ip) return { done: true, value: { ...s, ip: s.ip } };
          if (s.status === 'pendingAcceptance' && !acceptSent) {
            // The service is ours (found by our tags): accept our own endpoint.
            phase('accepting');
            await forward.acceptEndpointConnection.executeWithOptions({ summary: `accept endpoint ${ep.endpointId} (receive)` }, [
              { credentials: input.instanceCredentials, serviceId: svc.serviceId, endpointId: ep.endpointId },
            ]);
            acceptSent = true;
            phase('waiting-endpoint');
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
    progress.endpointIp = endpointIp;
    progress.endpointStatus = 'accepted';
    phase('ready');
    return { portId, listenerIp: input.listenerIp, serviceId: svc.serviceId, serviceName: svc.serviceName, endpointId: ep.endpointId, endpointIp };
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.error = cancelled ? 'cancelled' : errorMessage(err);
    phase('compensating');
    const report = await CancellationScope.nonCancellable(() => saga.compensate());
    if (report.failed.length > 0) {
      phase('failed');
      throw ApplicationFailure.create({
        type: ErrorTypes.CompensationFailed,
        nonRetryable: true,
        message: `port ${portId}: ${progress.error}; could not undo: ${report.failed.map((f) => `${f.what} (${f.error})`).join('; ')}`,
        details: [{ portId, leftovers: report.failed, undone: report.undone }],
      });
    }
    phase('rolled_back');
    log.info('port rolled back', { portId, undone: report.undone });
    if (cancelled) throw err;
    throw ApplicationFailure.create({
      type: ErrorTypes.PortRolledBack,
      nonRetryable: true,
      message: `port ${portId}: ${progress.error}. Undone: ${listText(report.undone)}`,
      details: [{ portId, causeType: failureType(err), undone: report.undone }],
    });
  }
}

function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i += 1) {
    if (e instanceof ApplicationFailure && e.type) return e.type;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
