/**
 * A create refused for a VPCEP quota (`Endpoint.1018`, classified `quota` by the one table in src/otc/errors.ts,
 * not retryable), told as which quota and how full it is (`GET /v1/{project_id}/quotas`): a non-retryable
 * QuotaExceeded. Any other error passes through unchanged.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isQuotaExceeded } from '../src/otc/errors.js';
import { ErrorTypes } from '../workflows/errors.js';
import type { OtcClientSet } from './clients.js';
import type { CloudScope } from './cloud-call.js';

export type QuotaResource = 'endpoint_service' | 'endpoint';

export async function quotaRefusal(c: OtcClientSet, resource: QuotaResource, err: unknown, scope: CloudScope): Promise<never> {
  if (!isQuotaExceeded(err)) throw err;
  const usage = await c.vpcep
    .getQuotas(resource, scope.read())
    .then((q) => q.quotas.resources.find((r) => r.type === resource))
    .catch(() => undefined); // only for the message
  throw ApplicationFailure.create({
    type: ErrorTypes.QuotaExceeded,
    nonRetryable: true,
    message: `VPCEP ${resource} quota exceeded (${err.code}: ${err.message})${usage ? `: ${usage.used} of ${usage.quota} in use` : ''}; delete unused ${resource === 'endpoint' ? 'endpoints' : 'endpoint services'} or ask for a higher quota`,
    details: [{ quota: resource, code: err.code, ...(usage ? { used: usage.used, limit: usage.quota } : {}) }],
  });
}
