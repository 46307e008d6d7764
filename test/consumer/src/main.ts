/**
 * What an internal service does with `kafka-crossvpc/client`, compiled by its own tsc and run on plain Node:
 * validate a request, connect, read an access. Prints one JSON line with what it saw.
 */
import { CrossVpcClient, CrossVpcError, ProvisionInputSchema, type AccessStatus, type ProvisionRequest } from 'kafka-crossvpc/client';

const request: ProvisionRequest = { instanceId: 'inst-1', clientVpcId: 'vpc-1', clientSubnetId: 'subnet-1', clientSubnetCidr: '300.1.1.1/24' };

// The types are real, not `any`: each line below must be a type error (tsc fails on an unused directive).
// @ts-expect-error instanceId is a string
const wrongId: ProvisionRequest = { instanceId: 42, clientVpcId: 'v', clientSubnetId: 's' };
// @ts-expect-error workflowStatus is a status name, not a number
const wrongStatus: AccessStatus['workflowStatus'] = 7;
void wrongId;
void wrongStatus;

function describe(err: unknown): { code: string; field: string | undefined } {
  if (!(err instanceof CrossVpcError)) throw err;
  return { code: err.code, field: err.field };
}

const out: Record<string, unknown> = { resolved: import.meta.resolve('kafka-crossvpc/client') };
try {
  CrossVpcClient.validateAccessRequest(request);
} catch (err) {
  out.validate = describe(err);
}
out.schema = ProvisionInputSchema.safeParse({ ...request, clientSubnetCidr: '10.0.1.0/24' }).success;
const cv = await CrossVpcClient.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', taskQueue: 'consumer' });
try {
  await cv.describeAccess('no-such-instance-consumer');
} catch (err) {
  out.describe = describe(err);
} finally {
  await cv.close();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
