/** Pure workflow logic: the port-id mapping, the saga helper, the poll schedule, the input schema. */
import { describe, expect, it } from 'vitest';
import { bootstrapServers, buildAdvertisedMapping, classifyAdvertised, MappingError } from '../../workflows/mapping.js';
import { nextPollDelayMs, pollDelayMs } from '../../workflows/polling.js';
import { Saga } from '../../workflows/saga.js';
import { accessWorkflowId, parseProvisionInput, portWorkflowId, serviceNameForPort } from '../../workflows/input.js';
import { secretEnvPrefix, resolveSaslSecret } from '../../activities/verify.js';
import { shortServiceName, hasAccessTags } from '../../activities/naming.js';

const entries = [
  { listenerIp: '10.0.0.100', advertisedIp: '10.0.0.100', portId: 'p-c', port: 9011 },
  { listenerIp: '10.0.0.61', advertisedIp: '10.0.0.61', portId: 'p-a', port: 9011 },
  { listenerIp: '10.0.0.72', advertisedIp: '10.0.0.72', portId: 'p-b', port: 9011 },
];

describe('advertised-IP mapping (by port id, never by position)', () => {
  it('maps each listener to the endpoint of its own port, whatever the order', () => {
    const ports = [
      { portId: 'p-a', endpointIp: '192.168.2.5' },
      { portId: 'p-b', endpointIp: '192.168.2.9' },
      { portId: 'p-c', endpointIp: '192.168.2.7' },
    ];
    expect(buildAdvertisedMapping(entries, ports)).toEqual({ '10.0.0.100': '192.168.2.7', '10.0.0.61': '192.168.2.5', '10.0.0.72': '192.168.2.9' });
    expect(buildAdvertisedMapping(entries, [...ports].reverse())).toEqual(buildAdvertisedMapping(entries, ports));
    expect(bootstrapServers(buildAdvertisedMapping(entries, ports), entries)).toBe('192.168.2.7:9011,192.168.2.5:9011,192.168.2.9:9011');
  });
  it('refuses gaps, duplicates and strangers', () => {
    expect(() => buildAdvertisedMapping(entries, [{ portId: 'p-a', endpointIp: '1.1.1.1' }, { portId: 'p-b', endpointIp: '1.1.1.2' }])).toThrow(MappingError);
    expect(() =>
      buildAdvertisedMapping(entries, [
        { portId: 'p-a', endpointIp: '1.1.1.1' },
        { portId: 'p-b', endpointIp: '1.1.1.1' },
        { portId: 'p-c', endpointIp: '1.1.1.3' },
      ]),
    ).toThrow(/two brokers/);
    expect(() =>
      buildAdvertisedMapping(entries, [
        { portId: 'p-a', endpointIp: '1.1.1.1' },
        { portId: 'p-b', endpointIp: '1.1.1.2' },
        { portId: 'p-c', endpointIp: '1.1.1.3' },
        { portId: 'p-x', endpointIp: '1.1.1.4' },
      ]),
    ).toThrow(/matches no broker/);
  });
  it('classifies advertised IPs as free, ours or foreign', () => {
    const current = [
      { ...entries[0]!, advertisedIp: '192.168.2.7' },
      { ...entries[1]!, advertisedIp: '8.8.8.8' },
      entries[2]!,
    ];
    const ours = [{ portId: 'p-c', endpointIp: '192.168.2.7' }];
    expect(classifyAdvertised(current, ours)).toEqual({ free: ['10.0.0.72'], ours: ['10.0.0.100'], foreign: ['10.0.0.61'] });
  });
});

describe('Saga', () => {
  it('runs undo steps newest first, continues past failures and reports undone, kept and leftovers', async () => {
    const ran: string[] = [];
    const saga = new Saga();
    saga.add('delete services', 'endpoint-service', async () => void ran.push('services'));
    saga.add(
      'remove rule',
      'security-group-rule',
      async () => {
        ran.push('rule');
        throw new Error('boom');
      },
      () => ['rule-1'],
    );
    const drop = saga.add('never', 'endpoint', async () => void ran.push('never'));
    saga.add('restore IPs', 'advertised-ip', async () => {
      ran.push('ips');
      return { undone: ['restored 3 IPs'], kept: ['endpoint e-1 (there before this run)'] };
    });
    drop();
    expect(saga.pending()).toEqual(['restore IPs', 'remove rule', 'delete services']);
    const report = await saga.compensate();
    expect(ran).toEqual(['ips', 'rule', 'services']);
    expect(report.undone).toEqual(['restored 3 IPs', 'delete services']);
    expect(report.kept).toEqual(['endpoint e-1 (there before this run)']);
    expect(report.leftovers).toEqual([{ kind: 'security-group-rule', ids: ['rule-1'], what: 'remove rule', error: 'boom' }]);
    expect(await saga.compensate()).toEqual({ undone: [], kept: [], leftovers: [] });
  });
});

describe('poll schedule', () => {
  const s = { firstPollMs: 1_000, maxPollMs: 10_000, backoffCoefficient: 2, deadlineMs: 30_000 };
  it('looks soon, backs off exponentially, caps, and stops at the deadline', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => pollDelayMs(s, a))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(nextPollDelayMs(s, 5, 25_000)).toBe(5_000);
    expect(nextPollDelayMs(s, 6, 30_000)).toBeNull();
  });
});

describe('input and naming', () => {
  it('fills defaults, picks the client credential set, and derives ids and names', () => {
    const r = parseProvisionInput({ instanceId: 'i-1', clientVpcId: 'v', clientSubnetId: 's', clientDomainId: 'abc123' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.input.clientCredentials).toBe('client');
      expect(r.input.timeouts.deadlineMs).toBe(15 * 60_000);
      expect(r.input.verify.onFailure).toBe('rollback');
    }
    expect(accessWorkflowId('i-1')).toBe('crossvpc-i-1');
    expect(portWorkflowId('crossvpc-i-1', 'p-1')).toBe('crossvpc-i-1-port-p-1');
    const name = serviceNameForPort('c844f7d4-2c94-447b-ae70-ebdb91984e55');
    expect(name).toBe('cvpc-c844f7d42c9');
    expect(name.length).toBeLessThanOrEqual(16);
    expect(shortServiceName(`eu-de.${name}.e77c0e14-c8ef-4b7e-a683-53aab6f35bdb`)).toBe(name);
    expect(hasAccessTags([{ key: 'crossvpc-access', value: 'i-1' }, { key: 'crossvpc-port', value: 'p' }], 'i-1', 'p')).toBe(true);
    expect(hasAccessTags([{ key: 'crossvpc-access', value: 'i-2' }], 'i-1')).toBe(false);
  });
  it('rejects secrets-looking references and names every bad field', () => {
    const r = parseProvisionInput({ instanceId: 'i-1', clientVpcId: 'v', clientSubnetId: 's', verify: { protocol: 'SASL_SSL', mechanism: 'PLAIN', secretRef: 'p@ss w0rd' }, extra: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields).toEqual(expect.arrayContaining(['verify.secretRef', 'extra']));
  });
  it('resolves a secret reference only from the verify worker environment', async () => {
    expect(secretEnvPrefix('kafka-client')).toBe('CROSSVPC_SECRET_KAFKA_CLIENT');
    await expect(resolveSaslSecret('kafka-client', 'PLAIN', {})).rejects.toThrow(/CROSSVPC_SECRET_KAFKA_CLIENT_USERNAME/);
  });
});
