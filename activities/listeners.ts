/**
 * The instance's brokers: read the DMS instance, and `crossvpc/modify` (switch advertised IPs) with a read
 * back. DMS account (`instanceCredentials`).
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes } from '../workflows/errors.js';
import type { ActivityDeps, Clients, OtcClientSet } from './clients.js';
import { cloudCall, InDoubtError, type CloudScope, type Ensured } from './cloud-call.js';
import { instanceView } from './instance-view.js';
import type { AdvertisedIpArgs, AdvertisedIpResult, InstanceArgs, InstanceView } from './types.js';

export function createListenerActivities(clients: Clients, deps: Pick<ActivityDeps, 'instancePollMs' | 'instanceWaitMs'> = {}) {
  /**
   * The instance once it is RUNNING — as both Terraform providers do around a change (retry DMS.00400026, wait
   * for RUNNING): within this attempt for a while, then a retryable InstanceBusy for the next one.
   */
  const running = async (c: OtcClientSet, scope: CloudScope, instanceId: string, when: string) => {
    const pollMs = deps.instancePollMs ?? 2_000;
    const until = Date.now() + (deps.instanceWaitMs ?? 10_000);
    for (;;) {
      const inst = await c.dms.getInstance(instanceId, scope.read());
      if (inst.status === 'RUNNING') return inst;
      if (Date.now() + pollMs > until) {
        throw ApplicationFailure.create({
          type: ErrorTypes.InstanceBusy,
          nonRetryable: false,
          nextRetryDelay: pollMs,
          message: `instance ${instanceId} is ${inst.status}, not RUNNING, ${when}; waiting for RUNNING`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  return {
    async readInstance(args: InstanceArgs): Promise<InstanceView> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => instanceView(await c.dms.getInstance(args.instanceId, scope.read())));
    },

    /**
     * `crossvpc/modify` with the full map (every broker; the ones not in `mapping` keep their current value),
     * check each broker's result, read the instance back and confirm. No call when nothing would change. A
     * modify without an answer is in doubt (it may still apply): the workflow waits and looks again.
     */
    async updateAdvertisedIps(args: AdvertisedIpArgs): Promise<Ensured<AdvertisedIpResult>> {
      const c = clients.of(args.instanceCredentials);
      return cloudCall(async (scope) => {
        const before = await running(c, scope, args.instanceId, 'before crossvpc/modify');
        const current = Object.fromEntries(before.crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
        const unknown = Object.keys(args.mapping).filter((k) => !(k in current));
        if (unknown.length) {
          throw ApplicationFailure.create({
            type: ErrorTypes.ListenerUpdateFailed,
            nonRetryable: true,
            message: `listener IP(s) ${unknown.join(', ')} are not brokers of ${args.instanceId}`,
          });
        }
        if (Object.entries(args.mapping).every(([k, v]) => current[k] === v)) return { state: 'done', value: { changed: false, confirmed: current } };
        const earlier = scope.earlierUnanswered.find((u) => u.what === 'modifyCrossVpc');
        if (earlier) return { state: 'in-doubt', what: earlier.what, sentAt: earlier.sentAt };
        const full = { ...current, ...args.mapping };
        let res;
        try {
          res = await scope.mutate('modifyCrossVpc', (o) => c.dms.modifyCrossVpc(args.instanceId, full, o));
        } catch (err) {
          if (err instanceof InDoubtError) return { state: 'in-doubt', what: err.what, sentAt: err.sentAt };
          throw err;
        }
        const bad = (res.results ?? []).filter((r) => r.success === false).map((r) => r.ip ?? '?');
        if (!res.success || bad.length) {
          throw ApplicationFailure.create({
            type: ErrorTypes.ListenerUpdateFailed,
            nonRetryable: false,
            message: `crossvpc/modify of ${args.instanceId} did not succeed${bad.length ? ` for broker(s) ${bad.join(', ')}` : ''}`,
          });
        }
        const after = await running(c, scope, args.instanceId, 'after crossvpc/modify');
        const confirmed = Object.fromEntries(after.crossVpcEntries.map((e) => [e.listenerIp, e.advertisedIp]));
        const wrong = Object.entries(full).filter(([k, v]) => confirmed[k] !== v);
        if (wrong.length) {
          throw ApplicationFailure.create({
            type: ErrorTypes.ListenerUpdateFailed,
            nonRetryable: false,
            message: `after crossvpc/modify, ${wrong.map(([k, v]) => `${k} advertises ${confirmed[k] ?? '?'} instead of ${v}`).join('; ')}`,
          });
        }
        return { state: 'done', value: { changed: true, confirmed } };
      });
    },
  };
}
