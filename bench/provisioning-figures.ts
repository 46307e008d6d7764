/**
 * Figures of one provisioning on the default scenario with the sandbox's default delays (real Kafka):
 * wall time next to the sum of the configured delays on the critical path, history events of the parent
 * and each child, and cloud API calls by operation. Run: `npx tsx bench/provisioning-figures.ts`
 * (starts its own Temporal dev server and sandbox on 127.69.x; stops both).
 */
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startSandbox } from '../src/sandbox/start-sandbox.js';
import { createOtcClients } from '../src/otc/otc-clients.js';
import { awaitAccessOutcome, startOrJoinAccess } from '../src/temporal/access-client.js';
import { createCrossVpcWorkers } from '../worker/worker.js';
import { workflowBundleOptions } from '../worker/workflow-bundle.js';
import { parseProvisionInput, portWorkflowId, type ProvisionRequest } from '../workflows/input.js';
import { searchAttributeRegistrations } from '../workflows/search-attributes.js';
import type { OtcClientSet } from '../activities/index.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const server = await startDevServer({ searchAttributes: [...searchAttributeRegistrations] });
const sandbox = await startSandbox({ addressPrefix: '127.69', log: () => undefined });
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
const native = await NativeConnection.connect({ address: server.address });
try {
  const ready = sandbox.ready;
  const a = ready.accounts.find((x) => x.name === 'A');
  const net = ready.clientNetworks.find((n) => n.account === 'A');
  const inst = ready.instances[0];
  if (!a || !net || !inst) throw new Error('default scenario expected');
  const clients: OtcClientSet = createOtcClients({
    name: 'default',
    region: ready.region,
    projectId: a.projectId,
    domainId: a.domainId,
    credentials: { kind: 'aksk', ak: a.ak, sk: a.sk },
    endpoints: { ...ready.endpoints },
    timeoutMs: 10_000,
  });
  const bundle = await bundleWorkflowCode(workflowBundleOptions());
  const d = sandbox.scenario.delays;
  const criticalDelayMs = d.serviceCreate + d.endpointCreate;
  const runs: unknown[] = [];
  for (const [label, timeouts] of [
    ['product defaults (firstPoll 2 s, x1.6, cap 20 s)', {}],
    ['test timings (firstPoll 300 ms, x1.5, cap 1 s)', { firstPollMs: 300, maxPollMs: 1_000, backoffCoefficient: 1.5, heartbeatMs: 2_000, retryInitialMs: 200 }],
  ] as const) {
    await fetch(`${sandbox.adminUrl}/admin/reset`, { method: 'POST' });
    const taskQueue = `figures-${Date.now()}`;
    const workers = await createCrossVpcWorkers({ connection: native, taskQueue, activityDeps: { clients: () => clients }, workflowBundle: { code: bundle.code } });
    const request: ProvisionRequest = { instanceId: inst.instanceId, clientVpcId: net.vpcId, clientSubnetId: net.subnetId, clientSubnetCidr: net.cidr, timeouts };
    const parsed = parseProvisionInput(request);
    if (!parsed.ok) throw new Error(parsed.message);
    const figures = await workers.runUntil(async () => {
      const t0 = Date.now();
      const handle = await startOrJoinAccess(client, taskQueue, parsed.input);
      const outcome = await awaitAccessOutcome(handle);
      const wallMs = Date.now() - t0;
      const parentEvents = (await handle.fetchHistory()).events?.length ?? 0;
      const childEvents: Record<string, number> = {};
      for (const p of outcome.ports) {
        childEvents[p.portId] = (await client.workflow.getHandle(portWorkflowId(handle.workflowId, p.portId)).fetchHistory()).events?.length ?? 0;
      }
      const calls = (await (await fetch(`${sandbox.adminUrl}/admin/calls?limit=1`)).json()) as { total: number; counts: Record<string, Record<string, number>> };
      return {
        label,
        status: outcome.status,
        wallMs,
        verifyProbeMs: outcome.result?.verification?.elapsedMs,
        sandboxDelays: d,
        criticalPathDelayMs: criticalDelayMs,
        criticalPath: 'serviceCreate + endpointCreate (ports in parallel; crossvpc/modify and SG rule have no configured delay)',
        parentEvents,
        childEvents,
        apiCallsTotal: calls.total,
        apiCallsByOperation: calls.counts,
      };
    });
    runs.push(figures);
  }
  process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
} finally {
  await native.close();
  await connection.close();
  await sandbox.stop();
  await server.stop();
}
