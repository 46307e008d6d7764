import { describe, expect, it } from 'vitest';
import { ConfigError, credentialSet, loadConfig, type Env } from '../../../src/config/env-config.js';

const PROJECT = 'a4a5d4098fb4474fa22cd05f897d6b99';
const base: Env = { OTC_REGION: 'eu-de', OTC_PROJECT_ID: PROJECT, OTC_AK: 'QTWAOYTTINDUT2QVKYUC', OTC_SK: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' };

function problems(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('AK/SK with defaults', () => {
    const cfg = loadConfig(base);
    expect(cfg.otc).toEqual({
      name: 'default',
      region: 'eu-de',
      projectId: PROJECT,
      credentials: { kind: 'aksk', ak: 'QTWAOYTTINDUT2QVKYUC', sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
      endpoints: {
        iam: 'https://iam.eu-de.otc.t-systems.com',
        vpcep: 'https://vpcep.eu-de.otc.t-systems.com',
        dms: 'https://dms.eu-de.otc.t-systems.com',
        vpc: 'https://vpc.eu-de.otc.t-systems.com',
        dns: 'https://dns.eu-de.otc.t-systems.com',
      },
      timeoutMs: 30000,
    });
    expect(cfg.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kafka-crossvpc' });
    expect(cfg.credentialSets).toEqual({});
  });

  it('security token, domain id, overrides, timeout, temporal', () => {
    const cfg = loadConfig({
      ...base,
      OTC_SECURITY_TOKEN: 'sts',
      OTC_DOMAIN_ID: 'dom1',
      OTC_ENDPOINT_VPC: 'http://127.10.0.1:4000/',
      OTC_ENDPOINT_IAM: 'http://127.10.0.1:4001',
      OTC_TIMEOUT_MS: '1500',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'q1',
    });
    expect(cfg.otc.credentials).toEqual({ kind: 'aksk', ak: 'QTWAOYTTINDUT2QVKYUC', sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc', securityToken: 'sts' });
    expect(cfg.otc.domainId).toBe('dom1');
    expect(cfg.otc.endpoints.vpc).toBe('http://127.10.0.1:4000');
    expect(cfg.otc.endpoints.iam).toBe('http://127.10.0.1:4001');
    expect(cfg.otc.endpoints.dms).toBe('https://dms.eu-de.otc.t-systems.com');
    expect(cfg.otc.timeoutMs).toBe(1500);
    expect(cfg.temporal).toEqual({ address: 'temporal:7233', namespace: 'prod', taskQueue: 'q1' });
  });

  it('eu-ch2 endpoints', () => {
    expect(loadConfig({ ...base, OTC_REGION: 'eu-ch2' }).otc.endpoints.iam).toBe('https://iam-pub.eu-ch2.sc.otc.t-systems.com');
  });

  it('password flow with agency; project id optional', () => {
    const cfg = loadConfig({
      OTC_REGION: 'eu-nl',
      OTC_USERNAME: 'alice',
      OTC_PASSWORD: 'pw',
      OTC_DOMAIN_NAME: 'OTC00000000001000000XXX',
      OTC_PROJECT_NAME: 'eu-nl_sub',
      OTC_AGENCY_DOMAIN_NAME: 'OTC-B',
      OTC_AGENCY_NAME: 'crossvpc',
    });
    expect(cfg.otc.projectId).toBeUndefined();
    expect(cfg.otc.credentials).toEqual({
      kind: 'password',
      username: 'alice',
      password: 'pw',
      domainName: 'OTC00000000001000000XXX',
      projectName: 'eu-nl_sub',
      agency: { domainName: 'OTC-B', agencyName: 'crossvpc' },
    });
  });

  it('named credential sets inherit region and endpoints, not project', () => {
    const cfg = loadConfig({
      ...base,
      OTC_ENDPOINT_VPCEP: 'http://127.10.0.1:4002',
      OTC_CREDENTIALS_CLIENT_AK: 'BBBBBBBBBBBBBBBBBBBB',
      OTC_CREDENTIALS_CLIENT_SK: 'sk-b',
      OTC_CREDENTIALS_CLIENT_PROJECT_ID: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      OTC_CREDENTIALS_CLIENT_DOMAIN_ID: 'domb',
      OTC_CREDENTIALS_OTHER_ACCT_USERNAME: 'bob',
      OTC_CREDENTIALS_OTHER_ACCT_PASSWORD: 'pw2',
      OTC_CREDENTIALS_OTHER_ACCT_DOMAIN_NAME: 'OTC-C',
      OTC_CREDENTIALS_OTHER_ACCT_REGION: 'eu-nl',
    });
    expect(Object.keys(cfg.credentialSets).sort()).toEqual(['client', 'other_acct']);
    const client = credentialSet(cfg, 'client');
    expect(client).toMatchObject({ name: 'client', region: 'eu-de', projectId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', domainId: 'domb', timeoutMs: 30000 });
    expect(client.credentials).toEqual({ kind: 'aksk', ak: 'BBBBBBBBBBBBBBBBBBBB', sk: 'sk-b' });
    expect(client.endpoints.vpcep).toBe('http://127.10.0.1:4002');
    const other = credentialSet(cfg, 'other_acct');
    expect(other.region).toBe('eu-nl');
    expect(other.projectId).toBeUndefined();
    expect(other.endpoints.dms).toBe('https://dms.eu-nl.otc.t-systems.com');
    expect(other.endpoints.vpcep).toBe('http://127.10.0.1:4002');
    expect(credentialSet(cfg, 'default')).toBe(cfg.otc);
    expect(() => credentialSet(cfg, 'missing')).toThrow(/OTC_CREDENTIALS_MISSING_AK/);
  });

  it('empty values count as unset', () => {
    expect(loadConfig({ ...base, OTC_SECURITY_TOKEN: '', TEMPORAL_ADDRESS: '' }).temporal.address).toBe('127.0.0.1:7233');
  });
});

describe('configuration errors', () => {
  it('lists every problem in one message naming the variable and what it expects', () => {
    const err = problems({ OTC_AK: 'AKAKAKAKAK', OTC_TIMEOUT_MS: 'soon', OTC_ENDPOINT_DMS: 'ftp://x', TEMPORAL_ADDRESS: 'no-port' });
    const vars = err.issues.map((i) => i.variable);
    expect(vars).toEqual(expect.arrayContaining(['OTC_REGION', 'OTC_SK', 'OTC_PROJECT_ID', 'OTC_TIMEOUT_MS', 'OTC_ENDPOINT_DMS', 'TEMPORAL_ADDRESS']));
    expect(err.message).toMatch(/OTC_REGION: is required: expected a region name like eu-de/);
    expect(err.message).toMatch(/OTC_TIMEOUT_MS: expected an integer number of milliseconds between 100 and 600000 \(got "soon"\)/);
    expect(err.message).toMatch(/OTC_ENDPOINT_DMS: expected an http\(s\) base URL/);
    expect(err.message).toMatch(/TEMPORAL_ADDRESS: expected host:port/);
    expect(err.message).toMatch(/OTC_PROJECT_ID: is required with AK\/SK/);
    expect(err.message.split('\n')).toHaveLength(err.issues.length + 1);
  });

  it('no credentials at all', () => {
    expect(problems({ OTC_REGION: 'eu-de' }).message).toMatch(/OTC_AK\/OTC_SK: credentials are required: set OTC_AK\+OTC_SK .* or OTC_USERNAME\+OTC_PASSWORD\+OTC_DOMAIN_NAME/);
  });

  it('malformed region', () => {
    expect(problems({ ...base, OTC_REGION: 'Germany' }).issues).toEqual([{ variable: 'OTC_REGION', expected: 'expected a region name like eu-de, eu-nl or eu-ch2 (got "Germany")' }]);
  });

  it('never echoes secrets', () => {
    const err = problems({ ...base, OTC_AK: 'has spaces and-secret' });
    expect(err.issues.map((i) => i.variable)).toEqual(['OTC_AK']);
    expect(err.message).not.toContain('has spaces');
  });

  it('both AK/SK and password', () => {
    expect(problems({ ...base, OTC_USERNAME: 'alice' }).message).toMatch(/either OTC_AK\+OTC_SK or OTC_USERNAME\+OTC_PASSWORD\+OTC_DOMAIN_NAME, not both/);
  });

  it('incomplete password flow and half an agency', () => {
    const err = problems({ OTC_REGION: 'eu-de', OTC_USERNAME: 'alice', OTC_AGENCY_NAME: 'ag', OTC_SECURITY_TOKEN: 't' });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['OTC_AGENCY_DOMAIN_NAME', 'OTC_DOMAIN_NAME', 'OTC_PASSWORD', 'OTC_SECURITY_TOKEN']);
  });

  it('agency with AK/SK is refused', () => {
    expect(problems({ ...base, OTC_AGENCY_NAME: 'ag' }).issues.map((i) => i.variable)).toEqual(['OTC_AGENCY_NAME']);
  });

  it('named set problems name the set variables', () => {
    const err = problems({ ...base, OTC_CREDENTIALS_CLIENT_AK: 'BBBBBBBBBBBB', OTC_CREDENTIALS_CLIENT_REGION: 'nowhere', OTC_CREDENTIALS_CLIENT_FOO: 'x' });
    const vars = err.issues.map((i) => i.variable).sort();
    expect(vars).toEqual(['OTC_CREDENTIALS_CLIENT_FOO', 'OTC_CREDENTIALS_CLIENT_PROJECT_ID', 'OTC_CREDENTIALS_CLIENT_REGION', 'OTC_CREDENTIALS_CLIENT_SK']);
    expect(err.message).toMatch(/OTC_CREDENTIALS_CLIENT_FOO: unknown variable/);
  });

  it('DEFAULT is a reserved set name', () => {
    expect(problems({ ...base, OTC_CREDENTIALS_DEFAULT_AK: 'CCCCCCCCCC' }).message).toMatch(/reserved/);
  });
});
