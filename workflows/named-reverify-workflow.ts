/**
 * `reverifyNamedClientVpc` (workflow id `crossvpc-<instanceId>-vpc-<clientVpcId>-verify`): re-verification of
 * one client VPC of a named access, read from the cloud (never from a run's history):
 *
 *  - drift: the VPC's zone missing or no longer bound to the VPC, a broker record missing or pointing elsewhere
 *    than that VPC's endpoint of the broker's port, a broker not advertising its name, an endpoint missing;
 *  - heal (`heal: true`): records are rewritten (reconciled) — a missing zone is created and bound again, a zone
 *    unbound from the VPC is bound to it again (associaterouter; other VPCs bound to it meanwhile are left);
 *    listeners and endpoints are not healed here (a provisioning run of the VPC does that);
 *  - then the produce/consume check from the VPC (its verify worker), unless drift remains.
 */
import { ApplicationFailure, patched, workflowInfo } from '@temporalio/workflow';
import { z } from 'zod';
import { brokerNames, DEFAULT_ACCESS_ZONE, namedBootstrap, zoneNameSchema } from './broker-names.js';
import { ErrorTypes } from './errors.js';
import { settleInDoubt } from './in-doubt.js';
import { PollingSchema, refName, resourceId, VerifySchema } from './input.js';
import { createLockClient } from './lock.js';
import { instanceLockKey } from './lock-definitions.js';
import { pollUntil } from './poll.js';
import { otcProxies, verifyProxy } from './proxies.js';
import { errorMessage } from './saga.js';
import { vpcVerifyTaskQueue } from './task-queues.js';

/**
 * Patch id: a zone unbound from its VPC is healed by binding it again (and its records are checked); runs begun
 * before only reported it.
 */
export const HEAL_ZONE_UNBOUND_PATCH = 'named-heal-zone-unbound';

export const NamedReverifyInputSchema = z
  .object({
    instanceId: resourceId('instanceId'),
    clientVpcId: resourceId('clientVpcId'),
    instanceCredentials: refName('instanceCredentials').default('default'),
    clientCredentials: refName('clientCredentials').optional(),
    zone: zoneNameSchema.default(DEFAULT_ACCESS_ZONE),
    heal: z.boolean().default(false),
    verify: VerifySchema.default(VerifySchema.parse({})),
    timeouts: PollingSchema.default(PollingSchema.parse({})),
  })
  .strict();

export type NamedDriftKind = 'zone-missing' | 'zone-unbound' | 'record-missing' | 'record-changed' | 'listener-not-named' | 'endpoint-missing';

export interface NamedReverifyResult {
  instanceId: string;
  clientVpcId: string;
  health: 'healthy' | 'healed' | 'drifted' | 'broken';
  drift: { kind: NamedDriftKind; what: string }[];
  healed: string[];
  verified: boolean;
  error?: string;
}

export async function reverifyNamedClientVpc(raw: unknown): Promise<NamedReverifyResult> {
  const p = NamedReverifyInputSchema.safeParse(raw);
  if (!p.success) throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: `invalid re-verification input: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
  const input = p.data;
  const { instanceId, clientVpcId, zone } = input;
  const clientCredentials = input.clientCredentials ?? input.instanceCredentials;
  const t = input.timeouts;
  const { forward, look } = otcProxies(t);
  const drift: NamedReverifyResult['drift'] = [];
  const healed: string[] = [];

  const inst = await look.readInstance.executeWithOptions({ summary: `read DMS instance ${instanceId}` }, [{ instanceCredentials: input.instanceCredentials, instanceId }]);
  const names = brokerNames(inst.entries, instanceId, zone);
  for (const e of inst.entries) if (e.advertisedIp !== names[e.listenerIp]) drift.push({ kind: 'listener-not-named', what: `broker ${e.listenerIp} advertises ${e.advertisedIp}, not ${names[e.listenerIp] ?? ''}` });
  const eps = await look.readVpcEndpoints.executeWithOptions({ summary: `this access's endpoints in VPC ${clientVpcId}` }, [{ clientCredentials, instanceId, portIds: inst.entries.map((e) => e.portId), vpcId: clientVpcId }]);
  const want: { name: string; ip: string }[] = [];
  for (const e of inst.entries) {
    const ep = eps.find((x) => x.portId === e.portId && x.status === 'accepted' && x.ip);
    if (!ep?.ip) drift.push({ kind: 'endpoint-missing', what: `no accepted endpoint of port ${e.portId} in VPC ${clientVpcId}` });
    else want.push({ name: names[e.listenerIp] ?? '', ip: ep.ip });
  }

  const zoneArgs = { clientCredentials, instanceId, clientVpcId, zone };
  const checkRecords = async (id: string) => {
    const rec = await look.readZoneRecords.executeWithOptions({ summary: `records of zone ${id}` }, [{ clientCredentials, zoneId: id }]);
    for (const w of want) {
      const r = rec.records.find((x) => x.name === w.name);
      if (!r) drift.push({ kind: 'record-missing', what: `${w.name} has no A record in zone ${id}` });
      else if (r.ips.length !== 1 || r.ips[0] !== w.ip) drift.push({ kind: 'record-changed', what: `${w.name} → ${r.ips.join(', ')}, not ${w.ip}` });
    }
  };
  let z0 = await look.findClientZone.executeWithOptions({ summary: `find the private zone ${zone} of VPC ${clientVpcId}` }, [zoneArgs]);
  let zoneId = z0?.zoneId ?? null;
  /** Our zone for this VPC, still there but no longer bound to it (healed by binding it again). */
  let unboundZoneId: string | undefined;
  if (!z0) {
    // Not bound (any more) to this VPC: is our zone still there, bound elsewhere? Then it is "unbound".
    const all = await look.discoverAccessZones.executeWithOptions({ summary: 'our zones' }, [{ instanceId, credentialSets: [clientCredentials], optional: [] }]);
    const unbound = all.zones.find((x) => x.forVpc === clientVpcId && !x.vpcIds.includes(clientVpcId));
    if (unbound) {
      const elsewhere = unbound.vpcIds.length > 0 ? ` (bound to ${unbound.vpcIds.join(', ')})` : '';
      drift.push({ kind: 'zone-unbound', what: `zone ${unbound.zoneId} is not bound to VPC ${clientVpcId}${elsewhere}` });
      if (patched(HEAL_ZONE_UNBOUND_PATCH)) {
        unboundZoneId = unbound.zoneId;
        zoneId = unbound.zoneId;
        await checkRecords(unbound.zoneId);
      }
    } else drift.push({ kind: 'zone-missing', what: `no private zone ${zone} of this access on VPC ${clientVpcId}` });
  } else await checkRecords(z0.zoneId);

  const fixable = drift.filter((d) => ['zone-missing', 'record-missing', 'record-changed', ...(unboundZoneId ? ['zone-unbound'] : [])].includes(d.kind));
  if (input.heal && fixable.length > 0 && fixable.length === drift.length) {
    const locks = createLockClient();
    const held = await locks.acquire(instanceLockKey(instanceId), 'heal', { mode: 'wait', waitMs: t.lockWaitMs });
    if (!held.granted) throw ApplicationFailure.create({ type: ErrorTypes.AccessBusy, nonRetryable: true, message: `instance ${instanceId} is busy; nothing was healed` });
    try {
      if (unboundZoneId) {
        const bind = { ...zoneArgs, zoneId: unboundZoneId };
        await forward.bindClientZone.executeWithOptions({ summary: `bind the private zone ${unboundZoneId} to VPC ${clientVpcId} again` }, [bind]);
        await pollUntil({
          what: 'zone bound to the VPC',
          schedule: t,
          check: () => look.getZoneRouterStatus.executeWithOptions({ summary: 'router status on the zone' }, [{ clientCredentials, zoneId: unboundZoneId ?? '', clientVpcId }]),
          evaluate: (s) => (s.status === 'ACTIVE' ? { done: true, value: s } : { done: false }),
        });
        healed.push(`bound the private zone ${unboundZoneId} to VPC ${clientVpcId} again`);
      } else if (!z0) {
        z0 = await settleInDoubt(await forward.ensureClientZone.executeWithOptions({ summary: `create the private zone ${zone} bound to VPC ${clientVpcId} again` }, [zoneArgs]), {
          what: 'private zone',
          t,
          look: () => look.findClientZone.executeWithOptions({ summary: 'look for a zone created without an answer' }, [zoneArgs]),
          again: () => forward.ensureClientZone.executeWithOptions({ summary: `create the private zone ${zone} again` }, [zoneArgs]),
        });
        zoneId = z0.zoneId;
        const ref = { clientCredentials, zoneId: z0.zoneId };
        await pollUntil({ what: 'zone active', schedule: t, check: () => look.getZoneStatus.executeWithOptions({ summary: 'zone status' }, [ref]), evaluate: (s) => (s.status === 'ACTIVE' ? { done: true, value: s } : { done: false }) });
        healed.push(`created the private zone ${z0.zoneId} bound to VPC ${clientVpcId} again`);
      }
      const r = await forward.ensureBrokerRecords.executeWithOptions({ summary: 'rewrite the broker records' }, [{ clientCredentials, zoneId: zoneId ?? '', instanceId, records: want }]);
      const ref = { clientCredentials, zoneId: zoneId ?? '' };
      await pollUntil({
        what: 'broker records active',
        schedule: t,
        check: () => look.readZoneRecords.executeWithOptions({ summary: 'read the records' }, [ref]),
        evaluate: (v) => (want.every((w) => v.records.some((x) => x.name === w.name && x.status === 'ACTIVE' && x.ips[0] === w.ip)) ? { done: true, value: v } : { done: false }),
      });
      healed.push(...r.created.map((n) => `created record ${n}`), ...r.updated.map((n) => `rewrote record ${n}`));
    } finally {
      await locks.release(instanceLockKey(instanceId));
    }
  }

  const remaining = healed.length > 0 ? drift.filter((d) => !fixable.includes(d)) : drift;
  let verified = false;
  let error: string | undefined;
  if (remaining.length === 0 && input.verify.enabled) {
    try {
      const bootstrap = namedBootstrap(inst.entries, names);
      await verifyProxy(input.verify, t, vpcVerifyTaskQueue(workflowInfo().taskQueue, clientVpcId)).verifyKafka.executeWithOptions({ summary: `produce/consume from VPC ${clientVpcId}` }, [
        {
          bootstrapServers: bootstrap,
          expectBrokerHosts: Object.values(names),
          topic: input.verify.topic,
          protocol: input.verify.protocol,
          ...(input.verify.mechanism ? { mechanism: input.verify.mechanism } : {}),
          ...(input.verify.secretRef ? { secretRef: input.verify.secretRef } : {}),
          timeoutMs: input.verify.timeoutMs,
        },
      ]);
      verified = true;
    } catch (err) {
      error = errorMessage(err);
    }
  }
  const health: NamedReverifyResult['health'] = remaining.length > 0 ? 'drifted' : !verified && input.verify.enabled ? 'broken' : healed.length > 0 ? 'healed' : 'healthy';
  return { instanceId, clientVpcId, health, drift, healed, verified, ...(error ? { error } : {}) };
}
