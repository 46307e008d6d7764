/**
 * `removeNamedClientVpc` (workflow id `crossvpc-<instanceId>-vpc-<clientVpcId>-remove`): one client VPC leaves a
 * named access, a saga of its own that touches nothing of the other VPCs (docs/decisions/named-access.md).
 *
 *  0. hold the instance
 *  1. this VPC's private zone (found by name, router and our tag) is deleted — its records with it — and gone
 *  2. this access's endpoints in this VPC, every port, are deleted and gone
 *
 * The shared parts stay: the endpoint services, the network rules and the advertised names serve the other
 * VPCs (`crossvpc teardown` removes the whole access, zones of every searched account included). A removal is
 * forward-only: a step that fails for good is reported as a leftover (`TeardownIncomplete`) and a re-run finishes
 * the job; it runs non-cancellable (terminate + re-run is safe).
 */
import { ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import type { Leftover } from './definitions.js';
import { ErrorTypes } from './errors.js';
import { createLockClient } from './lock.js';
import { instanceLockKey } from './lock-definitions.js';
import { pollUntil } from './poll.js';
import { otcProxies } from './proxies.js';
import { errorMessage } from './saga.js';
import { RemoveClientInputSchema, type RemoveClientResult } from './remove-client-input.js';

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
  const removed = { zones: [] as string[], endpoints: [] as string[] };

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
    return { instanceId, clientVpcId, removed, alreadyClean: removed.zones.length === 0 && removed.endpoints.length === 0 };
  });
}
