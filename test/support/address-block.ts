/**
 * The one allocator of sandbox address blocks (`127.A`, see docs/architecture.md "Address plan").
 *
 * A block is claimed by listening on `127.A.0.254:47999` (an address the sandbox never uses) and held until
 * `release()` or the end of the process. The claim is exclusive across every process on the machine — test
 * files in parallel forks, a second checkout running its own suite, a CI run beside a developer's — so no test
 * picks a block by hand and no two sandboxes ever share broker or endpoint addresses.
 *
 * `CROSSVPC_TEST_BLOCKS=FIRST-LAST` narrows the range (default 20-250; 10 is `crossvpc dev`'s default).
 */
import { createServer, type Server } from 'node:net';

const CLAIM_PORT = 47_999;

export interface AddressBlock {
  /** `127.A` */
  prefix: string;
  release(): Promise<void>;
}

function range(): [number, number] {
  const m = /^(\d{1,3})-(\d{1,3})$/.exec(process.env.CROSSVPC_TEST_BLOCKS ?? '');
  const first = m ? Number(m[1]) : 20;
  const last = m ? Number(m[2]) : 250;
  if (first < 11 || last > 254 || first > last) throw new Error(`CROSSVPC_TEST_BLOCKS must be FIRST-LAST within 11-254, got ${process.env.CROSSVPC_TEST_BLOCKS}`);
  return [first, last];
}

function listen(host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(CLAIM_PORT, host, () => {
      srv.unref(); // a claim never keeps the process alive
      resolve(srv);
    });
  });
}

/** Claims a free `127.A` block (random start, so parallel claimers rarely contend). */
export async function claimAddressBlock(): Promise<AddressBlock> {
  const [first, last] = range();
  const size = last - first + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i += 1) {
    const a = first + ((start + i) % size);
    const srv = await listen(`127.${a}.0.254`);
    if (!srv) continue;
    return {
      prefix: `127.${a}`,
      release: () => new Promise<void>((r) => srv.close(() => r())),
    };
  }
  throw new Error(`no free sandbox address block in 127.${first}-${last} (all claimed)`);
}

/** The prefix of a block held for the rest of this process (for files that need one block throughout). */
export async function claimAddressPrefix(): Promise<string> {
  return (await claimAddressBlock()).prefix;
}
