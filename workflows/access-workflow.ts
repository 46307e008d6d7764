/**
 * `provisionCrossVpcAccess`: the seed procedure as one saga. Ends with a verified cross-VPC access or leaves
 * the cloud as it found it.
 *
 *  1. read the instance (RUNNING, one cross_vpc_info entry per broker, advertised IPs free or ours)
 *  2. one child per broker port (`<workflowId>-port-<portId>`, ParentClosePolicy.REQUEST_CANCEL), in parallel
 *     with 3. the network rules (security-group rule, network ACL rules where the subnet has an ACL)
 *  4. the listener update by port id (compensation: restore the recorded originals)
 *  5. verification on `<taskQueue>-verify`
 * Compensation order (LIFO of registration): advertised IPs → rules → endpoints (wait 404) → services.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  CancelledFailure,
  condition,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccessEndpoint, CrossVpcEntry, InstanceView, NetworkAclResult, SecurityGroupRuleResult, VerifyResult } from '../activities/types.js';
import { removePortResources } from './cleanup.js';
import { approveSignal, progressQuery, type AccessPhase, type AccessProgress, type PortProgressEntry } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { parseProvisionInput, portWorkflowId, type ProvisionInput } from './input.js';
import { bootstrapServers, buildAdvertisedMapping, classifyAdvertised, MappingError, originalAdvertised } from './mapping.js';
import { provisionPortEndpoint } from './port-workflow.js';
import type { PortResult } from './port-input.js';
import { otcProxies, verifyProxy } from './proxies.js';
import { errorMessage, listText, Saga } from './saga.js';
import { CrossVpcInstanceId, CrossVpcPhase } from './search-attributes.js';

export interface AccessResult {
  status: 'verified' | 'unverified';
  instanceId: string;
  bootstrapServers: string;
  ports: PortResult[];
  /** listener IP → advertised IP now in force. */
  advertised: Record<string, string>;
  /** listener IP → advertised IP before this access (what a rollback restores). */
  originalAdvertised: Record<string, string>;
  securityGroupRule: SecurityGroupRuleResult | null;
  networkAcl: NetworkAclResult | null;
  verification: VerifyResult | null;
}

/** `details[0]` of the access's failure (ApplicationFailure). */
export interface AccessFailureDetails {
  status: 'rolled_back' | 'failed';
  instanceId: string;
  failedStep: string;
  causeType?: string;
  cause: string;
  undone: string[];
  leftovers: { what: string; error: string }[];
  ports: PortProgressEntry[];
}

export async function provisionCrossVpcAccess(raw: unknown): Promise<AccessResult> {
  const parsed = parseProvisionInput(raw);
  if (!parsed.ok) {
    upsertSearchAttributes([{ key: CrossVpcPhase, value: 'failed' }]);
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  }
  const input: ProvisionInput = parsed.input;
  const t = input.timeouts;
  const instanceId = input.instanceId;
  const clientCredentials = input.clientCredentials ?? input.instanceCredentials;
  const { forward, look, undo } = otcProxies(t);
  const info = workflowInfo();

  const progress: AccessProgress = { instanceId, phase: 'validating', ports: [], awaitingApproval: false };
  let approved = false;
  setHandler(progressQuery, () => progress);
  setHandler(approveSignal, () => {
    approved = true;
  });

  const phase = (p: AccessPhase): void => {
    progress.phase = p;
    upsertSearchAttributes([
      { key: CrossVpcInstanceId, value: instanceId },
      { key: CrossVpcPhase, value: p },
    ]);
    renderDetails(progress);
  };

  const saga = new Saga();
  let failedStep = 'reading the instance';
  let keepOnFailure = false;
  try {
    // ---- 1. read the instance -------------------------------------------------------------------------
    phase('reading-instance');
    const inst: InstanceView = await look.readInstance.executeWithOptions({ summary: `read DMS instance ${instanceId}` }, [
      { credentials: input.instanceCredentials, instanceId },
    ]);
    checkInstance(inst);
    const entries = inst.entries;
    progress.ports = entries.map((e) => ({
      portId: e.portId,
      listenerIp: e.listenerIp,
      status: 'pending',
      workflowId: portWorkflowId(info.workflowId, e.portId),
    }));
    let ours: AccessEndpoint[] = [];
    if (entries.some((e) => e.advertisedIp !== e.listenerIp)) {
      ours = await look.findAccessEndpoints.executeWithOptions({ summary: 'find endpoints of an earlier run of this access' }, [
        { credentials: clientCredentials, instanceId },
      ]);
    }
    const ourIps = ours.filter((o) => o.ip).map((o) => ({ portId: o.portId, endpointIp: o.ip ?? '' }));
    const cls = classifyAdvertised(entries, ourIps);
    if (cls.foreign.length > 0 && !input.force) {
      throw ApplicationFailure.create({
        type: ErrorTypes.InstanceOwnedElsewhere,
        nonRetryable: true,
        message: `instance ${instanceId} already advertises other IPs on listener(s) ${cls.foreign.join(', ')} (another access owns it); nothing was created. Start with force to take it over.`,
      });
    }
    const originals = originalAdvertised(entries, ourIps);

    // ---- 2 + 3. children (one per port) and network rules, in one cancellable scope ----------------------
    failedStep = 'provisioning the endpoints';
    phase('provisioning-endpoints');
    const cleanPorts = new Set<string>(); // ports whose child already removed everything it created
    saga.add('deleted the endpoints and endpoint services', async () => {
      const todo = entries.filter((e) => !cleanPorts.has(e.portId));
      const results = await Promise.allSettled(
        todo.map((e) =>
          removePortResources(undo, { instanceId, portId: e.portId, serviceCredentials: input.instanceCredentials, endpointCredentials: clientCredentials }, t),
        ),
      );
      const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`port ${todo[i]?.portId}: ${errorMessage(r.reason)}`] : []));
      for (const e of todo) setPort(e.portId, { status: 'rolled_back' });
      if (failures.length) throw new Error(failures.join('; '));
      const n = entries.length;
      return `deleted the endpoints and endpoint services of ${n} port${n === 1 ? '' : 's'} (endpoints first, after their 404)`;
    });
    let sgRule: SecurityGroupRuleResult | null = null;
    let acl: NetworkAclResult | null = null;
    if (input.manageSecurityGroupRule) {
      saga.add('removed the security-group rule this access created', async () => {
        const r = await undo.removeSecurityGroupRule.executeWithOptions({ summary: 'remove our TCP 9011 ingress rule' }, [
          { credentials: input.instanceCredentials, instanceId, securityGroupId: inst.securityGroupId },
        ]);
        return r.ids.length ? `removed security-group rule ${r.ids.join(', ')}` : 'no security-group rule of ours to remove';
      });
    }
    if (input.manageNetworkAcl === 'auto') {
      saga.add('removed the network ACL rules this access created', async () => {
        const r = await undo.removeNetworkAclRules.executeWithOptions({ summary: 'remove our network ACL rules' }, [
          { credentials: input.instanceCredentials, instanceId, subnetId: inst.subnetId },
        ]);
        return r.ids.length ? `removed network ACL rule(s) ${r.ids.join(', ')}` : 'no network ACL rule of ours to remove';
      });
    }

    const results = new Map<string, PortResult>();
    const forwardScope = new CancellationScope();
    let firstError: unknown;
    const fail = (err: unknown): void => {
      if (firstError !== undefined) return;
      firstError = err;
      forwardScope.cancel(); // siblings stop and undo themselves
    };
    const runChild = async (e: CrossVpcEntry): Promise<void> => {
      const workflowId = portWorkflowId(info.workflowId, e.portId);
      setPort(e.portId, { status: 'provisioning' });
      try {
        const r = await executeChild(provisionPortEndpoint, {
          workflowId,
          args: [
            {
              instanceId,
              portId: e.portId,
              listenerIp: e.listenerIp,
              instanceVpcId: inst.vpcId,
              clientVpcId: input.clientVpcId,
              clientSubnetId: input.clientSubnetId,
              ...(input.clientDomainId ? { clientDomainId: input.clientDomainId } : {}),
              instanceCredentials: input.instanceCredentials,
              clientCredentials,
              serviceApprovalEnabled: input.serviceApprovalEnabled,
              timeouts: t,
            },
          ],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `VPC endpoint for broker ${e.listenerIp} (port ${e.portId})`,
          typedSearchAttributes: [
            { key: CrossVpcInstanceId, value: instanceId },
            { key: CrossVpcPhase, value: 'creating-service' },
          ],
        });
        results.set(e.portId, r);
        setPort(e.portId, { status: 'ready', serviceId: r.serviceId, endpointId: r.endpointId, endpointIp: r.endpointIp });
      } catch (err) {
        if (childCleaned(err)) cleanPorts.add(e.portId);
        setPort(e.portId, { status: isCancellation(err) ? 'cancelled' : 'failed', error: errorMessage(err) });
        fail(err);
      }
    };
    const ensureRules = async (): Promise<void> => {
      try {
        if (input.manageSecurityGroupRule) {
          sgRule = await forward.ensureSecurityGroupRule.executeWithOptions({ summary: 'ensure ingress TCP 9011 from 198.19.128.0/17' }, [
            { credentials: input.instanceCredentials, instanceId, securityGroupId: inst.securityGroupId },
          ]);
          progress.securityGroupRule = sgRule;
        }
        if (input.manageNetworkAcl === 'auto') {
          acl = await forward.ensureNetworkAclRules.executeWithOptions({ summary: 'network ACL: allow 9011 from VPCEP and client subnet' }, [
            {
              credentials: input.instanceCredentials,
              instanceId,
              subnetId: inst.subnetId,
              ...(input.clientSubnetCidr ? { clientSubnetCidr: input.clientSubnetCidr } : {}),
            },
          ]);
          progress.networkAcl = acl;
        }
        renderDetails(progress);
      } catch (err) {
        failedStep = 'ensuring the network rules';
        fail(err);
      }
    };
    await forwardScope.run(() => Promise.all([...entries.map((e) => runChild(e)), ensureRules()]));
    if (firstError !== undefined) throw firstError;

    // ---- 4. the listener update -----------------------------------------------------------------------
    failedStep = 'building the advertised-IP mapping';
    let mapping: Record<string, string>;
    try {
      mapping = buildAdvertisedMapping(entries, [...results.values()].map((r) => ({ portId: r.portId, endpointIp: r.endpointIp })));
    } catch (err) {
      if (err instanceof MappingError) throw ApplicationFailure.create({ type: ErrorTypes.MappingIncomplete, nonRetryable: true, message: err.message });
      throw err;
    }
    const bootstrap = bootstrapServers(mapping, entries);
    progress.bootstrapServers = bootstrap;

    if (input.approvalGate && !approved) {
      failedStep = 'waiting for approval';
      phase('awaiting-approval');
      progress.awaitingApproval = true;
      renderDetails(progress);
      const ok = await condition(() => approved, t.approvalTimeoutMs, { summary: 'approval gate: waiting for the approve signal' });
      progress.awaitingApproval = false;
      if (!ok) throw ApplicationFailure.create({ type: ErrorTypes.ApprovalTimeout, nonRetryable: true, message: `no approval within ${t.approvalTimeoutMs} ms` });
    }

    failedStep = 'updating the advertised IPs';
    phase('updating-listeners');
    saga.add('restored the original advertised IPs', async () => {
      const r = await undo.updateAdvertisedIps.executeWithOptions({ summary: 'restore the original advertised IPs' }, [
        { credentials: input.instanceCredentials, instanceId, mapping: originals },
      ]);
      return r.changed ? 'restored the original advertised IPs' : 'advertised IPs were unchanged';
    });
    const upd = await forward.updateAdvertisedIps.executeWithOptions({ summary: 'crossvpc/modify: advertise the endpoint IPs' }, [
      { credentials: input.instanceCredentials, instanceId, mapping },
    ]);

    // ---- 5. verification ------------------------------------------------------------------------------
    let verification: VerifyResult | null = null;
    if (input.verify.enabled) {
      failedStep = 'verifying through the endpoints';
      phase('verifying');
      const v = input.verify;
      const endpointIps = entries.map((e) => mapping[e.listenerIp] ?? '');
      try {
        verification = await verifyProxy(v, t).verifyKafka.executeWithOptions({ summary: `produce/consume through ${bootstrap}` }, [
          {
            bootstrapServers: bootstrap,
            expectBrokerHosts: endpointIps,
            topic: v.topic,
            protocol: v.protocol,
            ...(v.mechanism ? { mechanism: v.mechanism } : {}),
            ...(v.secretRef ? { secretRef: v.secretRef } : {}),
            timeoutMs: v.timeoutMs,
          },
        ]);
      } catch (err) {
        if (v.onFailure === 'keep' && !isCancellation(err)) keepOnFailure = true;
        throw err;
      }
    }
    phase(verification ? 'verified' : 'unverified');
    return {
      status: verification ? 'verified' : 'unverified',
      instanceId,
      bootstrapServers: bootstrap,
      ports: entries.map((e) => results.get(e.portId)).filter((r): r is PortResult => r !== undefined),
      advertised: upd.confirmed,
      originalAdvertised: originals,
      securityGroupRule: sgRule,
      networkAcl: acl,
      verification,
    };
  } catch (err) {
    const cancelled = isCancellation(err);
    const cause = cancelled ? 'cancelled' : errorMessage(err);
    if (keepOnFailure) {
      progress.error = cause;
      phase('failed');
      throw ApplicationFailure.create({
        type: ErrorTypes.VerificationFailedKept,
        nonRetryable: true,
        message: `verification failed (${cause}); resources kept as asked (verify.onFailure = keep)`,
        details: [details('failed', cause, err, [], [])],
      });
    }
    if (saga.size === 0) {
      // Nothing was started: fail with the original typed error.
      progress.error = cause;
      phase('failed');
      if (cancelled) throw err;
      throw err instanceof ApplicationFailure
        ? err
        : ApplicationFailure.create({ type: failureType(err), nonRetryable: true, message: `${failedStep} failed: ${cause}; nothing was created` });
    }
    progress.error = cause;
    phase('compensating');
    log.warn('provisioning failed; compensating', { failedStep, cause, steps: saga.pending() });
    const report = await CancellationScope.nonCancellable(() => saga.compensate());
    progress.undone = report.undone;
    if (report.failed.length > 0) {
      phase('failed');
      throw ApplicationFailure.create({
        type: ErrorTypes.CompensationFailed,
        nonRetryable: true,
        message: `${failedStep} failed: ${cause}. Undone: ${listText(report.undone) || 'nothing'}. NOT undone (leftovers): ${report.failed
          .map((f) => `${f.what} (${f.error})`)
          .join('; ')}`,
        details: [details('failed', cause, err, report.undone, report.failed)],
      });
    }
    phase('rolled_back');
    if (cancelled && CancellationScope.current().consideredCancelled) {
      throw new CancelledFailure(`cancelled while ${failedStep}; undone: ${listText(report.undone)}`, [details('rolled_back', cause, err, report.undone, [])]);
    }
    throw ApplicationFailure.create({
      type: ErrorTypes.ProvisioningRolledBack,
      nonRetryable: true,
      message: `${failedStep} failed: ${cause}. Undone: ${listText(report.undone)}.`,
      details: [details('rolled_back', cause, err, report.undone, [])],
    });
  }

  function setPort(portId: string, patch: Partial<PortProgressEntry>): void {
    const p = progress.ports.find((x) => x.portId === portId);
    if (p) Object.assign(p, patch);
    renderDetails(progress);
  }

  function checkInstance(inst: InstanceView): void {
    if (inst.status !== 'RUNNING') {
      throw ApplicationFailure.create({ type: ErrorTypes.InstanceNotReady, nonRetryable: true, message: `instance ${instanceId} is ${inst.status}, not RUNNING; nothing was created` });
    }
    if (inst.entries.length === 0) {
      throw ApplicationFailure.create({ type: ErrorTypes.InstanceNotReady, nonRetryable: true, message: `instance ${instanceId} has no cross_vpc_info yet; nothing was created` });
    }
    if (inst.brokerNum !== null && inst.entries.length !== inst.brokerNum) {
      throw ApplicationFailure.create({
        type: ErrorTypes.InstanceNotReady,
        nonRetryable: true,
        message: `instance ${instanceId} has ${inst.brokerNum} brokers but ${inst.entries.length} cross_vpc_info entries; nothing was created`,
      });
    }
  }

  function details(status: 'rolled_back' | 'failed', cause: string, err: unknown, undone: string[], leftovers: { what: string; error: string }[]): AccessFailureDetails {
    const d: AccessFailureDetails = { status, instanceId, failedStep, cause, undone, leftovers, ports: progress.ports };
    const type = failureType(err);
    if (type) d.causeType = type;
    return d;
  }
}

/** A child that failed cleanly (its own compensation completed): PortRolledBack, or cancelled after undo. */
function childCleaned(err: unknown): boolean {
  if (!(err instanceof ChildWorkflowFailure)) return false;
  const c = err.cause;
  return (c instanceof ApplicationFailure && c.type === ErrorTypes.PortRolledBack) || c instanceof CancelledFailure;
}

/** The innermost meaningful ApplicationFailure type along the cause chain. */
function failureType(err: unknown): string {
  let found = 'Error';
  let e: unknown = err;
  for (let i = 0; i < 6 && e instanceof Error; i += 1) {
    if (e instanceof ApplicationFailure && e.type) {
      found = e.type;
      // A port's rollback wrapper carries the real cause type in its details.
      const d = e.details?.[0] as { causeType?: unknown } | undefined;
      if (e.type === ErrorTypes.PortRolledBack && d && typeof d.causeType === 'string') return d.causeType;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return found;
}

function renderDetails(p: AccessProgress): void {
  const lines = [`**${p.instanceId}** — phase **${p.phase}**`];
  if (p.bootstrapServers) lines.push(`bootstrap: \`${p.bootstrapServers}\``);
  if (p.awaitingApproval) lines.push('⏸ waiting for the `approve` signal before switching advertised IPs');
  lines.push('', '| port | listener | status | endpoint IP |', '|---|---|---|---|');
  for (const port of p.ports) lines.push(`| \`${port.portId}\` | ${port.listenerIp} | ${port.status} | ${port.endpointIp ?? ''} |`);
  if (p.error) lines.push('', `error: ${p.error}`);
  if (p.undone?.length) lines.push('', `undone: ${p.undone.join('; ')}`);
  setCurrentDetails(lines.join('\n'));
}
