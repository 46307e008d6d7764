/**
 * `provisionCrossVpcAccess`: the seed procedure "Accessing Kafka Using a VPC Endpoint Across VPCs" as one saga.
 * It ends with a verified access, or leaves the cloud exactly as the run found it (its baseline).
 *
 *  0. hold the instance: one mutating operation per instance at a time (workflows/lock-workflow.ts)
 *  1. read the instance's cross-VPC listener IPs and port ids, and what of this access exists already
 *  2. per broker port, one child: endpoint service, whitelist (cross-account), endpoint in the client VPC,
 *     accepted, its IP — in parallel with
 *  3. allowing 198.19.128.0/17 on TCP 9011 (security group; network ACL where the subnet has one)
 *  4. switching each broker's advertised IP to the endpoint IP of its own port id (after the approval gate)
 *  5. verifying: produce and consume through the endpoint IPs
 *  6. migration of a named access back to IPs (`access.mode: "ip"` while the brokers advertise this access's
 *     names; only with exactly one client VPC attached, else refused before any change): steps 1–5 adopt that
 *     VPC's endpoints and switch the brokers to their IPs; once verified, the VPC's private zone is deleted
 *     (patch `migrate-names-to-ip`; docs/decisions/named-access.md). An IP run with `access.mode: "ip"` given
 *     looks for such a zone too (the re-run of a migration whose zone could not be deleted).
 *
 * Bookkeeping lives elsewhere: progress and rendering (access-progress.ts), the undo against the baseline
 * (access-undo.ts), child inputs (port-requests.ts), result shapes (access-outcome.ts).
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccessBaseline, AccessState, InstanceView, VerifyResult } from '../activities/types.js';
import { AccessProgressTracker } from './access-progress.js';
import { AccessUndo } from './access-undo.js';
import { cancelledMessage, type AccessFailureDetails, type AccessResult } from './access-outcome.js';
import { baselineEndpointIps } from './baseline.js';
import { brokerNames, DEFAULT_ACCESS_ZONE } from './broker-names.js';
import { approveSignal, progressQuery, type Leftover, type UndoReport } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { failureType } from './failure-type.js';
import { OPTIONAL_CLIENT_CREDENTIALS, parseProvisionInput, portWorkflowId, type ProvisionInput } from './input.js';
import { createLockClient } from './lock.js';
import { instanceLockKey } from './lock-definitions.js';
import { advertiseAndConfirm } from './advertise.js';
import { holdTheInstance } from './hold-instance.js';
import { preflightFailure } from './preflight-failure.js';
import { bootstrapServers, buildAdvertisedMapping, classifyAdvertised, MappingError } from './mapping.js';
import type { PortResult } from './port-input.js';
import { pollUntil } from './poll.js';
import { provisionPortsAndRules } from './ports-and-rules.js';
import { otcProxies, verifyProxy } from './proxies.js';
import { errorMessage, listText } from './saga.js';

export type { AccessFailureDetails, AccessResult } from './access-outcome.js';

/** Patch id: an IP provisioning (`access.mode: "ip"`) of a named access of one VPC migrates it back to IPs. */
export const MIGRATE_NAMES_TO_IP_PATCH = 'migrate-names-to-ip';

/**
 * Patch id: a run cancelled before it started anything ends with its report (the step it was in, nothing undone,
 * nothing left) like every other cancelled run, instead of the bare cancellation (no step, no report in its memo).
 */
export const CANCEL_REPORT_PATCH = 'cancel-before-creating-reports';

export async function provisionCrossVpcAccess(raw: unknown): Promise<AccessResult> {
  const input = validInput(raw);
  const { instanceId } = input;
  const t = input.timeouts;
  const { forward, look, undo } = otcProxies(t);
  const locks = createLockClient();
  const progress = new AccessProgressTracker(instanceId);
  const undoSteps = new AccessUndo({ input, undo, t, locks });
  let approved = false;
  setHandler(progressQuery, () => progress.state);
  setHandler(approveSignal, () => void (approved = true));

  let failedStep = 'waiting for the instance';
  let keepOnFailure = false;
  let holding = false;
  /** The brokers advertise this access's names: this run migrates the named access back to IPs. */
  let migrating = false;
  const zone = input.access?.zone ?? DEFAULT_ACCESS_ZONE;
  try {
    // ---- 0. one mutating operation per instance at a time ------------------------------------------------
    holding = await holdTheInstance(locks, instanceId, t.lockWaitMs, progress);

    // ---- 1. the instance: listener IPs, port ids, and what of this access exists (the baseline) ----------
    failedStep = 'reading the instance';
    const { instance, baseline, clientSubnetCidr } = await readTheInstance();

    // ---- 2 + 3. one child per broker port, and the network rules, in parallel ---------------------------
    failedStep = 'provisioning the endpoints';
    const { ports, rules } = await provisionPortsAndRules(
      { input, t, forward, look, locks, progress, undoSteps, parentWorkflowId: workflowIdOf(), onFailedStep: (step) => (failedStep = step) },
      instance,
      baseline,
      clientSubnetCidr,
    );

    // ---- 4. advertised IPs by port id (after the approval gate) ----------------------------------------
    failedStep = 'building the advertised-IP mapping';
    const mapping = mappingByPortId(instance, ports);
    const bootstrap = bootstrapServers(mapping, instance.entries);
    progress.set('bootstrapServers', bootstrap);
    progress.set('advertisedChange', instance.entries.map((e) => ({ listenerIp: e.listenerIp, portId: e.portId, before: e.advertisedIp, after: mapping[e.listenerIp] ?? e.advertisedIp })));
    await approvalGate();
    failedStep = 'updating the advertised IPs';
    const advertised = await switchAdvertisedIps(instance, baseline, mapping);

    // ---- 5. produce and consume through the endpoint IPs -------------------------------------------------
    const verification = await verifyThroughEndpoints(instance, mapping, bootstrap);

    // ---- 6. a migration back from names: the VPC's private zone goes once the IPs are verified -------------
    const retired = (migrating || input.access?.mode === 'ip') && patched(MIGRATE_NAMES_TO_IP_PATCH) ? await CancellationScope.nonCancellable(retireTheZone) : undefined;

    progress.phase(verification ? 'verified' : 'unverified');
    return {
      status: verification ? 'verified' : 'unverified',
      instanceId,
      bootstrapServers: bootstrap,
      ports: instance.entries.map((e) => ports.get(e.portId)).filter((r): r is PortResult => r !== undefined),
      advertised,
      originalAdvertised: baseline.advertised,
      securityGroupRule: rules.securityGroupRule,
      networkAcl: rules.networkAcl,
      verification,
      created: {
        services: [...ports.values()].filter((p) => p.created.service).map((p) => p.serviceId),
        endpoints: [...ports.values()].filter((p) => p.created.endpoint).map((p) => p.endpointId),
        securityGroupRule: rules.createdRule,
        aclRules: (rules.networkAcl?.ruleIds ?? []).filter((id) => !(baseline.networkAcl?.ruleIds ?? []).includes(id)),
      },
      kept: keptOf(baseline),
      ...(retired && (migrating || retired.zoneId || retired.leftovers.length) ? { migratedFromNames: { zone, zoneId: retired.zoneId } } : {}),
      ...(retired?.leftovers.length ? { leftovers: retired.leftovers } : {}),
    };
  } catch (err) {
    const failure = await compensateAndFail(err);
    const d = (failure instanceof ApplicationFailure || failure instanceof CancelledFailure ? failure.details?.[0] : undefined) as AccessFailureDetails | undefined;
    if (d) progress.report(d);
    throw failure;
  } finally {
    if (holding) await locks.release(instanceLockKey(instanceId));
  }

  // ==== the steps ==========================================================================================

  async function readTheInstance(): Promise<AccessState> {
    progress.phase('reading-instance');
    const state = await look.readAccess.executeWithOptions({ summary: `read DMS instance ${instanceId}, what of the access exists, and check before creating` }, [
      {
        instanceCredentials: input.instanceCredentials,
        clientCredentials: input.clientCredentials,
        instanceId,
        clientVpcId: input.clientVpcId,
        clientSubnetId: input.clientSubnetId,
        ...(input.clientSubnetCidr ? { clientSubnetCidr: input.clientSubnetCidr } : {}),
        ...(input.clientDomainId ? { clientDomainId: input.clientDomainId } : {}),
      },
    ]);
    if (state.problems.length > 0) throw preflightFailure(state.problems);
    checkInstance(state.instance);
    const cls = classifyAdvertised(state.instance.entries, baselineEndpointIps(state.baseline));
    if (cls.foreign.length > 0 && advertisesOurNames(state.instance, cls.foreign) && input.access?.mode === 'ip' && patched(MIGRATE_NAMES_TO_IP_PATCH)) {
      await refuseUnlessOneVpc(state.instance);
      migrating = true;
    } else if (cls.foreign.length > 0 && !input.force) {
      const hint = advertisesOurNames(state.instance, cls.foreign) ? ' They are this access\'s broker names (a named access): to move it back to IPs, provision with access.mode "ip" (--access-mode ip).' : '';
      throw ApplicationFailure.create({
        type: ErrorTypes.InstanceOwnedElsewhere,
        nonRetryable: true,
        message: `instance ${instanceId} already advertises other IPs on listener(s) ${cls.foreign.join(', ')} (another access owns it); nothing was created. Start with force to take it over.${hint}`,
      });
    }
    progress.ports(
      state.instance.entries.map((e) => ({ portId: e.portId, listenerIp: e.listenerIp, status: 'pending', workflowId: portWorkflowId(workflowIdOf(), e.portId) })),
    );
    return state;
  }

  /** Every listener in `listeners` advertises this access's broker name. */
  function advertisesOurNames(inst: InstanceView, listeners: string[]): boolean {
    const names = brokerNames(inst.entries, instanceId, zone);
    return listeners.every((l) => inst.entries.some((e) => e.listenerIp === l && e.advertisedIp === names[l]));
  }

  /**
   * Back to IPs needs exactly one client VPC: the brokers can advertise the endpoint IPs of one VPC only. Any
   * endpoint attached to the access's services from another VPC (any account: read on the provider side) refuses
   * the migration before anything changes, naming what to remove first.
   */
  async function refuseUnlessOneVpc(inst: InstanceView): Promise<void> {
    const attached = await look.attachedEndpoints.executeWithOptions({ summary: `client VPCs attached to the named access of ${instanceId} (provider side)` }, [
      { instanceCredentials: input.instanceCredentials, clientCredentials: input.clientCredentials, optionalClientCredentials: [...OPTIONAL_CLIENT_CREDENTIALS], instanceId, portIds: inst.entries.map((e) => e.portId) },
    ]);
    const others = attached.endpoints.filter((e) => e.vpcId !== input.clientVpcId);
    if (others.length === 0) return;
    const unseen = new Map<string, string[]>();
    for (const e of others.filter((x) => !x.vpcId)) unseen.set(e.domainId ?? '(unknown)', [...(unseen.get(e.domainId ?? '(unknown)') ?? []), e.endpointId]);
    const vpcs = [
      ...[...new Set(others.flatMap((e) => (e.vpcId ? [`VPC ${e.vpcId}`] : [])))].sort(),
      ...[...unseen].map(([account, ids]) => `VPC(s) of account ${account} this worker cannot see (endpoints ${ids.sort().join(', ')})`),
    ];
    throw preflightFailure([
      {
        field: 'access.mode',
        message: `the named access of ${instanceId} has other client VPCs attached besides ${input.clientVpcId}: ${vpcs.join(', ')}; the brokers can advertise the endpoint IPs of one VPC only, so nothing was changed`,
        hint: 'remove the other client VPCs first (crossvpc remove-client --client-vpc-id ID), then migrate back with --access-mode ip',
      },
    ]);
  }

  /**
   * The private zone of the client VPC (found by name, router and our tag), deleted and gone once the brokers
   * advertise the verified endpoint IPs. Forward-only: the IP access works without it, so a zone that cannot be
   * deleted is a leftover of a verified access (a re-run deletes it), never a reason to undo the switch.
   */
  async function retireTheZone(): Promise<{ zoneId: string | null; leftovers: Leftover[] }> {
    failedStep = 'deleting the private zone of the names';
    progress.phase('retiring-zone');
    const zoneArgs = { clientCredentials: input.clientCredentials, instanceId, clientVpcId: input.clientVpcId, zone };
    let zoneId: string | null = null;
    try {
      const z = await look.findClientZone.executeWithOptions({ summary: `find the private zone ${zone} of VPC ${input.clientVpcId}` }, [zoneArgs]).catch((err: unknown) => {
        // Not migrating (an IP access asked for by mode, e.g. the re-run of a migration): a zone is only looked
        // for; a cloud without DNS (or without the permission) has none of ours.
        if (migrating) throw err;
        log.info('no private zone looked for (DNS not available to the client credentials)', { cause: errorMessage(err) });
        return null;
      });
      if (!z) return { zoneId: null, leftovers: [] };
      zoneId = z.zoneId;
      const ref = { clientCredentials: input.clientCredentials, zoneId: z.zoneId };
      await undo.deleteClientZone.executeWithOptions({ summary: `delete private zone ${z.zoneId} (the names are no longer advertised)` }, [ref]);
      await pollUntil({
        what: `private zone ${z.zoneId} gone`,
        schedule: { ...t, deadlineMs: t.compensationDeadlineMs },
        check: () => look.getZoneStatus.executeWithOptions({ summary: `status of zone ${z.zoneId}` }, [ref]),
        evaluate: (st) => (st.status === 'gone' ? { done: true, value: st } : { done: false }),
      });
      return { zoneId, leftovers: [] };
    } catch (err) {
      log.warn('migration back to IPs: the private zone could not be deleted', { zoneId, cause: errorMessage(err) });
      return { zoneId: null, leftovers: [{ kind: 'dns-zone', ids: zoneId ? [zoneId] : [], what: `private zone ${zone} of VPC ${input.clientVpcId}${zoneId ? ` (${zoneId})` : ''}`, error: errorMessage(err) }] };
    }
  }

  function mappingByPortId(inst: InstanceView, ports: Map<string, PortResult>): Record<string, string> {
    try {
      return buildAdvertisedMapping(inst.entries, [...ports.values()].map((r) => ({ portId: r.portId, endpointIp: r.endpointIp })));
    } catch (err) {
      if (err instanceof MappingError) throw ApplicationFailure.create({ type: ErrorTypes.MappingIncomplete, nonRetryable: true, message: err.message });
      throw err;
    }
  }

  async function approvalGate(): Promise<void> {
    if (!input.approvalGate || approved) return;
    failedStep = 'waiting for approval';
    progress.set('awaitingApproval', true);
    progress.phase('awaiting-approval');
    const ok = await condition(() => approved, t.approvalTimeoutMs, { summary: 'approval gate: waiting for the approve signal' });
    progress.set('awaitingApproval', false);
    if (!ok) throw ApplicationFailure.create({ type: ErrorTypes.ApprovalTimeout, nonRetryable: true, message: `no approval within ${t.approvalTimeoutMs} ms` });
  }

  async function switchAdvertisedIps(inst: InstanceView, baseline: AccessBaseline, mapping: Record<string, string>): Promise<Record<string, string>> {
    progress.phase('updating-listeners');
    const changed = inst.entries.filter((e) => mapping[e.listenerIp] !== baseline.advertised[e.listenerIp]).map((e) => e.listenerIp);
    let doubtUntil: number | null = null;
    undoSteps.advertised(baseline, () => changed, () => doubtUntil, (after) => progress.set('advertisedAfter', after));
    return advertiseAndConfirm({
      forward,
      look,
      t,
      instanceCredentials: input.instanceCredentials,
      instanceId,
      mapping,
      what: 'endpoint IPs',
      readBack: 'IPs',
      onDoubt: (until) => (doubtUntil = until ?? doubtUntil),
    });
  }

  async function verifyThroughEndpoints(inst: InstanceView, mapping: Record<string, string>, bootstrap: string): Promise<VerifyResult | null> {
    const v = input.verify;
    if (!v.enabled) return null;
    failedStep = 'verifying through the endpoints';
    progress.phase('verifying');
    try {
      return await verifyProxy(v, t).verifyKafka.executeWithOptions({ summary: `produce/consume through ${bootstrap}` }, [
        {
          bootstrapServers: bootstrap,
          expectBrokerHosts: inst.entries.map((e) => mapping[e.listenerIp] ?? ''),
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

  // ==== failure: undo what this run created, report the truth ============================================

  async function compensateAndFail(err: unknown): Promise<Error> {
    const cancelled = isCancellation(err);
    const cause = cancelled ? 'cancelled' : errorMessage(err);
    progress.set('error', cause);
    if (keepOnFailure) {
      progress.phase('failed');
      return ApplicationFailure.create({
        type: ErrorTypes.VerificationFailedKept,
        nonRetryable: true,
        message: `verification failed (${cause}); resources kept as asked (verify.onFailure = keep)`,
        details: [details('failed', cause, err, { undone: [], kept: [], leftovers: [] })],
      });
    }
    if (undoSteps.size === 0) {
      // Nothing was started. Cancelled: rolled back (the cloud is as the run found it), with its report.
      if (cancelled && patched(CANCEL_REPORT_PATCH)) {
        progress.phase('rolled_back');
        return new CancelledFailure(cancelledMessage(failedStep, []), [details('rolled_back', cause, err, { undone: [], kept: [], leftovers: [] })]);
      }
      // Else fail with the original typed error.
      progress.phase('failed');
      if (cancelled) return err as Error;
      const preflight = preflightOf(err);
      if (preflight) return preflight;
      return err instanceof ApplicationFailure
        ? err
        : ApplicationFailure.create({ type: failureType(err) ?? 'Error', nonRetryable: true, message: `${failedStep} failed: ${cause}; nothing was created` });
    }
    progress.phase('compensating');
    log.warn('provisioning failed; compensating', { instanceId, failedStep, cause, steps: undoSteps.pending() });
    const report = await CancellationScope.nonCancellable(() => undoSteps.compensate());
    progress.undo(report);
    const d = details(report.leftovers.length ? 'failed' : 'rolled_back', cause, err, report);
    if (report.leftovers.length > 0) {
      progress.phase('failed');
      return ApplicationFailure.create({
        type: ErrorTypes.CompensationFailed,
        nonRetryable: true,
        message: `${failedStep} failed: ${cause}. Undone: ${listText(report.undone) || 'nothing'}. NOT undone (leftovers): ${report.leftovers.map((f) => `${f.what} (${f.error})`).join('; ')}`,
        details: [d],
      });
    }
    progress.phase('rolled_back');
    const undone = listText(report.undone) || 'nothing (this run had created nothing)';
    if (cancelled && CancellationScope.current().consideredCancelled) return new CancelledFailure(cancelledMessage(failedStep, report.undone), [d]);
    return ApplicationFailure.create({ type: ErrorTypes.ProvisioningRolledBack, nonRetryable: true, message: `${failedStep} failed: ${cause}. Undone: ${undone}.`, details: [d] });
  }

  function details(status: AccessFailureDetails['status'], cause: string, err: unknown, report: UndoReport): AccessFailureDetails {
    const d: AccessFailureDetails = { status, instanceId, failedStep, cause, undone: report.undone, kept: report.kept, leftovers: report.leftovers, ports: progress.state.ports };
    const type = failureType(err);
    if (type) d.causeType = type;
    if (progress.state.advertisedAfter) d.advertisedAfter = progress.state.advertisedAfter;
    return d;
  }

  function checkInstance(inst: InstanceView): void {
    const notReady = (message: string): never => {
      throw ApplicationFailure.create({ type: ErrorTypes.InstanceNotReady, nonRetryable: true, message: `${message}; nothing was created` });
    };
    if (inst.status !== 'RUNNING') notReady(`instance ${instanceId} is ${inst.status}, not RUNNING`);
    if (inst.entries.length === 0) notReady(`instance ${instanceId} has no cross_vpc_info yet`);
    if (inst.brokerNum !== null && inst.entries.length !== inst.brokerNum) notReady(`instance ${instanceId} has ${inst.brokerNum} brokers but ${inst.entries.length} cross_vpc_info entries`);
  }
}

function validInput(raw: unknown): ProvisionInput & { clientCredentials: string } {
  const parsed = parseProvisionInput(raw);
  if (!parsed.ok) throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  return { ...parsed.input, clientCredentials: parsed.input.clientCredentials ?? parsed.input.instanceCredentials };
}

function workflowIdOf(): string {
  return workflowInfo().workflowId;
}

/** A preflight failure raised inside the first activity, as the access's own failure. */
function preflightOf(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 3; i += 1, e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type === ErrorTypes.PreflightFailed) return e;
  }
  return undefined;
}

function keptOf(b: AccessBaseline): string[] {
  const out: string[] = [];
  for (const p of b.ports) {
    for (const s of p.serviceIds) out.push(`endpoint service ${s} of port ${p.portId}`);
    for (const e of p.endpoints) out.push(`endpoint ${e.endpointId} of port ${p.portId}`);
  }
  if (b.securityGroupRule) out.push(`security-group rule ${b.securityGroupRule.ruleId}`);
  for (const r of b.networkAcl?.ruleIds ?? []) out.push(`network ACL rule ${r}`);
  return out;
}
