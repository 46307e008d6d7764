import { describe, expect, it } from 'vitest';
import {
  OtcApiError,
  OtcTransportError,
  duplicateRuleId,
  hasCode,
  isAuthError,
  isBusy,
  isConflict,
  isDuplicateRule,
  isNotFound,
  isQuotaExceeded,
  isRetryable,
  isThrottled,
  parseOtcError,
  parseRetryAfter,
} from '../../../src/otc/errors.js';

const NOW = new Date('2025-03-04T05:06:07Z');

describe('parseOtcError: one case per body shape', () => {
  const cases: {
    name: string;
    service: Parameters<typeof parseOtcError>[0];
    status: number;
    headers?: Record<string, string>;
    body: string;
    code: string;
    message: string;
    requestId?: string;
  }[] = [
    {
      name: 'VPCEP {error_code,error_msg}',
      service: 'vpcep',
      status: 400,
      body: '{"error_code":"EndPoint.0002","error_msg":"Parameter error."}',
      code: 'EndPoint.0002',
      message: 'Parameter error.',
    },
    {
      name: 'VPCEP tolerated {code,message}',
      service: 'vpcep',
      status: 404,
      body: '{"code":"EndPoint.0005","message":"The resource does not exist."}',
      code: 'EndPoint.0005',
      message: 'The resource does not exist.',
    },
    {
      name: 'DMS {error_code,error_msg}',
      service: 'dms',
      status: 404,
      body: '{"error_code":"DMS.00404022","error_msg":"This instance does not exist."}',
      code: 'DMS.00404022',
      message: 'This instance does not exist.',
    },
    {
      name: 'VPC v1 {code,message}',
      service: 'vpc',
      status: 400,
      body: '{"code":"VPC.0002","message":"Available zone Name is null."}',
      code: 'VPC.0002',
      message: 'Available zone Name is null.',
    },
    {
      name: 'VPC v3 {request_id,error_code,error_msg}',
      service: 'vpc',
      status: 409,
      body: '{"request_id":"f0a1b2c3d4","error_code":"VPC.9902","error_msg":"Security group rule already exists. Rule id is 0b8f4b8c-8a8e-4a51-9f8e-3d5fa1c2a111."}',
      code: 'VPC.9902',
      message: 'Security group rule already exists. Rule id is 0b8f4b8c-8a8e-4a51-9f8e-3d5fa1c2a111.',
      requestId: 'f0a1b2c3d4',
    },
    {
      name: 'Neutron {NeutronError:{type,message,detail}}',
      service: 'vpc',
      status: 409,
      body: '{"NeutronError":{"message":"Security group rule already exists. Rule id is 3c0e45ff-adaf-4124-b083-bf390e5482ff.","type":"SecurityGroupRuleExists","detail":""}}',
      code: 'SecurityGroupRuleExists',
      message: 'Security group rule already exists. Rule id is 3c0e45ff-adaf-4124-b083-bf390e5482ff.',
    },
    {
      name: 'Neutron with detail',
      service: 'vpc',
      status: 404,
      body: '{"NeutronError":{"message":"Security group rule x could not be found.","type":"SecurityGroupRuleNotFound","detail":"more"}}',
      code: 'SecurityGroupRuleNotFound',
      message: 'Security group rule x could not be found. (more)',
    },
    {
      name: 'VPC v1 batch: NeutronError inside error_msg',
      service: 'vpc',
      status: 400,
      body: JSON.stringify({ error_code: 'VPC.0114', error_msg: '{"NeutronError":{"type":"InvalidInput","message":"Invalid input for operation.","detail":""}}' }),
      code: 'InvalidInput',
      message: 'Invalid input for operation.',
    },
    {
      name: 'IAM keystone {error:{code,message,title}}',
      service: 'iam',
      status: 401,
      body: '{"error":{"message":"Unauthorized.","code":401,"title":"Unauthorized"}}',
      code: 'Unauthorized',
      message: 'Unauthorized.',
    },
    {
      name: 'IAM generic {error_code,error_msg}',
      service: 'iam',
      status: 401,
      body: '{"error_code":"IAM.0062","error_msg":"Incorrect password."}',
      code: 'IAM.0062',
      message: 'Incorrect password.',
    },
    {
      name: 'API gateway {error_msg,error_code:APIGW,request_id}',
      service: 'dms',
      status: 401,
      body: '{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"9a8b7c"}',
      code: 'APIGW.0301',
      message: 'Incorrect IAM authentication information: verify aksk signature fail',
      requestId: '9a8b7c',
    },
    {
      name: 'non-JSON body',
      service: 'vpc',
      status: 502,
      body: '<html>Bad Gateway</html>',
      code: 'HTTP.502',
      message: '<html>Bad Gateway</html>',
    },
    {
      name: 'empty body, request id from header',
      service: 'vpcep',
      status: 503,
      headers: { 'X-Request-Id': 'hdr-123' },
      body: '',
      code: 'HTTP.503',
      message: 'HTTP 503',
      requestId: 'hdr-123',
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const err = parseOtcError(c.service, c.status, c.headers ?? {}, c.body, { now: NOW });
      expect(err).toBeInstanceOf(OtcApiError);
      expect(err.service).toBe(c.service);
      expect(err.status).toBe(c.status);
      expect(err.code).toBe(c.code);
      expect(err.message).toBe(c.message);
      expect(err.requestId).toBe(c.requestId);
    });
  }

  it('prefers the body request_id over the header', () => {
    const err = parseOtcError('vpc', 400, { 'x-request-id': 'from-header' }, '{"request_id":"from-body","error_code":"VPC.1","error_msg":"x"}');
    expect(err.requestId).toBe('from-body');
  });
});

describe('retry table: one case per retryable code', () => {
  const retryable: [string, number, string][] = [
    ['HTTP 429 without code', 429, '{}'],
    ['APIGW.0308 (429)', 429, '{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached","request_id":"r"}'],
    ['APIG.0308', 429, '{"error_code":"APIG.0308","error_msg":"throttled"}'],
    ['EndPoint.0022 arrives as 400', 400, '{"error_code":"EndPoint.0022","error_msg":"The number of requests exceeded the limit."}'],
    ['DMS.10240407 arrives as 404', 404, '{"error_code":"DMS.10240407","error_msg":"The request is too frequent. Flow control is being performed."}'],
    ['EndPoint.0001 (500)', 500, '{"error_code":"EndPoint.0001","error_msg":"Internal error."}'],
    ['DMS.00400026 instance busy (400)', 400, '{"error_code":"DMS.00400026","error_msg":"This operation is not allowed due to the instance status."}'],
    ['DMS.00400017 job running (400)', 400, '{"error_code":"DMS.00400017","error_msg":"A background job is running."}'],
    ['IAM.0012 (429)', 429, '{"error_code":"IAM.0012","error_msg":"The throttling threshold has been reached. Threshold: 10 times per 1 seconds"}'],
    ['plain 500', 500, '{"error_code":"DMS.00500000","error_msg":"Internal error"}'],
    ['502', 502, ''],
    ['503', 503, ''],
    ['504', 504, 'gateway timeout'],
  ];
  for (const [name, status, body] of retryable) {
    it(`${name} is retryable`, () => {
      const err = parseOtcError('vpcep', status, {}, body);
      expect(err.retryable).toBe(true);
      expect(isRetryable(err)).toBe(true);
    });
  }

  const notRetryable: [string, number, string, (e: unknown) => boolean][] = [
    ['validation EndPoint.0002', 400, '{"error_code":"EndPoint.0002","error_msg":"Parameter error."}', () => true],
    ['not found EndPoint.0005', 404, '{"error_code":"EndPoint.0005","error_msg":"not found"}', isNotFound],
    ['not found DMS.00404022', 404, '{"error_code":"DMS.00404022","error_msg":"This instance does not exist."}', isNotFound],
    ['permission DMS.00403003', 403, '{"error_code":"DMS.00403003","error_msg":"no permission"}', isAuthError],
    ['bad signature APIGW.0301', 401, '{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail"}', isAuthError],
    ['quota Endpoint.1018 (docs casing)', 400, '{"error_code":"Endpoint.1018","error_msg":"Quota exceeded."}', isQuotaExceeded],
    ['in use EndPoint.3006', 400, '{"error_code":"EndPoint.3006","error_msg":"The endpoint service is being used."}', isConflict],
    ['VPCEP 504 null body EndPoint.0011', 504, '{"error_code":"EndPoint.0011","error_msg":"The request body is null."}', () => true],
  ];
  for (const [name, status, body, predicate] of notRetryable) {
    it(`${name} is not retryable`, () => {
      const err = parseOtcError('vpcep', status, {}, body);
      expect(err.retryable).toBe(false);
      expect(predicate(err)).toBe(true);
    });
  }

  it('compares codes case-insensitively', () => {
    expect(parseOtcError('vpcep', 400, {}, '{"error_code":"endpoint.0022","error_msg":"x"}').retryable).toBe(true);
    expect(hasCode(parseOtcError('vpcep', 400, {}, '{"error_code":"Endpoint.1018","error_msg":"x"}'), 'EndPoint.1018')).toBe(true);
  });

  it('DMS flow control on 404 is throttling, not not-found', () => {
    const err = parseOtcError('dms', 404, {}, '{"error_code":"DMS.10240407","error_msg":"too frequent"}');
    expect(isNotFound(err)).toBe(false);
    expect(isThrottled(err)).toBe(true);
  });

  it('busy instance is recognised', () => {
    expect(isBusy(parseOtcError('dms', 400, {}, '{"error_code":"DMS.00400026","error_msg":"x"}'))).toBe(true);
  });

  it('transport errors are always retryable', () => {
    const err = new OtcTransportError({ service: 'vpc', kind: 'network', message: 'reset', code: 'ECONNRESET' });
    expect(isRetryable(err)).toBe(true);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads delta seconds into retryAfterMs', () => {
    const err = parseOtcError('vpcep', 429, { 'Retry-After': '7' }, '{"error_code":"APIGW.0308","error_msg":"x"}');
    expect(err.retryAfterMs).toBe(7000);
  });
  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Tue, 04 Mar 2025 05:06:37 GMT', NOW)).toBe(30_000);
  });
  it('is absent without the header and for garbage', () => {
    expect(parseOtcError('vpcep', 429, {}, '{}').retryAfterMs).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('duplicate rule predicates', () => {
  it('parses the existing rule id from a Neutron 409', () => {
    const err = parseOtcError(
      'vpc',
      409,
      {},
      '{"NeutronError":{"message":"Security group rule already exists. Rule id is 3c0e45ff-adaf-4124-b083-bf390e5482ff.","type":"SecurityGroupRuleExists","detail":""}}',
    );
    expect(isDuplicateRule(err)).toBe(true);
    expect(isConflict(err)).toBe(true);
    expect(duplicateRuleId(err)).toBe('3c0e45ff-adaf-4124-b083-bf390e5482ff');
  });
  it('parses it from the v3 code too', () => {
    const err = parseOtcError('vpc', 409, {}, '{"error_code":"VPC.9902","error_msg":"Security group rule already exists. Rule id is 0b8f4b8c-8a8e-4a51-9f8e-3d5fa1c2a111."}');
    expect(duplicateRuleId(err)).toBe('0b8f4b8c-8a8e-4a51-9f8e-3d5fa1c2a111');
  });
  it('is not a duplicate for other conflicts', () => {
    const err = parseOtcError('vpc', 409, {}, '{"NeutronError":{"message":"In use","type":"SecurityGroupInUse","detail":""}}');
    expect(isDuplicateRule(err)).toBe(false);
    expect(duplicateRuleId(err)).toBeUndefined();
    expect(isConflict(err)).toBe(true);
  });
});
