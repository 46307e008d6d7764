/**
 * The `default` scenario (Address plan of docs/architecture.md, `{prefix}` = `127.A`):
 * - account A: VPC `kafka-vpc` {prefix}.8.0/21 with subnet `kafka-subnet` {prefix}.10.0/24, security group
 *   `kafka-sg` (Sys-default rules only: the procedure must add the 198.19.128.0/17 rule), a 3-broker PLAINTEXT
 *   instance `kafka-demo` (listener IPs {prefix}.10.11-13), and a client VPC `client-vpc-a` with subnet
 *   {prefix}.2.0/24;
 * - account B: client VPC `client-vpc-b` with subnet {prefix}.3.0/24 (the cross-account path).
 */
import type { ScenarioInput } from './schema.js';

export const defaultScenario: ScenarioInput = {
  name: 'default',
  region: 'eu-de',
  accounts: [
    {
      name: 'A',
      vpcs: [
        {
          name: 'kafka-vpc',
          cidr: '{prefix}.8.0/21',
          subnets: [{ name: 'kafka-subnet', cidr: '{prefix}.10.0/24' }],
        },
        {
          name: 'client-vpc-a',
          cidr: '{prefix}.2.0/24',
          subnets: [{ name: 'client-subnet-a', cidr: '{prefix}.2.0/24', client: true }],
        },
      ],
      securityGroups: [{ name: 'kafka-sg', description: 'Kafka instance security group' }],
      kafkaInstances: [
        {
          name: 'kafka-demo',
          vpc: 'kafka-vpc',
          subnet: 'kafka-subnet',
          securityGroup: 'kafka-sg',
          brokers: 3,
          security: { protocol: 'PLAINTEXT' },
        },
      ],
    },
    {
      name: 'B',
      vpcs: [
        {
          name: 'client-vpc-b',
          cidr: '{prefix}.3.0/24',
          subnets: [{ name: 'client-subnet-b', cidr: '{prefix}.3.0/24', client: true }],
        },
      ],
      securityGroups: [{ name: 'client-sg-b' }],
    },
  ],
};
