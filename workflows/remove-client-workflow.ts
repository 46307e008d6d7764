/**
 * `removeNamedClientVpc` (workflow id `crossvpc-<instanceId>-vpc-<clientVpcId>-remove`): one client VPC leaves a
 * named access, a saga of its own that touches nothing of the other VPCs (docs/decisions/named-access.md).
 *
 *  0. hold the instance
 *  1. this VPC's private zone (found by name, router and our tag) is deleted — its records with it — and gone
 *  2. this access's endpoints in this VPC, every port, are deleted and gone
 *  3. cross-account: the VPC's account leaves the whitelist of every service no other endpoint of that account
 *     is still attached to (patch `remove-client-whitelist`; its account is read from the provider side's
 *     connections before the endpoints go, or given as `clientDomainId`)
 *
 * The shared parts stay: the endpoint services, the network rules and the advertised names serve the other
 * VPCs (`crossvpc teardown` removes the whole access, zones of every searched account included). A removal is
 * forward-only: a step that fails for good is reported as a leftover (`TeardownIncomplete`) and a re-run finishes
 * the job; it runs non-cancellable (terminate + re-run is safe).
 */
import { ApplicationFailure, CancellationScope, patched } from '@temporalio/workflow';
import type { Leftover } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { createLockClient } from './lock.js';
import { instanceLockKey } from './lock-definitions.js';
import { pollUntil } from './poll.js';
import { otcProxies } from './proxies.js';
import { errorMessage } from './saga.js';
import { RemoveClientInputSchema, type RemoveClientResult } from './remove-client-input.js';

/** Patch id: the removal retires the whitelist entry of the VPC's account (runs begun before never did). */
export const REMOVE_CLIENT_WHITELIST_PATCH = 'remove-client-whitelist';

export type { RemoveClientRequest, RemoveClientResult } from './remove-client-input.js';

export async function removeNamedClientVpc(raw: unknown): Promise<RemoveClientResult> {
  const parsed = RemoveClientInputSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.map(String).join('.') || '(input)');
    throw ApplicationFailure.create({
      type: ErrorTypes.InvalidInput,
      nonRetryable: true,
      message: `invalid remove-client input: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ')}`,
      details: [{ fields }],
    });
  }
  const input = parsed.data;
  const { instanceId, clientVpcId, zone } = input;
  const clientCredentials = input.clientCredentials ?? input.instanceCredentials;
  const t = input.timeouts;
  const { look, undo } = otcProxies(t);
  const locks = createLockClient();
  const leftovers: Leftover[] = [];
  const removed: RemoveClientResult['removed'] = { zones: [], endpoints: [] };

  return CancellationScope.nonCancellable(async () => {
    const held = await locks.acquire(instanceLockKey(instanceId), 'provision', { mode: 'wait', waitMs: t.lockWaitMs });
    if (!held.granted) throw ApplicationFailure.create({ type: ErrorTypes.AccessBusy, nonRetryable: true, message: `instance ${instanceId} is busy for more than ${t.lockWaitMs} ms; nothing was removed` });
    try {
      // ---- 1. the zone (its records go with it) ----------------------------------------------------------
      const zoneArgs = { clientCredentials, instanceId, clientVpcId, zone };
      try {
        const z0 = await look.findClientZone.executeWithOptions({ summary: `find the private zone ${zone} of VPC ${clientVpcId}` }, [zoneArgs]);
        if (z0) {
          const zref = { clientCredentials, zoneId: z0.zoneId };
          await undo.deleteClientZone.executeWithOptions({ summary: `delete private zone ${z0.zoneId}` }, [zref]);
          await pollUntil({
            what: `private zone ${z0.zoneId} gone`,
            schedule: { ...t, deadlineMs: t.compensationDeadlineMs },
            check: () => look.getZoneStatus.executeWithOptions({ summary: `status of zone ${z0.zoneId}` }, [zref]),
            evaluate: (s) => (s.status === 'gone' ? { done: true, value: s } : { done: false }),
          });
          removed.zones.push(z0.zoneId);
        }
      } catch (err) {
        leftovers.push({ kind: 'dns-zone', ids: [], what: `private zone ${zone} of VPC ${clientVpcId}`, error: errorMessage(err) });
      }

      // ---- 2. this VPC's endpoints, every port -----------------------------------------------------------
      try {
        const inst = await look.readInstance.executeWithOptions({ summary: `read DMS instance ${instanceId} (port ids)` }, [{ instanceCredentials: input.instanceCredentials, instanceId }]);
        const portIds = inst.entries.map((e) => e.portId);
        const retire = patched(REMOVE_CLIENT_WHITELIST_PATCH);
        const domains = retire ? await accountsOfThisVpc(portIds) : [];
        await Promise.all(
          inst.entries.map(async (e) => {
            const args = { clientCredentials, instanceId, portId: e.portId, vpcId: clientVpcId };
            try {
              const r = await undo.removeVpcPortEndpoints.executeWithOptions({ summary: `delete the endpoints of port ${e.portId} in VPC ${clientVpcId}` }, [{ ...args, deleteNow: true }]);
              removed.endpoints.push(...r.deleted);
              await pollUntil({
                what: `endpoints of port ${e.portId} in VPC ${clientVpcId} gone`,
                schedule: { ...t, deadlineMs: t.compensationDeadlineMs },
                check: () => look.removeVpcPortEndpoints.executeWithOptions({ summary: `endpoints of port ${e.portId} left in VPC ${clientVpcId}` }, [{ ...args, deleteNow: false }]),
                evaluate: (v) => (v.remaining.length === 0 ? { done: true, value: v } : { done: false }),
              });
            } catch (err) {
              leftovers.push({ kind: 'endpoint', ids: [], what: `endpoints of port ${e.portId} in VPC ${clientVpcId}`, error: errorMessage(err) });
            }
          }),
        );
        // ---- 3. the whitelist entry of the VPC's account, where no other VPC of it needs it any more ---------
        if (retire && !leftovers.some((l) => l.kind === 'endpoint')) {
          removed.whitelist = [];
          for (const domainId of domains) {
            try {
              const w = await undo.retireWhitelist.executeWithOptions({ summary: `remove account ${domainId} from the whitelists no endpoint of it needs` }, [
                { instanceCredentials: input.instanceCredentials, instanceId, portIds, domainId },
              ]);
              removed.whitelist.push(...w.removed);
            } catch (err) {
              leftovers.push({ kind: 'whitelist', ids: [], what: `whitelist entry of account ${domainId}`, error: errorMessage(err) });
            }
          }
          removed.whitelist.sort();
        }
      } catch (err) {
        leftovers.push({ kind: 'endpoint', ids: [], what: `endpoints in VPC ${clientVpcId} (the instance could not be read)`, error: errorMessage(err) });
      }
    } finally {
      await locks.release(instanceLockKey(instanceId));
    }
    removed.endpoints.sort();
    if (leftovers.length > 0) {
      throw ApplicationFailure.create({
        type: ErrorTypes.TeardownIncomplete,
        nonRetryable: true,
        message: `removing VPC ${clientVpcId} from ${instanceId} is incomplete: ${leftovers.map((l) => `${l.what} (${l.error})`).join('; ')}. Run it again.`,
        details: [{ instanceId, clientVpcId, removed, leftovers }],
      });
    }
    return { instanceId, clientVpcId, removed, alreadyClean: removed.zones.length === 0 && removed.endpoints.length === 0 && (removed.whitelist ?? []).length === 0 };
  });

  /**
   * The accounts (other than the instance's) of this VPC's endpoints, read on the provider side while they are
   * still attached; `clientDomainId` when given (a re-run after the endpoints went).
   */
  async function accountsOfThisVpc(portIds: string[]): Promise<string[]> {
    const a = await look.attachedEndpoints.executeWithOptions({ summary: `accounts of the endpoints of VPC ${clientVpcId} (provider side)` }, [
      { instanceCredentials: input.instanceCredentials, clientCredentials, instanceId, portIds },
    ]);
    const found = a.endpoints.filter((e) => e.vpcId === clientVpcId).map((e) => e.domainId);
    return [...new Set([...found, input.clientDomainId])].filter((d): d is string => typeof d === 'string' && d !== a.ownerDomainId).sort();
  }
}
