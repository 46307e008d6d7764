/**
 * The seed procedure done by hand with the product's clients alone (no workflow), against the sandbox
 * with REAL Kafka brokers: services + endpoints per port id, security-group rule, advertised IPs by port id,
 * then produce and consume through `endpointIp:9011,...`. Negative paths: swapped advertised IPs,
 * missing security-group rule.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeKafka, KafkaProbeError } from '../../src/kafka/kafka-probe.js';
import type { OtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type ReadyInstance, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { clients, fastScenario, waitFor } from './support/sandbox-helpers.js';

const prefix = await claimAddressPrefix();

describe('procedure by hand through the product clients, real Kafka data plane', () => {
  let sb: Sandbox;
  let a: OtcClients;
  let instance: ReadyInstance;

  beforeAll(async () => {
    sb = await startSandbox({ scenario: fastScenario(), addressPrefix: prefix, kafka: true, log: () => undefined });
    a = clients(sb, 'A');
    const inst = sb.ready.instances.find((i) => i.account === 'A');
    if (!inst) throw new Error('default scenario has no instance in account A');
    instance = inst;
  }, 240_000);

  afterAll(async () => {
    await sb?.stop();
  });

  /** Creates one service + endpoint per broker port in A's client subnet; returns listenerIp → endpointIp. */
  async function provisionEndpoints(): Promise<Map<string, { endpointIp: string; portId: string }>> {
    const net = sb.ready.clientNetworks.find((n) => n.account === 'A');
    if (!net) throw new Error('no client network for A');
    const info = await a.dms.getInstance(instance.instanceId);
    const out = new Map<string, { endpointIp: string; portId: string }>();
    for (const entry of info.crossVpcEntries) {
      const svc = await a.vpcep.createEndpointService({
        port_id: entry.portId,
        vpc_id: info.vpc_id as string,
        server_type: 'VM',
        service_type: 'interface',
        approval_enabled: false,
        ports: [{ client_port: 9011, server_port: 9011, protocol: 'TCP' }],
      });
      await waitFor('service available', async () => ((await a.vpcep.getEndpointService(svc.id)).status === 'available' ? true : undefined));
      const ep = await a.vpcep.createEndpoint({ endpoint_service_id: svc.id, vpc_id: net.vpcId, subnet_id: net.subnetId });
      const ip = await waitFor('endpoint accepted', async () => {
        const e = await a.vpcep.getEndpoint(ep.id);
        return e.status === 'accepted' && typeof e.ip === 'string' ? e.ip : undefined;
      });
      out.set(entry.listenerIp, { endpointIp: ip, portId: entry.portId });
    }
    return out;
  }

  it('produces and consumes through the endpoint IPs once SG rule and advertised IPs are set by port id; fails when swapped or unruled', async () => {
    const mapping = await provisionEndpoints();
    expect(mapping.size).toBe(instance.brokers);
    const endpointIps = [...mapping.values()].map((m) => m.endpointIp);
    const bootstrap = endpointIps.map((ip) => `${ip}:9011`);

    // Without the security-group rule the endpoint's forwarding is refused, as in the cloud.
    await expect(probeKafka({ bootstrapServers: bootstrap, security: { protocol: 'PLAINTEXT' }, topic: 'by-hand', timeoutMs: 8_000 })).rejects.toBeInstanceOf(KafkaProbeError);

    const rule = await a.vpc.createSecurityGroupRule({
      security_group_id: instance.securityGroupId,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 9011,
      port_range_max: 9011,
      remote_ip_prefix: '198.19.128.0/17',
    });

    // Advertised IPs by port id (each listener gets the IP of the endpoint that serves its own port).
    const contents = Object.fromEntries([...mapping].map(([listenerIp, m]) => [listenerIp, m.endpointIp]));
    const modified = await a.dms.modifyCrossVpc(instance.instanceId, contents);
    expect(modified.success).toBe(true);
    const after = await a.dms.getInstance(instance.instanceId);
    for (const e of after.crossVpcEntries) expect(e.advertisedIp).toBe(mapping.get(e.listenerIp)?.endpointIp);

    const ok = await probeKafka({
      bootstrapServers: bootstrap,
      security: { protocol: 'PLAINTEXT' },
      topic: 'by-hand',
      timeoutMs: 60_000,
      expectBrokerHosts: endpointIps,
    });
    expect(ok.consumed).toBe(true);
    expect(ok.brokers.map((b) => b.host).sort()).toEqual([...endpointIps].sort());

    // Swap the advertised IPs of two brokers: metadata now sends clients to the wrong broker.
    const listeners = [...mapping.keys()];
    const [l0, l1] = [listeners[0] as string, listeners[1] as string];
    const swapped = { ...contents, [l0]: contents[l1] as string, [l1]: contents[l0] as string };
    expect((await a.dms.modifyCrossVpc(instance.instanceId, swapped)).success).toBe(true);
    await expect(
      probeKafka({ bootstrapServers: bootstrap, security: { protocol: 'PLAINTEXT' }, topic: 'by-hand-swapped', timeoutMs: 15_000 }),
    ).rejects.toBeInstanceOf(KafkaProbeError);

    // Restore the right mapping, then remove the rule: connections through the endpoints are refused again.
    expect((await a.dms.modifyCrossVpc(instance.instanceId, contents)).success).toBe(true);
    await a.vpc.deleteSecurityGroupRule(rule.id);
    await expect(
      probeKafka({ bootstrapServers: bootstrap, security: { protocol: 'PLAINTEXT' }, topic: 'by-hand', timeoutMs: 8_000 }),
    ).rejects.toBeInstanceOf(KafkaProbeError);
  }, 240_000);
});
