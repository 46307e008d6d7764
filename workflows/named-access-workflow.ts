/**
 * `provisionNamedClientVpc`: one client VPC of a **named access** (docs/decisions/named-access.md), a saga of
 * its own (`crossvpc-<instanceId>-vpc-<clientVpcId>`). It ends with that VPC verified, or leaves the cloud as it
 * found it; other client VPCs are never touched.
 *
 *  0. hold the instance (one mutating operation per instance at a time)
 *  1. read the instance and what of the access exists (the baseline); the broker names b<n>.<short-id>.<zone>
 *  2. per broker port, one child: endpoint service (shared by every VPC), whitelist (cross-account), this VPC's
 *     endpoint, accepted, its IP — in parallel with the network rules (as the single-VPC access)
 *  3. this VPC's private zone (in the client's account, bound to the VPC) and one A record per broker name →
 *     this VPC's endpoint IP of the broker's port id
 *  4. the listener switch to the names, once: only while some broker still advertises something else (the
 *     first VPC, or the migration of an IP-advertised access); after the approval gate
 *  5. verification from this VPC: a verify worker inside it (`<taskQueue>-verify-<clientVpcId>`) bootstraps
 *     with the names through its own resolver and endpoints, produces and consumes
 */
import { ApplicationFailure, CancellationScope, CancelledFailure, condition, isCancellation, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ZoneView } from '../activities/dns.js';
import type { AccessState, InstanceView, VerifyResult } from '../activities/types.js';
import { AccessProgressTracker } from './access-progress.js';
import { cancelledMessage } from './access-outcome.js';
import { AccessUndo } from './access-undo.js';
import { baselineEndpointIps } from './baseline.js';
import { brokerNames, namedBootstrap } from './broker-names.js';
import { approveSignal, progressQuery, type Leftover } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { failureType } from './failure-type.js';
import { settleInDoubt } from './in-doubt.js';
import { parseProvisionInput, type ProvisionInput } from './input.js';
import { createLockClient } from './lock.js';
import { instanceLockKey } from './lock-definitions.js';
import { advertiseAndConfirm } from './advertise.js';
import { holdTheInstance } from './hold-instance.js';
import { preflightFailure } from './preflight-failure.js';
import { buildAdvertisedMapping, MappingError } from './mapping.js';
import type { PortResult } from './port-input.js';
import { pollUntil } from './poll.js';
import { provisionPortsAndRules } from './ports-and-rules.js';
import { otcProxies, verifyProxy } from './proxies.js';
import { errorMessage, listText } from './saga.js';
import { vpcVerifyTaskQueue } from './task-queues.js';

export interface NamedAccessResult {
  status: 'verified' | 'unverified';
  instanceId: string;
  clientVpcId: string;
  zone: string;
  zoneId: string;
  /** The same in every client VPC: `b1.<short-id>.<zone>:9011,…`. */
  bootstrapServers: string;
  /** broker name → this VPC's endpoint IP. */
  records: Record<string, string>;
  ports: PortResult[];
  /** listener IP → advertised name now in force. */
  advertised: Record<string, string>;
  /** Whether this run switched the listeners to the names (the first VPC, or a migration). */
  switchedListeners: boolean;
  verification: VerifyResult | null;
  created: { zone: boolean; services: string[]; endpoints: string[] };
}

export interface NamedAccessFailureDetails {
  status: 'rolled_back' | 'failed';
  instanceId: string;
  clientVpcId: string;
  failedStep: string;
  causeType?: string;
  cause: string;
  undone: string[];
  kept: string[];
  leftovers: Leftover[];
}

type NamedInput = ProvisionInput & { clientCredentials: string; access: { mode: 'named'; zone: string } };

export async function provisionNamedClientVpc(raw: unknown): Promise<NamedAccessResult> {
  const input = validNamedInput(raw);
  const { instanceId, clientVpcId } = input;
  const zone = input.access.zone;
  const t = input.timeouts;
  const { forward, look, undo } = otcProxies(t);
  const locks = createLockClient();
  const progress = new AccessProgressTracker(instanceId);
  const undoSteps = new AccessUndo({ input, undo, t, locks });
  let approved = false;
  setHandler(progressQuery, () => progress.state);
  setHandler(approveSignal, () => void (approved = true));

  /** What the zone step knows for its undo. */
  const zoneCreated: { zoneId: string | null; maybe: boolean; existed: boolean } = { zoneId: null, maybe: false, existed: false };
  let failedStep = 'waiting for the instance';
  let holding = false;
  try {
    holding = await holdTheInstance(locks, instanceId, t.lockWaitMs, progress);

    failedStep = 'reading the instance';
    const { instance, baseline, clientSubnetCidr } = await readTheInstance();
    const names = brokerNames(instance.entries, instanceId, zone);
    const bootstrap = namedBootstrap(instance.entries, names);
    progress.set('bootstrapServers', bootstrap);

    failedStep = 'provisioning the endpoints';
    const { ports } = await provisionPortsAndRules(
      { input, t, forward, look, locks, progress, undoSteps, parentWorkflowId: workflowInfo().workflowId, onFailedStep: (step) => (failedStep = step) },
      instance,
      baseline,
      clientSubnetCidr,
    );

    failedStep = 'writing the private zone';
    const endpointIps = endpointIpsByListener(instance, ports);
    const records = Object.fromEntries(instance.entries.map((e) => [names[e.listenerIp] ?? '', endpointIps[e.listenerIp] ?? '']));
    const zoneView = await ensureZoneAndRecords(records);

    const toSwitch = instance.entries.filter((e) => e.advertisedIp !== names[e.listenerIp]).map((e) => e.listenerIp);
    let advertised = Object.fromEntries(instance.entries.map((e) => [e.listenerIp, e.advertisedIp]));
    if (toSwitch.length > 0) {
      await approvalGate();
      failedStep = 'switching the listeners to the names';
      advertised = await switchListeners(baseline.advertised, names, toSwitch);
    }

    const verification = await verifyFromThisVpc(bootstrap, Object.values(names));
    progress.phase(verification ? 'verified' : 'unverified');
    return {
      status: verification ? 'verified' : 'unverified',
      instanceId,
      clientVpcId,
      zone,
      zoneId: zoneView.zoneId,
      bootstrapServers: bootstrap,
      records,
      ports: instance.entries.map((e) => ports.get(e.portId)).filter((r): r is PortResult => r !== undefined),
      advertised,
      switchedListeners: toSwitch.length > 0,
      verification,
      created: {
        zone: zoneCreated.zoneId !== null && !zoneCreated.existed,
        services: [...ports.values()].filter((p) => p.created.service).map((p) => p.serviceId),
        endpoints: [...ports.values()].filter((p) => p.created.endpoint).map((p) => p.endpointId),
      },
    };
  } catch (err) {
    throw await compensateAndFail(err);
  } finally {
    if (holding) await locks.release(instanceLockKey(instanceId));
  }

  // ==== the steps ==========================================================================================

  async function readTheInstance(): Promise<AccessState> {
    progress.phase('reading-instance');
    const state = await look.readAccess.executeWithOptions({ summary: `read DMS instance ${instanceId} and what of the named access exists` }, [
      {
        instanceCredentials: input.instanceCredentials,
        clientCredentials: input.clientCredentials,
        instanceId,
        clientVpcId,
        clientSubnetId: input.clientSubnetId,
        ...(input.clientSubnetCidr ? { clientSubnetCidr: input.clientSubnetCidr } : {}),
        ...(input.clientDomainId ? { clientDomainId: input.clientDomainId } : {}),
      },
    ]);
    if (state.problems.length > 0) throw preflightFailure(state.problems);
    const inst = state.instance;
    const notReady = (message: string): never => {
      throw ApplicationFailure.create({ type: ErrorTypes.InstanceNotReady, nonRetryable: true, message: `${message}; nothing was created` });
    };
    if (inst.status !== 'RUNNING') notReady(`instance ${instanceId} is ${inst.status}, not RUNNING`);
    if (inst.entries.length === 0) notReady(`instance ${instanceId} has no cross_vpc_info yet`);
    if (inst.brokerNum !== null && inst.entries.length !== inst.brokerNum) notReady(`instance ${instanceId} has ${inst.brokerNum} brokers but ${inst.entries.length} cross_vpc_info entries`);
    // Ours: the listener IP itself (nothing set), our names, or our endpoint IPs (an IP-advertised access: migration).
    const names = brokerNames(inst.entries, instanceId, zone);
    const ownIps = new Set(baselineEndpointIps(state.baseline).map((p) => p.endpointIp));
    const foreign = inst.entries.filter((e) => e.advertisedIp !== e.listenerIp && e.advertisedIp !== names[e.listenerIp] && !ownIps.has(e.advertisedIp)).map((e) => `${e.listenerIp} (${e.advertisedIp})`);
    if (foreign.length > 0 && !input.force) {
      throw ApplicationFailure.create({
        type: ErrorTypes.InstanceOwnedElsewhere,
        nonRetryable: true,
        message: `instance ${instanceId} advertises addresses that are neither its listener IPs, this access's names nor its endpoint IPs on ${foreign.join(', ')}; nothing was created. Start with force to take it over.`,
      });
    }
    progress.ports(inst.entries.map((e) => ({ portId: e.portId, listenerIp: e.listenerIp, status: 'pending', workflowId: `${workflowInfo().workflowId}-port-${e.portId}` })));
    return state;
  }

  function endpointIpsByListener(inst: InstanceView, ports: Map<string, PortResult>): Record<string, string> {
    try {
      return buildAdvertisedMapping(inst.entries, [...ports.values()].map((r) => ({ portId: r.portId, endpointIp: r.endpointIp })));
    } catch (err) {
      if (err instanceof MappingError) throw ApplicationFailure.create({ type: ErrorTypes.MappingIncomplete, nonRetryable: true, message: err.message });
      throw err;
    }
  }

  async function ensureZoneAndRecords(records: Record<string, string>): Promise<ZoneView> {
    progress.phase('writing-zone');
    const zoneArgs = { clientCredentials: input.clientCredentials, instanceId, clientVpcId, zone };
    const existing = await look.findClientZone.executeWithOptions({ summary: `look for the private zone ${zone} of VPC ${clientVpcId}` }, [zoneArgs]);
    zoneCreated.existed = existing !== null;
    if (existing) zoneCreated.zoneId = existing.zoneId;
    undoSteps.zone(zoneArgs, () => zoneCreated);
    let z: ZoneView = existing ?? { zoneId: '', status: '', routers: [] };
    if (!existing) {
      zoneCreated.maybe = true;
      z = await settleInDoubt(await forward.ensureClientZone.executeWithOptions({ summary: `create the private zone ${zone} bound to VPC ${clientVpcId}` }, [zoneArgs]), {
        what: 'private zone',
        t,
        look: () => look.findClientZone.executeWithOptions({ summary: 'look for a zone created without an answer' }, [zoneArgs]),
        again: () => forward.ensureClientZone.executeWithOptions({ summary: `create the private zone ${zone} bound to VPC ${clientVpcId}` }, [zoneArgs]),
      });
      zoneCreated.zoneId = z.zoneId;
    }
    progress.set('zoneId', z.zoneId);
    const ref = { clientCredentials: input.clientCredentials, zoneId: z.zoneId };
    await pollUntil({
      what: `private zone ${z.zoneId} active`,
      schedule: t,
      check: () => look.getZoneStatus.executeWithOptions({ summary: `status of zone ${z.zoneId}` }, [ref]),
      evaluate: (s) => {
        if (s.status === 'ACTIVE') return { done: true, value: s };
        if (s.status === 'ERROR' || s.status === 'gone') throw ApplicationFailure.create({ type: ErrorTypes.OtcApiError, nonRetryable: true, message: `private zone ${z.zoneId} is ${s.status}` });
        return { done: false };
      },
    });
    const wanted = Object.entries(records).map(([name, ip]) => ({ name, ip }));
    await forward.ensureBrokerRecords.executeWithOptions({ summary: `A records: ${wanted.map((r) => `${r.name} → ${r.ip}`).join(', ')}` }, [{ ...ref, instanceId, records: wanted }]);
    await pollUntil({
      what: 'broker records active',
      schedule: t,
      check: () => look.readZoneRecords.executeWithOptions({ summary: `read the records of zone ${z.zoneId}` }, [ref]),
      evaluate: (v) => {
        const ok = wanted.every((w) => v.records.some((r) => r.name === w.name && r.status === 'ACTIVE' && r.ips.length === 1 && r.ips[0] === w.ip));
        if (ok) return { done: true, value: v };
        const failed = v.records.filter((r) => r.status === 'ERROR').map((r) => r.name);
        if (failed.length > 0) throw ApplicationFailure.create({ type: ErrorTypes.OtcApiError, nonRetryable: true, message: `record set(s) ${failed.join(', ')} of zone ${z.zoneId} are ERROR` });
        return { done: false };
      },
    });
    return z;
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

  async function switchListeners(before: Record<string, string>, names: Record<string, string>, changed: string[]): Promise<Record<string, string>> {
    progress.phase('updating-listeners');
    let doubtUntil: number | null = null;
    undoSteps.advertised({ advertised: before, ports: [], securityGroupRule: null, networkAcl: null }, () => changed, () => doubtUntil, (after) => progress.set('advertisedAfter', after));
    const mapping = Object.fromEntries(changed.map((l) => [l, names[l] ?? l]));
    return advertiseAndConfirm({
      forward,
      look,
      t,
      instanceCredentials: input.instanceCredentials,
      instanceId,
      mapping,
      what: 'broker names',
      readBack: 'names',
      onDoubt: (until) => (doubtUntil = until ?? doubtUntil),
    });
  }

  async function verifyFromThisVpc(bootstrap: string, hosts: string[]): Promise<VerifyResult | null> {
    const v = input.verify;
    if (!v.enabled) return null;
    failedStep = `verifying from VPC ${clientVpcId}`;
    progress.phase('verifying');
    return verifyProxy(v, t, vpcVerifyTaskQueue(workflowInfo().taskQueue, clientVpcId)).verifyKafka.executeWithOptions({ summary: `produce/consume from VPC ${clientVpcId} through ${bootstrap}` }, [
      {
        bootstrapServers: bootstrap,
        expectBrokerHosts: hosts,
        topic: v.topic,
        protocol: v.protocol,
        ...(v.mechanism ? { mechanism: v.mechanism } : {}),
        ...(v.secretRef ? { secretRef: v.secretRef } : {}),
        timeoutMs: v.timeoutMs,
      },
    ]);
  }

  async function compensateAndFail(err: unknown): Promise<Error> {
    const cancelled = isCancellation(err);
    const cause = cancelled ? 'cancelled' : errorMessage(err);
    progress.set('error', cause);
    if (undoSteps.size === 0) {
      progress.phase('failed');
      if (cancelled || err instanceof ApplicationFailure) return err as Error;
      return ApplicationFailure.create({ type: failureType(err) ?? 'Error', nonRetryable: true, message: `${failedStep} failed: ${cause}; nothing was created` });
    }
    progress.phase('compensating');
    log.warn('named access failed; compensating', { failedStep, cause, steps: undoSteps.pending() });
    const report = await CancellationScope.nonCancellable(() => undoSteps.compensate());
    progress.undo(report);
    const d: NamedAccessFailureDetails = {
      status: report.leftovers.length ? 'failed' : 'rolled_back',
      instanceId,
      clientVpcId,
      failedStep,
      cause,
      undone: report.undone,
      kept: report.kept,
      leftovers: report.leftovers,
    };
    const type = failureType(err);
    if (type) d.causeType = type;
    progress.phase(report.leftovers.length ? 'failed' : 'rolled_back');
    if (report.leftovers.length > 0) {
      return ApplicationFailure.create({
        type: ErrorTypes.CompensationFailed,
        nonRetryable: true,
        message: `${failedStep} failed: ${cause}. Undone: ${listText(report.undone) || 'nothing'}. NOT undone (leftovers): ${report.leftovers.map((f) => `${f.what} (${f.error})`).join('; ')}`,
        details: [d],
      });
    }
    const undone = listText(report.undone) || 'nothing (this run had created nothing)';
    if (cancelled && CancellationScope.current().consideredCancelled) return new CancelledFailure(cancelledMessage(failedStep, report.undone), [d]);
    return ApplicationFailure.create({ type: ErrorTypes.ProvisioningRolledBack, nonRetryable: true, message: `${failedStep} failed: ${cause}. Undone: ${undone}.`, details: [d] });
  }
}

function validNamedInput(raw: unknown): NamedInput {
  const parsed = parseProvisionInput(raw);
  if (!parsed.ok) throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  const i = parsed.input;
  if (i.access?.mode !== 'named') {
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: 'access.mode: must be "named" for a client VPC of a named access', details: [{ fields: ['access.mode'] }] });
  }
  return { ...i, clientCredentials: i.clientCredentials ?? i.instanceCredentials, access: { mode: 'named', zone: i.access.zone } };
}

