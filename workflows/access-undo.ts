/**
 * The undo of an access run (workflow code): what its compensation removes and restores, registered step by
 * step before the forward action it undoes. Everything is decided against the **baseline** the run recorded at
 * its start: only what is not in it is removed, the advertised IPs go back to its values, and what was there
 * before is reported as kept.
 *
 * Order (LIFO): advertised IPs → network ACL rules → security-group rule → endpoints and services per port.
 */
import { sleep } from '@temporalio/workflow';
import type { AccessBaseline, CrossVpcEntry, InstanceView } from '../activities/types.js';
import { portBaseline } from './baseline.js';
import { cleanupLine, removePortResources } from './cleanup.js';
import type { Leftover, UndoReport } from './definitions.js';
import type { Polling, ProvisionInput } from './input.js';
import type { LockClient } from './lock.js';
import { securityGroupLockKey } from './lock-definitions.js';
import type { PortResult } from './port-input.js';
import type { OtcProxy } from './proxies.js';
import { errorMessage, Saga, type StepOutcome } from './saga.js';
import { settleInDoubt } from './in-doubt.js';

/** What the parent knows of a port when it compensates. */
export type PortUndoState =
  | { kind: 'not-started' }
  /** The child removed what it created (rolled back, or cancelled after its undo). */
  | { kind: 'clean' }
  | { kind: 'ready'; result: PortResult }
  /** The child's own undo left something (its ids when known), or it ended without telling (terminated). */
  | { kind: 'unclean'; leftovers: Leftover[] };

export interface AccessUndoContext {
  input: ProvisionInput & { clientCredentials: string };
  undo: OtcProxy;
  t: Polling;
  locks: LockClient;
}

export class AccessUndo {
  private readonly saga = new Saga();

  constructor(private readonly c: AccessUndoContext) {}

  get size(): number {
    return this.saga.size;
  }

  pending(): string[] {
    return this.saga.pending();
  }

  compensate(): Promise<UndoReport> {
    return this.saga.compensate();
  }

  /** Endpoints and services (and whitelist entries) of every port whose child did not clean up itself. */
  ports(entries: readonly CrossVpcEntry[], baseline: AccessBaseline, states: Map<string, PortUndoState>): void {
    const { input, undo, t } = this.c;
    this.saga.add('removed the endpoints and endpoint services this run created', 'endpoint', async () => {
      const out: StepOutcome & { undone: string[]; kept: string[]; leftovers: Leftover[] } = { undone: [], kept: [], leftovers: [] };
      await Promise.all(
        entries.map(async (e) => {
          const state = states.get(e.portId) ?? { kind: 'not-started' };
          const b = portBaseline(baseline, e.portId);
          if (state.kind === 'not-started' || state.kind === 'clean') return;
          const known = state.kind === 'ready' ? state.result : undefined;
          if (known?.created.whitelist && !known.created.service && input.clientDomainId) {
            try {
              const w = await undo.removeWhitelist.executeWithOptions({ summary: `remove account ${input.clientDomainId} from the whitelist` }, [
                { instanceCredentials: input.instanceCredentials, serviceId: known.serviceId, domainId: input.clientDomainId },
              ]);
              if (w.removed) out.undone.push(`removed account ${input.clientDomainId} from the whitelist of port ${e.portId}`);
            } catch (err) {
              out.leftovers.push({ kind: 'whitelist', ids: [known.serviceId], what: `whitelist entry of account ${input.clientDomainId} on service ${known.serviceId}`, error: errorMessage(err) });
            }
          }
          const knownIds = (kind: Leftover['kind']): string[] =>
            state.kind === 'unclean' ? state.leftovers.filter((l) => l.kind === kind).flatMap((l) => l.ids) : [];
          const r = await removePortResources(
            undo,
            {
              instanceId: input.instanceId,
              portId: e.portId,
              instanceCredentials: input.instanceCredentials,
              clientCredentials: input.clientCredentials,
              keepServiceIds: b.serviceIds,
              keepEndpointIds: b.endpoints.map((x) => x.endpointId),
              knownServiceIds: known ? (known.created.service ? [known.serviceId] : []) : knownIds('endpoint-service'),
              knownEndpointIds: known ? [...(known.created.endpoint ? [known.endpointId] : [])] : knownIds('endpoint'),
            },
            t,
          );
          if (r.endpoints.length || r.services.length) out.undone.push(cleanupLine(r));
          out.leftovers.push(...r.leftovers);
          for (const id of b.serviceIds) out.kept.push(`endpoint service ${id} of port ${e.portId} (there before this run)`);
          for (const x of b.endpoints) out.kept.push(`endpoint ${x.endpointId} of port ${e.portId} (there before this run)`);
        }),
      );
      return out;
    });
  }

  /**
   * The security-group rule, when this run created it (or may have: a create without an answer) — kept while
   * other accesses on the group need it.
   */
  securityGroupRule(inst: InstanceView, baseline: AccessBaseline, created: () => { ruleId: string | null; maybe: boolean }): void {
    const { input, undo, t, locks } = this.c;
    this.saga.add(
      'removed the security-group rule this run created',
      'security-group-rule',
      async () => {
        const { ruleId, maybe } = created();
        if (baseline.securityGroupRule) return { kept: [`security-group rule ${baseline.securityGroupRule.ruleId} on ${inst.securityGroupId} (there before this run)`] };
        if (!ruleId && !maybe) return {};
        const r = await locks.withLock(securityGroupLockKey(inst.securityGroupId), 'security-group-rule', t.lockWaitMs, () =>
          undo.removeSecurityGroupRule.executeWithOptions({ summary: `remove our TCP 9011 ingress rule ${ruleId ?? '(created without an answer)'}` }, [
            { instanceCredentials: input.instanceCredentials, instanceId: input.instanceId, securityGroupId: inst.securityGroupId, ...(ruleId ? { ruleId } : {}) },
          ]),
        );
        if (r.keptFor?.length) return { kept: [`security-group rule ${r.ids[0] ?? ruleId ?? ''} on ${inst.securityGroupId} (still needed by the access of ${r.keptFor.join(', ')})`] };
        return { undone: r.ids.length ? [`removed security-group rule ${r.ids.join(', ')}`] : [] };
      },
      () => [created().ruleId ?? ''].filter(Boolean),
    );
  }

  /** This access's network ACL rules the run inserted (not those of the baseline); `tried`: it may have inserted. */
  networkAcl(inst: InstanceView, baseline: AccessBaseline, tried: () => boolean): void {
    const { input, undo } = this.c;
    const keep = baseline.networkAcl?.ruleIds ?? [];
    this.saga.add('removed the network ACL rules this run created', 'acl-rule', async () => {
      if (!tried()) return { kept: keep.length ? [`network ACL rule(s) ${keep.join(', ')} (there before this run)`] : [] };
      const r = await undo.removeNetworkAclRules.executeWithOptions({ summary: 'remove our network ACL rules' }, [
        { instanceCredentials: input.instanceCredentials, instanceId: input.instanceId, subnetId: inst.subnetId, keep },
      ]);
      return {
        undone: r.ids.length ? [`removed network ACL rule(s) ${r.ids.join(', ')}`] : [],
        kept: keep.length ? [`network ACL rule(s) ${keep.join(', ')} (there before this run)`] : [],
      };
    });
  }

  /**
   * The advertised IPs back to the baseline's values (listeners the run may have changed). A modify in doubt
   * may still apply until `doubtUntil()`: the restore waits for that, then checks and restores.
   */
  advertised(baseline: AccessBaseline, changed: () => string[], doubtUntil: () => number | null, onRestored: (after: Record<string, string>) => void): void {
    const { input, undo, t } = this.c;
    this.saga.add(
      'restored the advertised IPs of the baseline',
      'advertised-ip',
      async () => {
        const until = doubtUntil();
        if (until && until > Date.now()) await sleep(until - Date.now(), { summary: 'wait for an advertised-IP change in doubt to apply or lapse' });
        const listeners = changed();
        if (listeners.length === 0) return {};
        const mapping = Object.fromEntries(listeners.map((l) => [l, baseline.advertised[l] ?? l]));
        const args = { instanceCredentials: input.instanceCredentials, instanceId: input.instanceId, mapping };
        const r = await settleInDoubt(await undo.updateAdvertisedIps.executeWithOptions({ summary: 'restore the advertised IPs of the baseline' }, [args]), {
          what: 'restoring the advertised IPs',
          t,
          look: async () => {
            const i = await undo.readInstance.executeWithOptions({ summary: 'read the advertised IPs' }, [args]);
            const now = Object.fromEntries(i.entries.map((e) => [e.listenerIp, e.advertisedIp]));
            return listeners.every((l) => now[l] === mapping[l]) ? { changed: true, confirmed: now } : null;
          },
          again: () => undo.updateAdvertisedIps.executeWithOptions({ summary: 'restore the advertised IPs of the baseline' }, [args]),
        });
        onRestored(r.confirmed);
        return { undone: r.changed ? [`restored the advertised IPs the run had changed (${listeners.map((l) => `${l} → ${mapping[l] ?? l}`).join(', ')})`] : ['advertised IPs were already as before'] };
      },
      () => changed(),
    );
  }

  /**
   * Named access: the client VPC's private zone, when this run created it (or may have: a create without an
   * answer, found again by name, router and tag). Its record sets go with it. Registered before the zone is
   * asked for, after the ports: undone before the endpoints.
   */
  zone(args: { clientCredentials: string; instanceId: string; clientVpcId: string; zone: string }, created: () => { zoneId: string | null; maybe: boolean; existed: boolean }): void {
    const { undo } = this.c;
    this.saga.add(
      'removed the private zone this run created',
      'dns-zone',
      async () => {
        const c = created();
        if (c.existed) return { kept: [`private zone ${c.zoneId ?? args.zone} of VPC ${args.clientVpcId} (there before this run)`] };
        let zoneId = c.zoneId;
        if (!zoneId && c.maybe) zoneId = (await undo.findClientZone.executeWithOptions({ summary: 'look for a zone created without an answer' }, [args]))?.zoneId ?? null;
        if (!zoneId) return {};
        await undo.deleteClientZone.executeWithOptions({ summary: `delete private zone ${zoneId}` }, [{ clientCredentials: args.clientCredentials, zoneId }]);
        return { undone: [`removed private zone ${zoneId} (${args.zone}) of VPC ${args.clientVpcId} and its records`] };
      },
      () => [created().zoneId ?? ''].filter(Boolean),
    );
  }
}
