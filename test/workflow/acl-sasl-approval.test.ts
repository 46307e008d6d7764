/**
 * The paths the default scenario does not exercise, on real Kafka: a SASL_SSL (SCRAM-SHA-512) instance
 * whose subnet has a network ACL (so bytes flow only if the workflow inserted the ACL rules), verification
 * through a secret *reference* resolved by the verify worker, the approval gate, and a rollback that
 * removes exactly the ACL rules it inserted; and the instance as a named access, whose broker certificates
 * name the advertised names (a client verifying hostnames works through the names).
 */
import { readFileSync } from 'node:fs';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { defaultScenario } from '../../src/sandbox/scenario/default-scenario.js';
import { awaitAccessOutcome, startOrJoinClientVpc } from '../../src/temporal/access-client.js';
import { createCrossVpcWorkers } from '../../worker/worker.js';
import { approveSignal, progressQuery } from '../../workflows/definitions.js';
import { uniqueTaskQueue } from '../support/temporal-env.js';
import { admin, defaultRequest, FAST_TIMEOUTS, namedRequest, resetSandbox, resources, start, startSuite, withVpcWorkers, type Suite } from './support.js';
import { probeKafka } from '../../src/kafka/kafka-probe.js';
import { withDnsServer } from '../../src/kafka/vpc-resolver.js';
import { brokerName } from '../../workflows/broker-names.js';
import { parseProvisionInput } from '../../workflows/input.js';
import type { NamedAccessResult } from '../../workflows/named-access-workflow.js';
import { TEARDOWN_WORKFLOW_TYPE, teardownWorkflowId, type TeardownResult } from '../../workflows/ops-input.js';

const USER = { username: 'verify-user', password: 'verify-secret-1' };

function scenarioWithAclAndSasl(): ScenarioInput {
  const [a, b] = defaultScenario.accounts;
  if (!a || !b) throw new Error('default scenario expected');
  return {
    ...defaultScenario,
    delays: { serviceCreate: 300, serviceUpdate: 100, serviceDelete: 300, endpointCreate: 300, endpointDelete: 300 },
    accounts: [
      {
        ...a,
        networkAcls: [
          {
            name: 'kafka-acl',
            subnets: ['kafka-subnet'],
            // A pre-existing rule that is not ours (must survive rollback untouched).
            ingressRules: [{ name: 'ops-ssh', action: 'allow', protocol: 'tcp', sourceIpAddress: '10.0.0.0/8', destinationPort: '22' }],
          },
        ],
        kafkaInstances: (a.kafkaInstances ?? []).map((i) => ({
          ...i,
          security: { protocol: 'SASL_SSL' as const, mechanisms: ['SCRAM-SHA-512' as const, 'PLAIN' as const], users: [USER] },
        })),
      },
      b,
    ],
  };
}

/** The history as text with every payload's bytes decoded (protobuf JSON carries payload data as base64). */
function decodedHistory(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'data' && typeof x === 'string') parts.push(Buffer.from(x, 'base64').toString('utf8'));
        else walk(x);
      }
    }
  };
  walk(JSON.parse(JSON.stringify(history)) as unknown);
  expect(parts.length).toBeGreaterThan(0);
  return parts.join('\n');
}

interface AclDump {
  accounts: { projects: { networkAcls: { name: string; ingress_rules?: { name?: string; description?: string; source_ip_address?: string }[]; ingressRules?: { name?: string }[] }[] }[] }[];
}

async function aclRules(suite: Suite): Promise<{ name?: string; description?: string; source_ip_address?: string }[]> {
  const s = await admin<AclDump & { state?: AclDump }>(suite, 'GET', '/admin/state');
  const dump = s.state ?? s;
  const acl = dump.accounts.flatMap((x) => x.projects).flatMap((p) => p.networkAcls).find((n) => n.name === 'kafka-acl');
  if (!acl) throw new Error('kafka-acl not in the state dump');
  return acl.ingress_rules ?? (acl.ingressRules as { name?: string }[] | undefined) ?? [];
}

describe('SASL_SSL instance behind a network ACL, approval gate', () => {
  let suite: Suite;
  let caPemPath: string;

  beforeAll(async () => {
    suite = await startSuite({ kafka: true, scenario: scenarioWithAclAndSasl() });
    const ca = suite.sandbox.ready.kafka.caPemPath;
    if (!ca) throw new Error('the sandbox published no CA for its SASL_SSL instance');
    caPemPath = ca;
  }, 240_000);

  afterAll(async () => {
    await suite?.stop();
  });

  async function withSecretWorkers<T>(fn: (taskQueue: string) => Promise<T>, password = USER.password): Promise<T> {
    const taskQueue = uniqueTaskQueue('acl-sasl');
    const workers = await createCrossVpcWorkers({
      connection: suite.env.nativeConnection,
      taskQueue,
      activityDeps: { clients: suite.clients, serviceInUseRetryMs: 300 },
      // The verify worker's own environment holds the secret; the workflow only names it.
      verifyDeps: {
        env: {
          CROSSVPC_SECRET_KAFKA_CLIENT_USERNAME: USER.username,
          CROSSVPC_SECRET_KAFKA_CLIENT_PASSWORD: password,
          CROSSVPC_SECRET_KAFKA_CLIENT_CA_FILE: caPemPath,
        },
      },
      workflowBundle: { code: suite.bundle.code },
      shutdownGraceTime: '2s',
    });
    return workers.runUntil(() => fn(taskQueue));
  }

  const saslVerify = { protocol: 'SASL_SSL' as const, mechanism: 'SCRAM-SHA-512' as const, secretRef: 'kafka-client', timeoutMs: 30_000, attempts: 3 };
  // The data plane may need a while to re-advertise SASL_SSL brokers on a loaded machine: let undo wait longer.
  const timeouts = { ...FAST_TIMEOUTS, compensationDeadlineMs: 180_000 };

  it('inserts the ACL rules, waits at the approval gate, and verifies over SASL_SSL with a secret reference', async () => {
    await resetSandbox(suite);
    const before = await aclRules(suite);
    const outcome = await withSecretWorkers(async (taskQueue) => {
      const handle = await start(suite, taskQueue, defaultRequest(suite, { approvalGate: true, verify: saslVerify, timeouts }));
      // The run stops before the advertised-IP switch until someone approves.
      let progress = await handle.query(progressQuery);
      for (let i = 0; i < 200 && !progress.awaitingApproval; i++) {
        await new Promise((r) => setTimeout(r, 100));
        progress = await handle.query(progressQuery);
      }
      expect(progress.awaitingApproval).toBe(true);
      const r = await resources(suite);
      for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised).toBe(listener);
      await handle.signal(approveSignal);
      return awaitAccessOutcome(handle);
    });
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('verified');
    const after = await aclRules(suite);
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.some((rule) => rule.source_ip_address === '198.19.128.0/17')).toBe(true);
    // The history carries the reference, never the secret.
    const history = decodedHistory(await suite.env.client.workflow.getHandle(outcome.workflowId).fetchHistory());
    expect(history).toContain('kafka-client');
    expect(history).not.toContain(USER.password);
  }, 180_000);

  it('rolls back when verification fails (wrong secret on the verify worker) and removes only the ACL rules it inserted', async () => {
    await resetSandbox(suite);
    const before = await aclRules(suite);
    const outcome = await withSecretWorkers(
      async (taskQueue) => awaitAccessOutcome(await start(suite, taskQueue, defaultRequest(suite, { verify: { ...saslVerify, timeoutMs: 8_000, attempts: 1 }, timeouts }))),
      'not-the-password',
    );
    expect(outcome.status).toBe('rolled_back');
    const after = await aclRules(suite);
    expect(after.map((r) => r.name).sort()).toEqual(before.map((r) => r.name).sort());
    expect(after.some((rule) => rule.name === 'ops-ssh')).toBe(true);
    const r = await resources(suite);
    expect(r.services).toHaveLength(0);
    expect(r.endpoints).toHaveLength(0);
    expect(r.sgRules9011).toBe(0);
    for (const [listener, advertised] of Object.entries(r.advertised)) expect(advertised).toBe(listener);
  }, 180_000);

  it('named access on the SASL_SSL instance: the certificates name the advertised broker names, so a client in the VPC verifies hostnames through the names', async () => {
    await resetSandbox(suite);
    const env = { CROSSVPC_SECRET_KAFKA_CLIENT_USERNAME: USER.username, CROSSVPC_SECRET_KAFKA_CLIENT_PASSWORD: USER.password, CROSSVPC_SECRET_KAFKA_CLIENT_CA_FILE: caPemPath };
    const net = suite.sandbox.ready.clientNetworks.find((n) => n.account === 'A');
    const inst = suite.sandbox.ready.instances[0];
    if (!net || !inst) throw new Error('default scenario expected');
    const names = inst.listeners.map((_, i) => brokerName(inst.instanceId, 'kafka.internal', i));
    await withVpcWorkers(
      suite,
      async (tq) => {
        const parsed = parseProvisionInput(namedRequest(suite, 'A', 0, { verify: saslVerify, timeouts }));
        if (!parsed.ok) throw new Error(parsed.message);
        const result = (await (await startOrJoinClientVpc(suite.env.client, tq, parsed.input)).result()) as NamedAccessResult;
        expect(result).toMatchObject({ status: 'verified', switchedListeners: true });

        // A client inside VPC A: bootstrap with the names through its resolver, hostname verification ON.
        const caPem = readFileSync(caPemPath, 'utf8');
        const strict = { protocol: 'SASL_SSL' as const, mechanism: 'SCRAM-SHA-512' as const, username: USER.username, password: USER.password, caPem, checkHostname: true };
        const probe = await withDnsServer(net.dnsServer, () =>
          probeKafka({ bootstrapServers: names.map((n) => `${n}:9011`), security: strict, topic: 'crossvpc-verify', timeoutMs: 30_000, expectBrokerHosts: names }),
        );
        expect(probe.consumed).toBe(true);
        expect(probe.brokers.map((b) => b.host).sort()).toEqual([...names].sort());

        // What the brokers present through the VPC's endpoint: the advertised names and no other name.
        const endpointIp = result.records[names[0] ?? ''] ?? '';
        const cert = await new Promise<PeerCertificate>((resolve, reject) => {
          const socket = tlsConnect({ host: endpointIp, port: 9011, ca: caPem, servername: names[0] }, () => {
            resolve(socket.getPeerCertificate());
            socket.destroy();
          });
          socket.on('error', reject);
        });
        for (const n of names) expect(checkServerIdentity(n, cert)).toBeUndefined();
        expect(checkServerIdentity(`b1.other.kafka.internal`, cert)).toBeInstanceOf(Error);
      },
      'named-sasl',
      env,
    );
    await withSecretWorkers(async (tq) => {
      const td = await suite.env.client.workflow.execute(TEARDOWN_WORKFLOW_TYPE, { taskQueue: tq, workflowId: teardownWorkflowId(inst.instanceId), args: [{ instanceId: inst.instanceId, timeouts }] });
      expect((td as TeardownResult).restoredAdvertisedIps).toBe(true);
    });
  }, 240_000);
});
