/**
 * `reverifyCrossVpcAccess` (started by the schedule `crossvpc-reverify-<instanceId>`, or on demand): is the
 * access still what provisioning built, and does it still carry bytes?
 *
 *  1. one look at the cloud (`discoverAccess`: tags and markers, or the `expected` ports when given)
 *  2. checks, by port id: endpoint still `accepted` with the recorded IP; the broker advertises the IP of the
 *     endpoint of **its own** port; the security-group rule (and the ACL rule where the subnet has an ACL)
 *  3. the data path on `<taskQueue>-verify`: metadata lists the endpoint IPs, produce + consume
 *  4. with `heal`: repair with the provisioning's own idempotent steps (the port child for a missing or bad
 *     endpoint, ensure the rules, re-apply the advertised-IP mapping by port id), then check once more
 *
 * Health: `broken` = the data path fails, `drifted` = control-plane drift only, `healthy` otherwise. Recorded
 * in the search attribute `CrossVpcHealth`, the memo, Current Details (a table) and the result. A healthy (or
 * healed) access completes with its report; a drifted or broken one that is not healed FAILS with the typed
 * `AccessUnhealthy` carrying the same report as details[0] (so the UI, the schedule's recent actions and
 * Temporal's failure metrics turn red; docs/decisions/access-unhealthy.md). Gated by `patched()` so histories
 * of older runs that completed drifted replay unchanged. Short history: at most two checks and one heal.
 *
 * The heal never runs the provisioning's all-or-nothing rollback on the access: a failed repair leaves the
 * rest of the access as it was (a failing port child removes only what belongs to its own port).
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  executeChild,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccessSnapshot } from '../activities/discovery.js';
import { assess, endpointOfPort, healPlan, healthOf, needsHeal, renderHealth, type Assessment, type HealPlan } from './drift.js';
import { ErrorTypes } from './errors.js';
import { settleInDoubt } from './in-doubt.js';
import { OPTIONAL_CLIENT_CREDENTIALS, portWorkflowId, serviceNameForPort } from './input.js';
import { createLockClient } from './lock.js';
import { instanceLockKey, securityGroupLockKey } from './lock-definitions.js';
import { reverifyProgressQuery, type ReverifyPhase, type ReverifyProgress } from './ops-definitions.js';
import { parseReverifyInput, type Drift, type Health, type ReverifyInput, type ReverifyResult } from './ops-input.js';
import { deleteEndpoints } from './cleanup.js';
import { provisionPortEndpoint } from './port-workflow.js';
import { otcProxies, verifyProxy } from './proxies.js';
import { accessMetrics } from './metrics.js';
import { errorMessage } from './saga.js';
import { CrossVpcHealth, CrossVpcInstanceId, CrossVpcPhase } from './search-attributes.js';

interface CheckOutcome {
  snapshot: AccessSnapshot;
  assessment: Assessment;
  health: Health;
  checkedAt: string;
}

export async function reverifyCrossVpcAccess(raw: unknown): Promise<ReverifyResult> {
  const parsed = parseReverifyInput(raw);
  if (!parsed.ok) {
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  }
  const input: ReverifyInput = parsed.input;
  const { instanceId } = input;
  const t = input.timeouts;
  const { forward, look } = otcProxies(t);
  const info = workflowInfo();
  const locks = createLockClient();

  const progress: ReverifyProgress = { instanceId, phase: 'checking', drifts: [], healActions: [] };
  setHandler(reverifyProgressQuery, () => progress);
  const phase = (p: ReverifyPhase): void => {
    progress.phase = p;
    upsertSearchAttributes([
      { key: CrossVpcInstanceId, value: instanceId },
      { key: CrossVpcPhase, value: `reverify:${p}` },
    ]);
  };
  const record = (c: CheckOutcome, extra: string[] = []): void => {
    progress.health = c.health;
    progress.drifts = c.assessment.drifts;
    upsertSearchAttributes([{ key: CrossVpcHealth, value: c.health }]);
    upsertMemo({ crossvpcHealth: c.health, crossvpcSummary: summaryLine(instanceId, c.health, c.assessment.drifts) });
    setCurrentDetails(renderHealth(instanceId, c.health, c.assessment, c.checkedAt, extra));
  };

  const check = async (expected: ReverifyInput['expected'], dataPath = true): Promise<CheckOutcome> => {
    const snapshot = await look.discoverAccess.executeWithOptions({ summary: `look at the access of ${instanceId} (tags, rules, advertised IPs)` }, [
      {
        instanceId,
        instanceCredentials: input.instanceCredentials,
        endpointCredentials: [input.clientCredentials],
        optionalEndpointCredentials: [...OPTIONAL_CLIENT_CREDENTIALS],
      },
    ]);
    const assessment = assess(snapshot, expected);
    const v = input.verify;
    if (!dataPath) {
      // control plane only (the heal's second look)
    } else if (v.enabled && assessment.dataPath && assessment.ports.some((p) => p.wantIp !== undefined)) {
      const dp = assessment.dataPath;
      const prev = progress.phase;
      phase('verifying-data-path');
      try {
        await verifyProxy(v, t).verifyKafka.executeWithOptions({ summary: `produce/consume through ${dp.bootstrapServers}` }, [
          {
            bootstrapServers: dp.bootstrapServers,
            expectBrokerHosts: dp.hosts,
            topic: v.topic,
            protocol: v.protocol,
            ...(v.mechanism ? { mechanism: v.mechanism } : {}),
            ...(v.secretRef ? { secretRef: v.secretRef } : {}),
            timeoutMs: v.timeoutMs,
          },
        ]);
      } catch (err) {
        if (isCancellation(err)) throw err;
        assessment.drifts.push({ kind: 'data-path', expected: 'metadata + produce + consume through the endpoint IPs', detail: `data path through ${dp.bootstrapServers} fails: ${errorMessage(err)}` });
      }
      phase(prev);
    } else if (v.enabled && assessment.dataPath) {
      assessment.drifts.push({ kind: 'data-path', detail: 'no endpoint of this access is known for any broker: clients cannot reach the instance through the access' });
    }
    return { snapshot, assessment, health: healthOf(assessment.drifts), checkedAt: new Date().toISOString() };
  };

  phase('checking');
  const first = await check(input.expected);
  record(first);
  const result = (c: CheckOutcome): ReverifyResult => ({
    health: c.health,
    drifts: c.assessment.drifts,
    checkedAt: c.checkedAt,
    instanceId,
    ...(c.assessment.dataPath ? { bootstrapServers: c.assessment.dataPath.bootstrapServers } : {}),
  });
  if (!input.heal || first.health === 'healthy') {
    phase('done');
    return settle(result(first));
  }

  // ---- heal (holding the instance; refused, not queued, when another operation holds it) ----------------
  phase('healing');
  const actions: string[] = [];
  progress.healActions = actions;
  const held = await locks.acquire(instanceLockKey(instanceId), 'heal', { mode: 'try', waitMs: t.lockWaitMs });
  let base = first;
  if (!held.granted) {
    const by = held.heldBy ? `${held.heldBy.operation} ${held.heldBy.workflowId}` : 'another operation';
    actions.push(`not healing: ${by} holds the instance (it converges the access itself; the next check sees the result)`);
  } else {
    try {
      // Look again now that nothing else changes the access, and heal what is still drifted.
      base = await check(input.expected, false);
      const plan = healPlan(base.assessment);
      if (!needsHeal(plan)) actions.push('no control-plane drift to repair (data path only): checking again');
      else await heal(plan, base.snapshot, actions);
    } finally {
      await locks.release(instanceLockKey(instanceId));
    }
  }

  phase('rechecking');
  // The repaired access is checked as the cloud now has it (the endpoints may be new).
  const second = await check(undefined);
  record(second, [`before heal: ${first.health} — ${first.assessment.drifts.map((d) => d.kind).join(', ')}`, ...actions.map((a) => `heal: ${a}`)]);
  phase('done');
  return settle({
    ...result(second),
    healed: second.health === 'healthy',
    beforeHeal: { health: first.health, drifts: first.assessment.drifts, checkedAt: first.checkedAt },
    healActions: actions,
  });

  /** Repairs what the plan lists, with the provisioning's idempotent steps. Never throws (but for cancellation). */
  async function heal(plan: HealPlan, snap: AccessSnapshot, actions: string[]): Promise<void> {
    const inst = snap.instance;
    if (!inst) {
      actions.push('the instance is gone: nothing to heal');
      return;
    }
    const step = async (what: string, fn: () => Promise<string>): Promise<void> => {
      try {
        actions.push(await fn());
      } catch (err) {
        if (isCancellation(err)) throw err;
        actions.push(`${what} FAILED: ${errorMessage(err)}`);
      }
    };
    const newIps = new Map<string, string>();

    // Endpoints: the port child (idempotent: finds the service by name + tags, creates the endpoint).
    if (plan.ports.length > 0) {
      const template = snap.endpoints.find((e) => e.status !== 'deleting' && e.vpcId && e.subnetId && e.status === 'accepted') ?? snap.endpoints.find((e) => e.vpcId && e.subnetId);
      if (!template?.vpcId || !template.subnetId) {
        actions.push(`cannot recreate the endpoint(s) of port(s) ${plan.ports.map((p) => p.portId).join(', ')}: no endpoint of this access is left to tell the client VPC/subnet (run the provisioning again)`);
      } else {
        const clientVpcId = template.vpcId;
        const clientSubnetId = template.subnetId;
        const endpointCredentials = template.clientCredentials;
        await Promise.all(
          plan.ports.map((p) =>
            step(`endpoint of port ${p.portId}`, async () => {
              const bad = p.purge ? snap.endpoints.filter((e) => e.portId === p.portId && (e.status === 'rejected' || e.status === 'failed')).map((e) => e.endpointId) : [];
              if (bad.length) {
                const ids = await deleteEndpoints(
                  forward,
                  { instanceId, portId: p.portId, instanceCredentials: input.instanceCredentials, clientCredentials: endpointCredentials, keepServiceIds: [], keepEndpointIds: snap.endpoints.filter((e) => e.portId === p.portId && !bad.includes(e.endpointId)).map((e) => e.endpointId), knownEndpointIds: bad },
                  t,
                );
                actions.push(`deleted the unusable endpoint(s) ${ids.join(', ')} of port ${p.portId}`);
              }
              const svc = snap.services.find((s) => s.portId === p.portId) ?? snap.services[0];
              // The heal child keeps what exists of the port (its baseline) and removes only what it creates.
              const portBaseline = {
                portId: p.portId,
                serviceIds: snap.services.filter((s) => s.portId === p.portId && s.status !== 'deleting').map((s) => s.serviceId),
                endpoints: snap.endpoints
                  .filter((e) => e.portId === p.portId && e.status !== 'deleting' && !bad.includes(e.endpointId))
                  .map((e) => ({ endpointId: e.endpointId, status: e.status, ...(e.ip ? { ip: e.ip } : {}) })),
                whitelisted: false,
              };
              const r = await executeChild(provisionPortEndpoint, {
                workflowId: portWorkflowId(info.workflowId, p.portId),
                args: [
                  {
                    instanceId,
                    portId: p.portId,
                    listenerIp: p.listenerIp,
                    instanceVpcId: inst.vpcId,
                    clientVpcId,
                    clientSubnetId,
                    ...(input.clientDomainId ? { clientDomainId: input.clientDomainId } : {}),
                    instanceCredentials: input.instanceCredentials,
                    clientCredentials: endpointCredentials,
                    serviceApprovalEnabled: svc?.approvalEnabled ?? false,
                    baseline: portBaseline,
                    timeouts: t,
                  },
                ],
                parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
                staticSummary: `heal: VPC endpoint for broker ${p.listenerIp} (port ${p.portId}, service ${serviceNameForPort(p.portId)})`,
                typedSearchAttributes: [
                  { key: CrossVpcInstanceId, value: instanceId },
                  { key: CrossVpcPhase, value: 'creating-service' },
                ],
              });
              newIps.set(p.portId, r.endpointIp);
              return `endpoint ${r.endpointId} (${r.endpointIp}) ready for port ${p.portId}`;
            }),
          ),
        );
      }
    }

    if (plan.securityGroupRule) {
      await step('security-group rule', async () => {
        const r = await locks.withLock(securityGroupLockKey(inst.securityGroupId), 'security-group-rule', t.lockWaitMs, () =>
          forward.ensureSecurityGroupRule.executeWithOptions({ summary: 'heal: ensure ingress TCP 9011 from 198.19.128.0/17' }, [
            { instanceCredentials: input.instanceCredentials, instanceId, securityGroupId: inst.securityGroupId },
          ]),
        );
        return `security-group rule ${r.ruleId ?? '?'} in place on ${inst.securityGroupId}`;
      });
    }
    if (plan.networkAcl) {
      await step('network ACL rule', async () => {
        const args = { instanceCredentials: input.instanceCredentials, instanceId, subnetId: inst.subnetId };
        const r = await settleInDoubt(await forward.ensureNetworkAclRules.executeWithOptions({ summary: 'heal: network ACL allows 9011 from VPCEP' }, [args]), {
          what: 'network ACL rules',
          t,
          look: () => look.findNetworkAclRules.executeWithOptions({ summary: 'look for our network ACL rules' }, [args]),
          again: () => forward.ensureNetworkAclRules.executeWithOptions({ summary: 'heal: network ACL allows 9011 from VPCEP' }, [args]),
        });
        return `network ACL ${r.firewallId ?? '?'} rules ${r.ruleIds.join(', ')}`;
      });
    }

    if (plan.advertised) {
      await step('advertised IPs', async () => {
        // Each broker: its own port's endpoint IP; a dangling IP with no endpoint to point to goes back to the
        // listener IP (clients inside the instance's VPC work again); anything else is left as it is.
        const mapping: Record<string, string> = {};
        for (const e of inst.entries) {
          const ip = newIps.get(e.portId) ?? endpointOfPort(snap, e.portId)?.ip;
          if (ip) mapping[e.listenerIp] = ip;
          else if (plan.dangling.includes(e.listenerIp)) mapping[e.listenerIp] = e.listenerIp;
        }
        const args = { instanceCredentials: input.instanceCredentials, instanceId, mapping };
        const r = await settleInDoubt(await forward.updateAdvertisedIps.executeWithOptions({ summary: 'heal: advertise the endpoint IP of each broker’s own port' }, [args]), {
          what: 'crossvpc/modify',
          t,
          look: async () => {
            const i = await look.readInstance.executeWithOptions({ summary: 'read the advertised IPs' }, [args]);
            return i.entries.every((e) => mapping[e.listenerIp] === undefined || mapping[e.listenerIp] === e.advertisedIp) ? { changed: true, confirmed: {} } : null;
          },
          again: () => forward.updateAdvertisedIps.executeWithOptions({ summary: 'heal: advertise the endpoint IP of each broker’s own port' }, [args]),
        });
        const changed = inst.entries.filter((e) => mapping[e.listenerIp] !== undefined && e.advertisedIp !== mapping[e.listenerIp]).map((e) => `${e.listenerIp} → ${mapping[e.listenerIp] ?? '?'}`);
        return r.changed ? `advertised IPs re-applied by port id (${changed.join(', ')})` : 'advertised IPs already right';
      });
    }
  }
}

/** Patch id of "an unhealthy result fails the run" (docs/operations.md: patch policy). */
export const ACCESS_UNHEALTHY_PATCH = 'access-unhealthy-fails-run';

/** The report of a healthy access is the result; an unhealthy one fails the run with `AccessUnhealthy`. */
function settle(r: ReverifyResult): ReverifyResult {
  accessMetrics.checked(r.instanceId, r.health);
  if (r.health === 'healthy' || !patched(ACCESS_UNHEALTHY_PATCH)) return r;
  const kinds = [...new Set(r.drifts.map((d) => d.kind))].join(', ');
  throw ApplicationFailure.create({
    type: ErrorTypes.AccessUnhealthy,
    nonRetryable: true,
    message: `access to ${r.instanceId} is ${r.health}${r.healed === false ? ' (heal did not repair it)' : ''}: ${r.drifts.length} finding(s): ${kinds}`,
    details: [r],
  });
}

function summaryLine(instanceId: string, health: Health, drifts: readonly Drift[]): string {
  if (drifts.length === 0) return `${instanceId}: ${health}`;
  const kinds = [...new Set(drifts.map((d) => d.kind))];
  return `${instanceId}: ${health} — ${drifts.length} finding(s): ${kinds.join(', ')}`;
}
