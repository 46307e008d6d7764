/**
 * Resolving broker names as a client inside one client VPC does: through that VPC's DNS server.
 *
 * On OTC a verify worker runs inside the client VPC and its system resolver *is* the VPC's, so nothing is set.
 * A worker that runs elsewhere (the sandbox, where every "VPC" shares one host) is given the VPC's resolver
 * (`CROSSVPC_VERIFY_DNS_SERVER=host:port`, VerifyDeps.dnsServer): {@link withDnsServer} runs a function with
 * every host-name lookup of Node's sockets — those the Kafka client opens included — answered by that server
 * only (A records; no fallback to the system resolver, no /etc/hosts), for that async context alone. Other
 * work of the process, and other VPCs' verifications running beside it, keep their own resolution.
 *
 * How: Node's `net` connects through `require('dns').lookup` at call time; it is wrapped once, and the wrapper
 * consults an AsyncLocalStorage set by {@link withDnsServer} (outside of it, it calls the original).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;
type Lookup = (hostname: string, options: unknown, callback: LookupCallback) => void;

const dnsModule = createRequire(import.meta.url)('node:dns') as { lookup: Lookup };
const store = new AsyncLocalStorage<Resolver>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const original = dnsModule.lookup;
  dnsModule.lookup = function lookup(hostname: string, options: unknown, callback?: LookupCallback): void {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    const resolver = store.getStore();
    if (!resolver || isIP(hostname) !== 0) {
      original.call(dnsModule, hostname, options, callback as LookupCallback);
      return;
    }
    resolver.resolve4(hostname).then(
      (ips) => {
        const first = ips[0];
        if (!first) {
          cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 4);
          return;
        }
        if (opts.all) cb(null, ips.map((address) => ({ address, family: 4 })));
        else cb(null, first, 4);
      },
      (err: NodeJS.ErrnoException) => cb(Object.assign(new Error(`getaddrinfo ${err.code ?? 'ENOTFOUND'} ${hostname} (VPC resolver)`), { code: err.code ?? 'ENOTFOUND', hostname }), '', 4),
    );
  } as Lookup;
}

/** `host:port` (or `host`, port 53). */
export function parseDnsServer(value: string): string {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m?.[1]) throw new TypeError(`a DNS server must be IPv4[:port], not ${value}`);
  const port = m[2] ? Number(m[2]) : 53;
  if (port < 1 || port > 65535) throw new TypeError(`DNS server port out of range: ${value}`);
  return `${m[1]}:${port}`;
}

/** Runs `fn` with host names resolved by `dnsServer` alone (see the module comment). */
export async function withDnsServer<T>(dnsServer: string, fn: () => Promise<T>): Promise<T> {
  install();
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([parseDnsServer(dnsServer)]);
  return store.run(resolver, fn);
}
