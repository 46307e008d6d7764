/**
 * `teardownCrossVpcAccess` (workflow id `crossvpc-teardown-<instanceId>`): undoes an access, finding its
 * resources **in the cloud** (tags and description markers carrying the access id), never in a workflow's
 * history, so it works months later and on a half-provisioned access.
 *
 *  0. hold the instance (lock mode `preempt`): a running or queued provisioning or heal of the instance is
 *     cancelled and rolls itself back first; whatever it leaves is cleaned below
 *  1. discover: the instance, tagged services (instance account), tagged endpoints (instance and client
 *     accounts), marked security-group and network ACL rules
 *  2. brokers advertising one of this access's endpoint IPs go back to their listener IP (no other broker is
 *     touched)
 *  3. the marked rules are removed — the shared security-group rule only when no other access on the group
 *     needs it (under the security group's lock)
 *  4. endpoints deleted (wait until gone), then the services (EndPoint.3006 retried), wait until gone
 *
 * Named access (patch `teardown-named-access`): brokers advertising this access's names b<n>.<short-id>.… go back
 * too, and before the endpoints every private zone tagged for the access (in the searched accounts) is deleted.
 *
 * Each kind is attempted even when another failed; a step that fails for good is reported as a leftover
 * (`TeardownIncomplete`), and a re-run finishes the job. Teardown is itself a cleanup: it runs in a
 * non-cancellable scope (terminate + re-run is safe).
 */
import { ApplicationFailure, CancellationScope, log, patched, setHandler } from '@temporalio/workflow';
import { instanceShortId } from './broker-names.js';
import { pollUntil } from './poll.js';
import type { AccessSnapshot, DiscoveredEndpoint } from '../activities/discovery.js';
import { deleteEndpoints, deleteServices, failedStep } from './cleanup.js';
import type { Leftover } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { settleInDoubt } from './in-doubt.js';
import { createLockClient } from './lock.js';
import { instanceLockKey, securityGroupLockKey } from './lock-definitions.js';
import { teardownProgressQuery, type TeardownPhase } from './ops-definitions.js';
import { OPTIONAL_CLIENT_CREDENTIALS } from './input.js';
import { parseTeardownInput, type TeardownInput, type TeardownResult } from './ops-input.js';
import { otcProxies } from './proxies.js';
import { errorMessage } from './saga.js';
import { TeardownProgressTracker } from './teardown-progress.js';

export async function teardownCrossVpcAccess(raw: unknown): Promise<TeardownResult> {
  const parsed = parseTeardownInput(raw);
  if (!parsed.ok) {
    throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: parsed.message, details: [{ fields: parsed.fields }] });
  }
  const input: TeardownInput = parsed.input;
  const { instanceId } = input;
  const t = input.timeouts;
  const { look, undo } = otcProxies(t);
  const locks = createLockClient();
  const progress = new TeardownProgressTracker(instanceId);
  setHandler(teardownProgressQuery, () => progress.state);
  const leftovers: Leftover[] = [];
  const attempt = async (kind: Leftover['kind'], what: string, ids: string[], fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      leftovers.push({ kind, what, ...failedStep(ids, err) });
    }
  };

  return CancellationScope.nonCancellable(async () => {
    // ---- 0. hold the instance: a provisioning or heal going on rolls itself back first --------------------
    phase('checking-provisioning');
    const held = await locks.acquire(instanceLockKey(instanceId), 'teardown', { mode: 'preempt', waitMs: t.lockWaitMs, onQueued: () => phase('cancelling-provisioning') });
    if (!held.granted) {
      throw ApplicationFailure.create({ type: ErrorTypes.AccessBusy, nonRetryable: true, message: `instance ${instanceId} is busy for more than ${t.lockWaitMs} ms; nothing was removed` });
    }
    try {
      const cancelledProvisioning = held.preempted.some((p) => p.operation === 'provision');
      progress.state.cancelledProvisioning = cancelledProvisioning;

      // ---- 1. discover from the cloud ----------------------------------------------------------------------
      phase('discovering');
      let snap: AccessSnapshot;
      try {
        snap = await look.discoverAccess.executeWithOptions({ summary: `find resources tagged crossvpc-access=${instanceId}` }, [
          { instanceId, instanceCredentials: input.instanceCredentials, endpointCredentials: [input.clientCredentials], optionalEndpointCredentials: [...OPTIONAL_CLIENT_CREDENTIALS] },
        ]);
      } catch (err) {
        // Without a look at the cloud nothing is touched, and nothing can be said of what is there: the access is
        // as it was (whatever that is). Not "leftovers": the teardown does not know of any.
        const notLookedAt: Leftover['kind'][] = ['advertised-ip', 'security-group-rule', 'acl-rule', 'endpoint', 'endpoint-service'];
        phase('incomplete');
        throw ApplicationFailure.create({
          type: ErrorTypes.TeardownIncomplete,
          nonRetryable: true,
          message: `teardown of ${instanceId} could not read the cloud (${errorMessage(err)}); nothing was removed. Run it again once the cloud recovers.`,
          details: [{ instanceId, removed: progress.state.removed, leftovers: [], notLookedAt, reason: errorMessage(err), restored: {} }],
        });
      }
      const portEndpoints = snap.endpoints.filter((e): e is DiscoveredEndpoint & { portId: string } => e.portId !== null);
      const portServices = snap.services.filter((s) => s.portId !== null);
      for (const e of snap.endpoints) if (e.portId === null) progress.leftAlone(`endpoint ${e.endpointId} (access tag without a port tag: not created by kafka-crossvpc)`);
      for (const s of snap.services) if (s.portId === null) progress.leftAlone(`service ${s.serviceId} (access tag without a port tag: not created by kafka-crossvpc)`);

      // ---- 2. advertised IPs that are ours go back to the listener IPs ----------------------------------
      const ourIps = new Set(portEndpoints.flatMap((e) => (e.ip ? [e.ip] : [])));
      const restore: Record<string, string> = {};
      const named = patched('teardown-named-access');
      const ourName = (advertised: string, i: number): boolean => named && advertised.startsWith(`b${i + 1}.${instanceShortId(instanceId)}.`);
      for (const [i, entry] of (snap.instance?.entries ?? []).entries()) {
        if (entry.advertisedIp === entry.listenerIp) continue;
        if (ourIps.has(entry.advertisedIp) || ourName(entry.advertisedIp, i)) {
          restore[entry.listenerIp] = entry.listenerIp;
          progress.restored(entry.listenerIp, entry.advertisedIp);
        } else {
          progress.leftAlone(`broker ${entry.listenerIp} advertises ${entry.advertisedIp}, which is no endpoint of this access: left as it is`);
        }
      }
      let restoredAdvertisedIps = false;
      if (Object.keys(restore).length > 0) {
        phase('restoring-advertised-ips');
        const args = { instanceCredentials: input.instanceCredentials, instanceId, mapping: restore };
        await attempt('advertised-ip', `advertised IPs of ${Object.keys(restore).join(', ')} (still our endpoint IPs)`, Object.keys(restore), async () => {
          const r = await settleInDoubt(await undo.updateAdvertisedIps.executeWithOptions({ summary: `restore listener IPs of ${Object.keys(restore).join(', ')}` }, [args]), {
            what: 'restoring the listener IPs',
            t,
            look: async () => {
              const i = await undo.readInstance.executeWithOptions({ summary: 'read the advertised IPs' }, [args]);
              return i.entries.every((e) => restore[e.listenerIp] === undefined || e.advertisedIp === restore[e.listenerIp]) ? { changed: true, confirmed: {} } : null;
            },
            again: () => undo.updateAdvertisedIps.executeWithOptions({ summary: `restore listener IPs of ${Object.keys(restore).join(', ')}` }, [args]),
          });
          restoredAdvertisedIps = r.changed;
        });
      }

      // ---- 2b. named access: the private zones of every searched account ----------------------------------
      if (named) {
        await attempt('dns-zone', 'private zones tagged crossvpc-access', [], async () => {
          const found = await look.discoverAccessZones.executeWithOptions({ summary: `find private zones tagged crossvpc-access=${instanceId}` }, [
            { instanceId, credentialSets: [input.instanceCredentials, input.clientCredentials], optional: [...OPTIONAL_CLIENT_CREDENTIALS] },
          ]);
          if (found.zones.length === 0) return;
          phase('deleting-zones');
          await Promise.all(
            found.zones.map(async (z) => {
              const ref = { clientCredentials: z.credentials, zoneId: z.zoneId };
              await undo.deleteClientZone.executeWithOptions({ summary: `delete private zone ${z.zoneId} (VPC ${z.vpcIds.join(', ')})` }, [ref]);
              await pollUntil({
                what: `private zone ${z.zoneId} gone`,
                schedule: { ...t, deadlineMs: t.compensationDeadlineMs },
                check: () => look.getZoneStatus.executeWithOptions({ summary: `status of zone ${z.zoneId}` }, [ref]),
                evaluate: (s) => (s.status === 'gone' ? { done: true, value: s } : { done: false }),
              });
              progress.state.removed.zones = [...(progress.state.removed.zones ?? []), z.zoneId].sort();
            }),
          );
        });
      }

      // ---- 3. the rules this access created --------------------------------------------------------------
      const sgId = snap.instance?.securityGroupId || null;
      if (snap.markedSgRules.length > 0 || snap.markedAclRules.length > 0 || (sgId && snap.instanceSgRule)) {
        phase('removing-rules');
        if (snap.markedSgRules.length > 0 || (sgId && snap.instanceSgRule)) {
          await attempt('security-group-rule', 'security-group rule(s) marked crossvpc-access', snap.markedSgRules.map((r) => r.ruleId), async () => {
            const remove = () =>
              undo.removeMarkedSecurityGroupRules.executeWithOptions({ summary: 'remove security-group rules marked crossvpc-access (not those still needed)' }, [
                { instanceCredentials: input.instanceCredentials, instanceId, securityGroupId: sgId },
              ]);
            const r = sgId ? await locks.withLock(securityGroupLockKey(sgId), 'security-group-rule', t.lockWaitMs, remove) : await remove();
            progress.state.removed.securityGroupRules = r.ids;
            if (r.keptFor?.length) progress.leftAlone(`the security-group rule on ${sgId ?? '?'}: still needed by the access of ${r.keptFor.join(', ')}`);
          });
        }
        if (snap.markedAclRules.length > 0) {
          await attempt('acl-rule', 'network ACL rules marked crossvpc-access', snap.markedAclRules.flatMap((r) => r.ruleIds), async () => {
            const r = await undo.removeMarkedAclRules.executeWithOptions({ summary: 'remove network ACL rules marked crossvpc-access' }, [
              { instanceCredentials: input.instanceCredentials, instanceId },
            ]);
            progress.state.removed.aclRules = r.ids;
          });
        }
        progress.render();
      }

      // ---- 4. endpoints (wait until gone), then services (wait until gone) --------------------------------
      const blockedPorts = new Set<string>();
      if (portEndpoints.length > 0) {
        phase('deleting-endpoints');
        const groups = new Map<string, { portId: string; clientCredentials: string; ids: string[] }>();
        for (const e of portEndpoints) {
          const k = `${e.clientCredentials}\u0000${e.portId}`;
          const g = groups.get(k) ?? { portId: e.portId, clientCredentials: e.clientCredentials, ids: [] };
          g.ids.push(e.endpointId);
          groups.set(k, g);
        }
        const deleted: string[] = [];
        await Promise.all(
          [...groups.values()].map((g) =>
            attempt('endpoint', `endpoint(s) ${g.ids.join(', ')} of port ${g.portId}`, g.ids, async () => {
              deleted.push(
                ...(await deleteEndpoints(
                  undo,
                  { instanceId, portId: g.portId, instanceCredentials: input.instanceCredentials, clientCredentials: g.clientCredentials, keepServiceIds: [], keepEndpointIds: [], knownEndpointIds: g.ids },
                  t,
                )),
              );
            }).then(() => {
              if (leftovers.some((l) => l.kind === 'endpoint' && l.ids.some((id) => g.ids.includes(id)))) blockedPorts.add(g.portId);
            }),
          ),
        );
        progress.state.removed.endpoints = [...new Set(deleted)].sort();
        progress.render();
      }
      if (portServices.length > 0) {
        phase('deleting-services');
        const byPort = new Map<string, string[]>();
        for (const s of portServices) byPort.set(s.portId ?? '', [...(byPort.get(s.portId ?? '') ?? []), s.serviceId]);
        const deleted: string[] = [];
        await Promise.all(
          [...byPort.entries()].map(([portId, ids]) => {
            if (blockedPorts.has(portId)) {
              leftovers.push({ kind: 'endpoint-service', ids, what: `endpoint service(s) ${ids.join(', ')} of port ${portId}`, error: 'not deleted: the endpoints of its port could not be removed' });
              return Promise.resolve();
            }
            return attempt('endpoint-service', `endpoint service(s) ${ids.join(', ')} of port ${portId}`, ids, async () => {
              deleted.push(
                ...(await deleteServices(
                  undo,
                  { instanceId, portId, instanceCredentials: input.instanceCredentials, clientCredentials: input.clientCredentials, keepServiceIds: [], keepEndpointIds: [], knownServiceIds: ids },
                  t,
                )),
              );
            });
          }),
        );
        progress.state.removed.services = [...new Set(deleted)].sort();
      }

      const removed = progress.state.removed;
      const nothing = removed.endpoints.length + removed.services.length + removed.securityGroupRules.length + removed.aclRules.length + (removed.zones?.length ?? 0) === 0;
      if (leftovers.length > 0) {
        progress.state.leftovers = leftovers;
        phase('incomplete');
        throw ApplicationFailure.create({
          type: ErrorTypes.TeardownIncomplete,
          nonRetryable: true,
          message: `teardown of ${instanceId} incomplete; left over: ${leftovers.map((l) => `${l.what} (${l.error})`).join('; ')}. Run the teardown again once the cloud recovers.`,
          details: [{ instanceId, removed, leftovers, restored: progress.state.restored }],
        });
      }
      const alreadyClean = !restoredAdvertisedIps && nothing;
      phase(alreadyClean ? 'already-clean' : 'torn-down');
      log.info('teardown finished', { instanceId, removed, restored: progress.state.restored, alreadyClean });
      return {
        instanceId,
        restoredAdvertisedIps,
        removed,
        alreadyClean,
        cancelledProvisioning,
        restored: progress.state.restored,
        searched: snap.searched,
        leftAlone: progress.state.leftAlone,
      };
    } finally {
      await locks.release(instanceLockKey(instanceId));
    }
  });

  function phase(p: TeardownPhase): void {
    progress.phase(p);
  }
}
