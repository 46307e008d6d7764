/**
 * Sandbox control-plane latency under a steady load: N concurrent signed clients issuing a fixed mix of
 * reads (GET endpoint service, list endpoints, GET instance, list SG rules) for a fixed duration.
 * Prints one JSON line: { requests, rps, medianMs, p99Ms, maxMs }.
 * Run: npx tsx bench/control-plane-latency.ts [--seconds 10] [--concurrency 8]
 */
import { parseArgs } from 'node:util';
import { createOtcClients } from '../src/otc/otc-clients.js';
import { startSandbox } from '../src/sandbox/start-sandbox.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '8' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const sb = await startSandbox({ scenario: 'default', kafka: false, addressPrefix: '127.99', log: () => undefined });
try {
  const acct = sb.ready.accounts[0];
  const inst = sb.ready.instances[0];
  if (!acct || !inst) throw new Error('default scenario lacks account or instance');
  const c = createOtcClients({
    name: 'bench',
    region: sb.ready.region,
    projectId: acct.projectId,
    domainId: acct.domainId,
    credentials: { kind: 'aksk', ak: acct.ak, sk: acct.sk },
    endpoints: { iam: sb.urls.iam, vpcep: sb.urls.vpcep, dms: sb.urls.dms, vpc: sb.urls.vpc },
    timeoutMs: 10_000,
  });
  const listener = inst.listeners[0];
  if (!listener) throw new Error('instance has no listener');
  const svc = await c.vpcep.createEndpointService({
    port_id: listener.portId,
    vpc_id: inst.vpcId,
    server_type: 'VM',
    service_type: 'interface',
    approval_enabled: false,
    ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }],
  });
  const ops: (() => Promise<unknown>)[] = [
    () => c.vpcep.getEndpointService(svc.id),
    () => c.vpcep.listEndpoints({ limit: 10 }),
    () => c.dms.getInstance(inst.instanceId),
    () => c.vpc.listSecurityGroupRules({ security_group_id: inst.securityGroupId }),
  ];
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  // warm-up
  for (const op of ops) await op();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        const op = ops[i++ % ops.length] as () => Promise<unknown>;
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const result = {
    bench: 'control-plane-latency',
    concurrency,
    seconds,
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    medianMs: Number(q(0.5).toFixed(2)),
    p99Ms: Number(q(0.99).toFixed(2)),
    maxMs: Number((latencies[latencies.length - 1] ?? NaN).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await sb.stop();
}
