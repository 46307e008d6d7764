/**
 * A scenario of many instances for load runs (bench/, the rate-limit test): account A with `instances` Kafka
 * instances of `brokers` brokers in one VPC, each in its own security group, and one client subnet large enough for every
 * endpoint. Addresses (`{prefix}` = `127.A`): instances' subnet {prefix}.128.0/17 (listener IPs numbered from
 * {prefix}.128.1), client subnet {prefix}.16.0/20. Quotas are raised to fit.
 */
import { z } from 'zod';
import type { ScenarioInput } from './schema.js';

const ScaleSchema = z.strictObject({
  instances: z.number().int().min(1).max(5_000),
  brokers: z.number().int().min(1).max(30),
  delays: z.strictObject({ serviceCreate: z.number().int().min(0), endpointCreate: z.number().int().min(0) }).optional(),
});

export function scaleScenario(raw: z.input<typeof ScaleSchema>): ScenarioInput {
  const o = ScaleSchema.parse(raw);
  const listenerIp = (i: number, b: number): string => {
    const n = i * o.brokers + b;
    return `{prefix}.${128 + Math.floor(n / 250)}.${1 + (n % 250)}`;
  };
  if (o.instances * o.brokers > 250 * 127) throw new RangeError('scaleScenario: too many brokers for the address plan');
  const endpoints = o.instances * o.brokers;
  return {
    name: `scale-${o.instances}x${o.brokers}`,
    region: 'eu-de',
    accounts: [
      {
        name: 'A',
        vpcs: [
          { name: 'kafka-vpc', cidr: '{prefix}.128.0/17', subnets: [{ name: 'kafka-subnet', cidr: '{prefix}.128.0/17' }] },
          { name: 'client-vpc-a', cidr: '{prefix}.16.0/20', subnets: [{ name: 'client-subnet-a', cidr: '{prefix}.16.0/20', client: true }] },
        ],
        // One group per instance, as separate Kafka instances usually have: a shared group would serialize the
        // accesses on its rule lock (docs/decisions/operation-lock.md), which is a different benchmark.
        securityGroups: Array.from({ length: o.instances }, (_, i) => ({ name: `kafka-sg-${i}`, description: 'Kafka instance security group' })),
        kafkaInstances: Array.from({ length: o.instances }, (_, i) => ({
          name: `kafka-${i}`,
          vpc: 'kafka-vpc',
          subnet: 'kafka-subnet',
          securityGroup: `kafka-sg-${i}`,
          brokers: o.brokers,
          listenerIps: Array.from({ length: o.brokers }, (_, b) => listenerIp(i, b)),
          security: { protocol: 'PLAINTEXT' as const },
        })),
      },
      { name: 'B', vpcs: [{ name: 'client-vpc-b', cidr: '{prefix}.3.0/24', subnets: [{ name: 'client-subnet-b', cidr: '{prefix}.3.0/24', client: true }] }], securityGroups: [{ name: 'client-sg-b' }] },
    ],
    ...(o.delays ? { delays: { serviceCreate: o.delays.serviceCreate, serviceUpdate: 100, serviceDelete: 300, endpointCreate: o.delays.endpointCreate, endpointDelete: 300 } } : {}),
    quotas: { endpointServices: endpoints + 10, endpoints: endpoints + 10, whitelistRecords: 100 },
  };
}
