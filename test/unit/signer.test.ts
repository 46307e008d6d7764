import { describe, expect, it } from 'vitest';
import { canonicalRequest, formatSdkDate, parseSdkDate, sign, verify } from '../../src/otc/signer.js';

// Vectors from otc-dms-vpc-iam-api.md §5.2 (TV-1: official guide; TV-2/3: huaweicloud-sdk-go-v3 signer_test.go).
describe('SDK-HMAC-SHA256 signer', () => {
  it('TV-1 reproduces the official guide example byte for byte', () => {
    const req = {
      method: 'GET',
      url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
      headers: {
        'Content-Type': 'application/json',
        Host: 'service.region.example.com',
        'X-Sdk-Date': '20191115T033655Z',
      },
      body: '',
    };
    const result = sign(req, { ak: 'QTWAOYTTINDUT2QVKYUC', sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' });
    expect(result.canonicalRequest).toBe(
      [
        'GET',
        '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
        'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        'content-type:application/json',
        'host:service.region.example.com',
        'x-sdk-date:20191115T033655Z',
        '',
        'content-type;host;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(result.signature).toBe('7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe');
    expect(result.authorization).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });

  it('TV-2 GET with only x-sdk-date signed', () => {
    const req = {
      method: 'GET',
      url: 'https://example.huaweicloud.com/path?limit=1',
      headers: { 'X-Sdk-Date': '20060102T150405Z', TEST_UNDERSCORE: 'x' },
    };
    const result = sign(req, { ak: 'AccessKey', sk: 'SecretKey' }, ['x-sdk-date']);
    expect(canonicalRequest(req, ['x-sdk-date'])).toBe(
      'GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(result.authorization).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    );
  });

  it('TV-3 POST body bytes matter (trailing newline)', () => {
    const base = {
      method: 'POST',
      url: 'https://example.huaweicloud.com/path?key=value',
      headers: { 'X-Sdk-Date': '20060102T150405Z', 'Content-Type': 'application/json' },
    };
    const withNewline = sign({ ...base, body: '{"Name":"test","Id":1}\n' }, { ak: 'AccessKey', sk: 'SecretKey' }, ['x-sdk-date']);
    expect(withNewline.signature).toBe('cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
    const without = sign({ ...base, body: '{"Name":"test","Id":1}' }, { ak: 'AccessKey', sk: 'SecretKey' }, ['x-sdk-date']);
    expect(without.signature.startsWith('83599e52')).toBe(true);
  });

  it('round-trips through verify and rejects tampering, unknown keys and clock skew', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const headers = { 'X-Sdk-Date': formatSdkDate(now), Host: '127.0.0.1:8080', 'Content-Type': 'application/json' };
    const req = { method: 'POST', url: 'http://127.0.0.1:8080/v1/p/things?b=2&a=1', headers, body: '{"a":1}' };
    const { authorization } = sign(req, { ak: 'AK1', sk: 'SK1' });
    const lookup = (ak: string) => (ak === 'AK1' ? 'SK1' : undefined);
    expect(verify({ ...req, authorization }, lookup, now)).toEqual({ ok: true, ak: 'AK1' });
    expect(verify({ ...req, body: '{"a":2}', authorization }, lookup, now)).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(verify({ ...req, authorization: authorization.replace('AK1', 'AK2') }, lookup, now)).toMatchObject({ reason: 'unknown-key' });
    expect(verify({ ...req, authorization }, lookup, new Date(now.getTime() + 16 * 60_000))).toMatchObject({ reason: 'date-skew' });
    expect(verify({ ...req, authorization: 'Bearer x' }, lookup, now)).toMatchObject({ reason: 'malformed' });
  });

  it('formats and parses X-Sdk-Date', () => {
    const d = new Date('2019-11-15T03:36:55.123Z');
    expect(formatSdkDate(d)).toBe('20191115T033655Z');
    expect(parseSdkDate('20191115T033655Z')?.toISOString()).toBe('2019-11-15T03:36:55.000Z');
    expect(parseSdkDate('2019-11-15')).toBeUndefined();
  });
});
