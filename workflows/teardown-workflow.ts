/**
 * `teardownCrossVpcAccess` (workflow id `crossvpc-teardown-<instanceId>`): undoes an access, finding its
 * resources **in the cloud** (tags and description markers carrying the access id), never in a workflow's
 * history, so it works months later and on a half-provisioned access.
 *
 *  0. a provisioning run `crossvpc-<instanceId>` still running is cancelled first, and awaited: its own
 *     rollback runs; whatever it leaves is cleaned below
 *  1. discover: the instance, tagged services (instance account), tagged endpoints (instance and client
 *     accounts), marked security-group and network ACL rules
 *  2. brokers advertising one of this access's endpoint IPs go back to their listener IP (no other broker is
 *     touched)
 *  3. the marked rules are removed
 *  4. endpoints deleted (wait for 404), then the services (EndPoint.3006 retried), wait for 404
 *
 * Every step is idempotent, so a re-run (or a run after a crash) finishes the job. Teardown is itself a
 * cleanup: it runs in a non-cancellable scope (a cancel request does not leave it half done; terminate is
 * safe because a re-run resumes).
 */
import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AccessSnapshot, DiscoveredEndpoint } from '../activities/discovery.js';
import { ErrorTypes } from './errors.js';
import { accessWorkflowId, type Polling } from './input.js';
import { teardownProgressQuery, type TeardownPhase, type TeardownProgress } from './ops-definitions.js';
import { parseTeardownInput, type TeardownInput, type TeardownResult } from './ops-input.js';
import { pollUntil } from './poll.js';
import { deleteEndpoints, deleteServices } from './cleanup.js';
import { otcProxies, type OtcProxy } from './proxies.js';
import { errorMessage } from './saga.js';
import { CrossVpcInstanceId, CrossVpcPhase } from './search-attributes.js';

/** Credential sets also searched for endpoints when configured on the worker (the cross-account default). */
const OPTIONAL_CLIENT_SETS = ['client'];

export async function teardownCrossVpcAccess(raw: unknown): Promise<TeardownResult> {
  const parsed = parseTeardownInput(raw);
  if (!parsed.ok) {
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  }
  const input: TeardownInput = parsed.input;
  const { instanceId } = input;
  const t = input.timeouts;
  const { look, undo } = otcProxies(t);

  const progress: TeardownProgress = {
    instanceId,
    phase: 'checking-provisioning',
    removed: { endpoints: [], services: [], securityGroupRules: [], aclRules: [] },
    restored: {},
    leftAlone: [],
  };
  setHandler(teardownProgressQuery, () => progress);
  const phase = (p: TeardownPhase): void => {
    progress.phase = p;
    upsertSearchAttributes([
      { key: CrossVpcInstanceId, value: instanceId },
      { key: CrossVpcPhase, value: `teardown:${p}` },
    ]);
    render(progress);
  };

  return CancellationScope.nonCancellable(async () => {
    // ---- 0. a provisioning run still going rolls itself back first ---------------------------------------
    phase('checking-provisioning');
    const cancelledProvisioning = await cancelRunningProvisioning(look, instanceId, t, () => phase('cancelling-provisioning'));
    progress.cancelledProvisioning = cancelledProvisioning;

    // ---- 1. discover from the cloud ------------------------------------------------------------------
    phase('discovering');
    const snap: AccessSnapshot = await look.discoverAccess.executeWithOptions({ summary: `find resources tagged crossvpc-access=${instanceId}` }, [
      {
        instanceId,
        instanceCredentials: input.instanceCredentials,
        endpointCredentials: [input.clientCredentials],
        optionalEndpointCredentials: OPTIONAL_CLIENT_SETS,
      },
    ]);
    const portEndpoints = snap.endpoints.filter((e): e is DiscoveredEndpoint & { portId: string } => e.portId !== null);
    const portServices = snap.services.filter((s) => s.portId !== null);
    for (const e of snap.endpoints) if (e.portId === null) progress.leftAlone.push(`endpoint ${e.endpointId} (access tag without a port tag: not created by kafka-crossvpc)`);
    for (const s of snap.services) if (s.portId === null) progress.leftAlone.push(`service ${s.serviceId} (access tag without a port tag: not created by kafka-crossvpc)`);

    // ---- 2. advertised IPs that are ours go back to the listener IPs --------------------------------------
    const ourIps = new Map<string, string>();
    for (const e of portEndpoints) if (e.ip) ourIps.set(e.ip, e.portId);
    const restore: Record<string, string> = {};
    for (const entry of snap.instance?.entries ?? []) {
      if (entry.advertisedIp === entry.listenerIp) continue;
      if (ourIps.has(entry.advertisedIp)) {
        restore[entry.listenerIp] = entry.listenerIp;
        progress.restored[entry.listenerIp] = entry.advertisedIp;
      } else {
        progress.leftAlone.push(`broker ${entry.listenerIp} advertises ${entry.advertisedIp}, which is no endpoint of this access: left as it is`);
      }
    }
    let restoredAdvertisedIps = false;
    if (Object.keys(restore).length > 0) {
      phase('restoring-advertised-ips');
      const r = await undo.updateAdvertisedIps.executeWithOptions({ summary: `restore listener IPs of ${Object.keys(restore).join(', ')}` }, [
        { credentials: input.instanceCredentials, instanceId, mapping: restore },
      ]);
      restoredAdvertisedIps = r.changed;
    }

    // ---- 3. the rules this access created ---------------------------------------------------------------
    if (snap.markedSgRules.length > 0 || snap.markedAclRules.length > 0) {
      phase('removing-rules');
      if (snap.markedSgRules.length > 0) {
        const r = await undo.removeMarkedSecurityGroupRules.executeWithOptions({ summary: 'remove security-group rules marked crossvpc-access' }, [
          { credentials: input.instanceCredentials, instanceId },
        ]);
        progress.removed.securityGroupRules = r.ids;
      }
      if (snap.markedAclRules.length > 0) {
        const r = await undo.removeMarkedAclRules.executeWithOptions({ summary: 'remove network ACL rules marked crossvpc-access' }, [
          { credentials: input.instanceCredentials, instanceId },
        ]);
        progress.removed.aclRules = r.ids;
      }
      render(progress);
    }

    // ---- 4. endpoints (wait 404), then services (wait 404) ---------------------------------------------
    const portIds = [...new Set([...portEndpoints.map((e) => e.portId), ...portServices.map((s) => s.portId ?? '')])].filter(Boolean).sort();
    if (portEndpoints.length > 0) {
      phase('deleting-endpoints');
      const groups = new Map<string, { portId: string; credentials: string }>();
      for (const e of portEndpoints) groups.set(`${e.credentials}\u0000${e.portId}`, { portId: e.portId, credentials: e.credentials });
      const deleted = await Promise.all(
        [...groups.values()].map((g) => deleteEndpoints(undo, { instanceId, portId: g.portId, serviceCredentials: input.instanceCredentials, endpointCredentials: g.credentials }, t)),
      );
      progress.removed.endpoints = [...new Set(deleted.flat())].sort();
      render(progress);
    }
    if (portServices.length > 0) {
      phase('deleting-services');
      const deleted = await Promise.all(
        [...new Set(portServices.map((s) => s.portId ?? ''))].map((portId) =>
          deleteServices(undo, { instanceId, portId, serviceCredentials: input.instanceCredentials, endpointCredentials: input.clientCredentials }, t),
        ),
      );
      progress.removed.services = [...new Set(deleted.flat())].sort();
    }

    const removed = progress.removed;
    const alreadyClean =
      !restoredAdvertisedIps && removed.endpoints.length + removed.services.length + removed.securityGroupRules.length + removed.aclRules.length === 0;
    phase(alreadyClean ? 'already-clean' : 'torn-down');
    log.info('teardown finished', { instanceId, ports: portIds, removed, restored: progress.restored, alreadyClean });
    return {
      instanceId,
      restoredAdvertisedIps,
      removed,
      alreadyClean,
      cancelledProvisioning,
      restored: progress.restored,
      searched: snap.searched,
    };
  });
}

/**
 * If the provisioning run of this access is running: request its cancellation (it rolls back on its own)
 * and wait until it has closed. Returns whether it cancelled one.
 */
async function cancelRunningProvisioning(look: OtcProxy, instanceId: string, t: Polling, onCancel: () => void): Promise<boolean> {
  const workflowId = accessWorkflowId(instanceId);
  if (workflowId === workflowInfo().workflowId) return false;
  const run = await look.describeWorkflowRun.executeWithOptions({ summary: `is ${workflowId} running?` }, [{ workflowId }]);
  if (run.status !== 'RUNNING') return false;
  onCancel();
  try {
    await getExternalWorkflowHandle(workflowId, run.runId).cancel();
  } catch (err) {
    // It closed meanwhile: nothing to cancel.
    log.info('provisioning run closed before the cancel request', { workflowId, error: errorMessage(err) });
  }
  await pollUntil({
    what: `provisioning ${workflowId} closed (its rollback done)`,
    schedule: { ...t, deadlineMs: t.compensationDeadlineMs },
    check: () => look.describeWorkflowRun.executeWithOptions({ summary: `has ${workflowId} closed?` }, [{ workflowId }]),
    evaluate: (s) => (s.status !== 'RUNNING' || s.runId !== run.runId ? { done: true, value: s } : { done: false }),
  });
  return true;
}

function render(p: TeardownProgress): void {
  const lines = [`**teardown of ${p.instanceId}** — **${p.phase}**`];
  if (p.cancelledProvisioning) lines.push('', 'a running provisioning was cancelled first (it rolled back on its own)');
  const restored = Object.entries(p.restored);
  if (restored.length) lines.push('', '| broker | advertised (ours) | restored to |', '|---|---|---|', ...restored.map(([l, a]) => `| ${l} | ${a} | ${l} |`));
  const r = p.removed;
  lines.push(
    '',
    `removed: ${r.endpoints.length} endpoint(s), ${r.services.length} service(s), ${r.securityGroupRules.length} security-group rule(s), ${r.aclRules.length} ACL rule(s)`,
  );
  if (p.leftAlone.length) lines.push('', 'left alone (not ours):', ...p.leftAlone.map((x) => `- ${x}`));
  setCurrentDetails(lines.join('\n'));
}
