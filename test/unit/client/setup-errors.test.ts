/**
 * A namespace that is not set up is SetupRequired (exit 2) with the fix in the message, whatever call hit it
 * (src/client/errors.ts): a start without the search attributes, a list query, a missing namespace.
 */
import { NamespaceNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toCrossVpcError } from '../../../src/client/errors.js';

/** What @temporalio/client throws: a ServiceError whose cause is the gRPC error. */
function serviceError(message: string, code: number, details: string): Error {
  const grpc = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return Object.assign(new Error(message, { cause: grpc }), { name: 'ServiceError' });
}

describe('SetupRequired', () => {
  it('a start without the search attribute names it and `crossvpc setup`', () => {
    const e = toCrossVpcError(serviceError('Failed to start Workflow', 3, 'Namespace default has no mapping defined for search attribute CrossVpcPhase'), { what: 'access crossvpc-i', namespace: 'default' });
    expect(e).toMatchObject({ code: 'SetupRequired', field: 'TEMPORAL_NAMESPACE', apiCode: 'INVALID_ARGUMENT' });
    expect(e.message).toBe(
      'namespace default has no search attribute CrossVpcPhase: run `crossvpc setup --namespace default` (registers CrossVpcInstanceId, CrossVpcPhase, CrossVpcHealth as Keyword; needs the operator API, else ask a Temporal admin to run it)',
    );
    expect(e.message).not.toContain('\n');
  });

  it('a list query on a missing attribute, and a missing namespace, name their fix', () => {
    const list = toCrossVpcError(serviceError('Failed to list workflows', 3, 'invalid query: invalid search attribute: CrossVpcHealth'), { what: 'schedule list', namespace: 'ops' });
    expect(list).toMatchObject({ code: 'SetupRequired', message: expect.stringContaining('namespace ops has no search attribute CrossVpcHealth') });
    const missing = toCrossVpcError(new NamespaceNotFoundError('ops'), { what: 'access crossvpc-i', namespace: 'ops' });
    expect(missing).toMatchObject({ code: 'SetupRequired', field: 'TEMPORAL_NAMESPACE', message: expect.stringContaining('namespace ops does not exist: run `crossvpc setup --create-namespace --namespace ops`') });
    const grpcMissing = toCrossVpcError(serviceError('x', 5, 'Namespace ops is not found.'), { what: 'access crossvpc-i', namespace: 'ops' });
    expect(grpcMissing).toMatchObject({ code: 'SetupRequired', apiCode: 'NOT_FOUND', message: expect.stringContaining('namespace ops does not exist') });
  });

  it('a missing workflow is still NotFound', () => {
    const e = toCrossVpcError(serviceError('not found', 5, 'workflow not found for ID: crossvpc-i'), { what: 'access crossvpc-i', namespace: 'default' });
    expect(e.code).toBe('NotFound');
  });
});
