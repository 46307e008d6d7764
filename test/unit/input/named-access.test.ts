/** Named access input and names (pure): the access field, broker names, the bootstrap list, ids. */
import { describe, expect, it } from 'vitest';
import { brokerName, brokerNames, instanceShortId, namedBootstrap, zoneFqdn } from '../../../workflows/broker-names.js';
import { namedAccessWorkflowId, parseProvisionInput, removeClientWorkflowId } from '../../../workflows/input.js';
import { RemoveClientInputSchema } from '../../../workflows/remove-client-input.js';

const base = { instanceId: '96577d34-2938-4860-bd62-158c102582fe', clientVpcId: 'vpc-1', clientSubnetId: 'subnet-1' };

describe('named access input', () => {
  it('is absent by default: the single-VPC IP mode, parsed exactly as before', () => {
    const r = parseProvisionInput(base);
    expect(r.ok && r.input.access).toBeUndefined();
  });

  it('defaults the zone to kafka.internal and normalises a given one (lower case, no trailing dot)', () => {
    const r = parseProvisionInput({ ...base, access: { mode: 'named' } });
    expect(r.ok && r.input.access).toEqual({ mode: 'named', zone: 'kafka.internal' });
    const z = parseProvisionInput({ ...base, access: { mode: 'named', zone: 'Kafka.Corp.Example.' } });
    expect(z.ok && z.input.access?.zone).toBe('kafka.corp.example');
  });

  it('names the field of a bad mode or zone, and of an unknown access field', () => {
    for (const [access, field] of [
      [{ mode: 'dns' }, 'access.mode'],
      [{ mode: 'named', zone: 'single' }, 'access.zone'],
      [{ mode: 'named', zone: 'bad_label.internal' }, 'access.zone'],
      [{ mode: 'named', ttl: 5 }, 'access.ttl'],
    ] as const) {
      const r = parseProvisionInput({ ...base, access });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.fields).toEqual([field]);
    }
  });

  it('remove-client input names its fields too', () => {
    const r = RemoveClientInputSchema.safeParse({ instanceId: 'i-1' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['clientVpcId']);
    expect(RemoveClientInputSchema.parse({ instanceId: 'i-1', clientVpcId: 'v' })).toMatchObject({ zone: 'kafka.internal', instanceCredentials: 'default' });
  });
});

describe('broker names', () => {
  it('b<n>.<first 8 alphanumerics of the instance id, lower case>.<zone>, n in entry order', () => {
    expect(instanceShortId('96577D34-2938-4860')).toBe('96577d34');
    expect(brokerName(base.instanceId, 'kafka.internal', 0)).toBe('b1.96577d34.kafka.internal');
    const entries = [{ listenerIp: '10.0.0.3' }, { listenerIp: '10.0.0.1' }];
    const names = brokerNames(entries, base.instanceId, 'kafka.internal');
    expect(names).toEqual({ '10.0.0.3': 'b1.96577d34.kafka.internal', '10.0.0.1': 'b2.96577d34.kafka.internal' });
    expect(namedBootstrap(entries, names)).toBe('b1.96577d34.kafka.internal:9011,b2.96577d34.kafka.internal:9011');
    expect(zoneFqdn('kafka.internal')).toBe('kafka.internal.');
  });

  it('workflow ids of one client VPC and of its removal', () => {
    expect(namedAccessWorkflowId('i', 'v')).toBe('crossvpc-i-vpc-v');
    expect(removeClientWorkflowId('i', 'v')).toBe('crossvpc-i-vpc-v-remove');
  });
});
