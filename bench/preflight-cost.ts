/**
 * What the preflight adds to a provisioning (issue 11 figure): the read calls it makes beyond the instance and
 * baseline reads — the client VPC, the client subnet, the two VPCEP quotas — timed through the product's own
 * clients against a default-scenario sandbox (no Kafka). Prints the median and p90 of N sequences, sequential
 * as the readAccess activity issues them.
 *   npx tsx bench/preflight-cost.ts [--n 50]
 * The sandbox answers in ~1 ms, so this is the product-side cost; on a real cloud each read adds its round trip
 * (4 round trips per provisioning).
 */
import { parseArgs } from 'node:util';
import { createOtcClients } from '../src/otc/otc-clients.js';
import { startSandbox } from '../src/sandbox/start-sandbox.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '50' }, 'address-prefix': { type: 'string', default: '127.251' } } });
const n = Number(values.n);
const sandbox = await startSandbox({ kafka: false, addressPrefix: values['address-prefix'], log: () => undefined });
try {
  const a = sandbox.ready.accounts.find((x) => x.name === 'A');
  const net = sandbox.ready.clientNetworks.find((x) => x.account === 'A');
  if (!a || !net) throw new Error('default scenario expected');
  const c = createOtcClients({ name: 'default', region: sandbox.ready.region, projectId: a.projectId, domainId: a.domainId, credentials: { kind: 'aksk', ak: a.ak, sk: a.sk }, endpoints: { ...sandbox.ready.endpoints }, timeoutMs: 5_000 });
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    await c.vpc.getVpc(net.vpcId);
    await c.vpc.getSubnet(net.subnetId);
    await c.vpcep.getQuotas('endpoint_service');
    await c.vpcep.getQuotas('endpoint');
    return performance.now() - t0;
  };
  for (let i = 0; i < 5; i += 1) await once(); // warm-up (token, connections)
  const ms: number[] = [];
  for (let i = 0; i < n; i += 1) ms.push(await once());
  ms.sort((x, y) => x - y);
  const q = (p: number): string => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(1);
  console.log(JSON.stringify({ figure: 'preflight-added-reads', calls: 4, n, medianMs: Number(q(0.5)), p90Ms: Number(q(0.9)) }));
} finally {
  await sandbox.stop();
}
