/**
 * The `crossvpc/modify` step both provisioning workflows take (workflow code): send the advertised addresses,
 * settle a modify that got no answer by reading the instance back, and return what the brokers advertise once
 * the change is confirmed. `what` / `readBack` name the addresses in the activity summaries.
 */
import type { Polling } from './input.js';
import { settleInDoubt } from './in-doubt.js';
import type { otcProxies } from './proxies.js';

type Proxies = ReturnType<typeof otcProxies>;

export interface AdvertiseOptions {
  forward: Proxies['forward'];
  look: Proxies['look'];
  t: Polling;
  instanceCredentials: string;
  instanceId: string;
  /** listener IP → the address it is to advertise. */
  mapping: Record<string, string>;
  what: string;
  /** What the read-back look reads ("IPs", "names"): its summary is `read the advertised <readBack>`. */
  readBack: string;
  /** Told while the modify is in doubt (the undo waits for its window). */
  onDoubt: (until: number | null) => void;
}

export async function advertiseAndConfirm(o: AdvertiseOptions): Promise<Record<string, string>> {
  const args = { instanceCredentials: o.instanceCredentials, instanceId: o.instanceId, mapping: o.mapping };
  const send = () => o.forward.updateAdvertisedIps.executeWithOptions({ summary: `crossvpc/modify: advertise the ${o.what}` }, [args]);
  const r = await settleInDoubt(await send(), {
    what: 'crossvpc/modify',
    t: o.t,
    look: async () => {
      const i = await o.look.readInstance.executeWithOptions({ summary: `read the advertised ${o.readBack}` }, [{ instanceCredentials: o.instanceCredentials, instanceId: o.instanceId }]);
      const now = Object.fromEntries(i.entries.map((e) => [e.listenerIp, e.advertisedIp]));
      return Object.entries(o.mapping).every(([l, a]) => now[l] === a) ? { changed: true, confirmed: now } : null;
    },
    again: send,
    onDoubt: o.onDoubt,
  });
  return r.confirmed;
}
