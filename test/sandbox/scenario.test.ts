import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultInjector, pathMatches } from '../../src/sandbox/faults/fault-injector.js';
import { loadScenario, ScenarioError } from '../../src/sandbox/scenario/load.js';
import { World } from '../../src/sandbox/state/world.js';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario loading and validation', () => {
  it('loads the default scenario with the Address plan for the given prefix', () => {
    const s = loadScenario('default', { addressPrefix: '127.77' });
    const world = new World(s, { prefix: '127.77', seed: 1 });
    const [inst] = [...world.instances.values()];
    expect(inst?.brokers.map((b) => b.listenerIp)).toEqual(['127.77.10.11', '127.77.10.12', '127.77.10.13']);
    const client = [...world.subnets.values()].filter((x) => x.client).map((x) => x.cidr);
    expect(client).toEqual(['127.77.2.0/24', '127.77.3.0/24']);
    expect([...world.accounts.keys()]).toEqual(['A', 'B']);
    expect(world.accounts.get('A')?.projects[0]?.name).toBe('eu-de');
    expect(world.accounts.get('A')?.ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(s.delays.serviceCreate).toBe(1500);
    expect(s.quotas).toEqual({ endpointServices: 20, endpoints: 50, whitelistRecords: 100 });
  });

  it('is deterministic per seed', () => {
    const s = loadScenario('default');
    const ids = (seed: number) => [...new World(s, { prefix: '127.10', seed }).instances.keys()];
    expect(ids(5)).toEqual(ids(5));
    expect(ids(5)).not.toEqual(ids(6));
  });

  it('names the path of schema errors', () => {
    const issues = issuesOf(() =>
      loadScenario({ accounts: [{ name: 'A', vpcs: [{ name: 'v', cidr: 'nope', subnets: [] }], kafkaInstances: [{ name: 'k', vpc: 'v', subnet: 's', securityGroup: 'g', brokers: 0 }] }] }),
    );
    expect(issues.join('\n')).toContain('accounts[0].vpcs[0].cidr');
    expect(issues.join('\n')).toContain('accounts[0].kafkaInstances[0].brokers');
  });

  it('rejects unknown keys and bad fault specs', () => {
    expect(issuesOf(() => loadScenario({ accounts: [{ name: 'A' }], bogus: 1 })).join('\n')).toMatch(/bogus|Unrecognized/);
    expect(issuesOf(() => loadScenario({ accounts: [{ name: 'A' }], faults: [{ kind: 'explode' }] })).join('\n')).toContain('faults[0]');
  });

  it('checks cross references, CIDRs and project names', () => {
    const issues = issuesOf(() =>
      loadScenario({
        accounts: [
          {
            name: 'A',
            projects: [{ name: 'eu-nl' }],
            vpcs: [
              { name: 'v', cidr: '10.0.0.0/16', subnets: [{ name: 's', cidr: '10.1.0.0/24' }] },
              { name: 'w', cidr: '198.19.128.0/24' },
            ],
            securityGroups: [{ name: 'g' }],
            kafkaInstances: [{ name: 'k', vpc: 'v', subnet: 'nosuch', securityGroup: 'g', listenerIps: ['127.0.0.1'] }],
          },
        ],
      }),
    );
    const text = issues.join('\n');
    expect(text).toContain('accounts[0].projects[0].name');
    expect(text).toContain('accounts[0].vpcs[0].cidr: must be a CIDR inside 127.0.0.0/8');
    expect(text).toContain('accounts[0].vpcs[1].cidr: must not overlap 198.19.128.0/17');
    expect(text).toContain('accounts[0].kafkaInstances[0].subnet: unknown subnet "nosuch"');
    expect(text).toContain('accounts[0].kafkaInstances[0].listenerIps: needs exactly 3 entries');
  });

  it('reads YAML and JSON files with {prefix} substitution', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    const yamlPath = join(dir, 's.yaml');
    writeFileSync(
      yamlPath,
      [
        'name: yaml-one',
        'accounts:',
        '  - name: A',
        '    projects: [{ name: eu-de }, { name: eu-de_team }]',
        '    vpcs:',
        '      - name: v',
        "        cidr: '{prefix}.8.0/21'",
        "        subnets: [{ name: s, cidr: '{prefix}.10.0/24' }]",
        '    securityGroups: [{ name: g }]',
        '    kafkaInstances:',
        '      - { name: k, vpc: v, subnet: s, securityGroup: g, brokers: 1, security: { protocol: SASL_SSL, mechanisms: [PLAIN, SCRAM-SHA-512], users: [{ username: u, password: p }] } }',
        'faults:',
        '  - { kind: throttle, style: apigw, match: { operation: vpcep.listEndpoints }, times: 1 }',
      ].join('\n'),
    );
    const s = loadScenario(yamlPath, { addressPrefix: '127.66' });
    expect(s.name).toBe('yaml-one');
    expect(s.accounts[0]?.vpcs[0]?.cidr).toBe('127.66.8.0/21');
    expect(s.faults).toHaveLength(1);
    const jsonPath = join(dir, 's.json');
    writeFileSync(jsonPath, '{ "accounts": [ { "name": "A" ');
    expect(issuesOf(() => loadScenario(jsonPath)).join('\n')).toContain('cannot parse JSON');
    expect(issuesOf(() => loadScenario(join(dir, 'missing.yaml'))).join('\n')).toContain('cannot read file');
  });

  it('rejects a bad address prefix', () => {
    expect(() => loadScenario('default', { addressPrefix: '10.1' })).toThrow(/127\.A/);
  });
});

describe('fault matching', () => {
  it('matches path patterns', () => {
    expect(pathMatches('/v1/*/vpc-endpoints', '/v1/abc/vpc-endpoints')).toBe(true);
    expect(pathMatches('/v1/{project_id}/vpc-endpoints/*', '/v1/abc/vpc-endpoints/x')).toBe(true);
    expect(pathMatches('/v1/**', '/v1/abc/vpc-endpoints/x')).toBe(true);
    expect(pathMatches('/v1/*/vpc-endpoints', '/v1/abc/vpc-endpoint-services')).toBe(false);
  });

  it('is deterministic for a seed (probability) and honours times and skip', () => {
    const call = { service: 'vpcep', operation: 'vpcep.getEndpoint', method: 'GET', path: '/v1/p/vpc-endpoints/e', account: 'A' };
    const run = (seed: number) => {
      const f = new FaultInjector(seed, [{ kind: 'error', status: 500, probability: 0.5, match: { operation: 'vpcep.get*' } }]);
      return Array.from({ length: 20 }, () => (f.decide(call).terminal ? 1 : 0)).join('');
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).toMatch(/1/);
    expect(run(42)).toMatch(/0/);
    const f = new FaultInjector(1, [{ kind: 'error', status: 503, times: 2, skip: 1, match: { method: 'GET', path: '/v1/*/vpc-endpoints/*' } }]);
    expect([0, 1, 2, 3].map(() => f.decide(call).terminal?.kind ?? '-')).toEqual(['-', 'error', 'error', '-']);
  });
});
