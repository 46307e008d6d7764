import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run as configCommand } from '../../../src/cli/commands/config.js';
import { configReport, renderReport } from '../../../src/config/config-report.js';
import { ConfigError, credentialSet, loadConfig, resolveConfig, type Env, type LoadConfigOptions } from '../../../src/config/env-config.js';

const PA = 'a4a5d4098fb4474fa22cd05f897d6b99';
const PB = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const DA = '1564ec50ef2a47c791ea5536353ed4b9';
const AK_A = 'QTWAOYTTINDUT2QVKYUC';
const SK_A = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const AK_B = 'BBBBBBBBBBBBBBBBBBBB';
const SK_B = 'sk-of-account-b-0123456789';
const PASSWORD_A = 'pw-of-alice-very-secret';

/** A cloud entry as `crossvpc sandbox --clouds-yaml` writes it (password auth, ak/sk at cloud level). */
const SANDBOX_STYLE = `clouds:
  acct-a:
    region_name: eu-de
    interface: public
    identity_api_version: 3
    auth_type: password
    auth:
      auth_url: http://127.10.0.1:4000/v3
      username: alice
      password: ${PASSWORD_A}
      project_name: eu-de
      user_domain_name: OTC-A
      project_domain_name: OTC-A
    ak: ${AK_A}
    sk: ${SK_A}
    project_id: ${PA}
    domain_id: ${DA}
  acct-b:
    auth_type: aksk
    auth:
      auth_url: http://127.10.0.1:4000/v3
      ak: ${AK_B}
      sk: ${SK_B}
    project_id: ${PB}
    vpcep_endpoint_override: http://127.10.0.1:4001/v1/%(project_id)s
    network_endpoint_override: http://127.10.0.1:4003/
`;

let root: string;
let where: Required<LoadConfigOptions>;

function write(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problems(env: Env): ConfigError {
  try {
    loadConfig(env, where);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'crossvpc-clouds-'));
  where = { cwd: join(root, 'cwd'), home: join(root, 'home'), systemDir: join(root, 'etc-openstack') };
  mkdirSync(where.cwd, { recursive: true });
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('clouds.yaml lookup', () => {
  const cloud = (region: string) => `clouds:\n  c:\n    region_name: ${region}\n    auth_type: aksk\n    ak: ${AK_A}\n    sk: ${SK_A}\n    project_id: ${PA}\n`;

  it('OS_CLIENT_CONFIG_FILE, then the current directory, then ~/.config/openstack, then /etc/openstack; first file wins', () => {
    const explicit = write(join(root, 'elsewhere'), 'my-clouds.yaml', cloud('eu-ch2'));
    write(where.cwd, 'clouds.yaml', cloud('eu-nl'));
    write(join(where.home, '.config', 'openstack'), 'clouds.yaml', cloud('eu-de'));
    write(where.systemDir, 'clouds.yml', cloud('eu-xx'));
    const region = (env: Env) => resolveConfig({ OS_CLOUD: 'c', ...env }, where);
    expect(region({ OS_CLIENT_CONFIG_FILE: explicit }).config.otc.region).toBe('eu-ch2');
    const fromCwd = region({});
    expect(fromCwd.config.otc.region).toBe('eu-nl');
    expect(fromCwd.origins.files.clouds).toBe(join(where.cwd, 'clouds.yaml'));
    rmSync(join(where.cwd, 'clouds.yaml'));
    expect(region({}).config.otc.region).toBe('eu-de');
    rmSync(join(where.home, '.config'), { recursive: true });
    const fromEtc = region({});
    expect(fromEtc.config.otc.region).toBe('eu-xx');
    expect(fromEtc.origins.sets.default?.fields.region).toBe(`${join(where.systemDir, 'clouds.yml')}: clouds.c.region_name`);
  });

  it('is not read at all without OS_CLOUD / OTC_CREDENTIALS_<NAME>_CLOUD (OTC_* configurations stay as they were)', () => {
    write(where.cwd, 'clouds.yaml', 'not: [valid');
    const cfg = loadConfig({ OTC_REGION: 'eu-de', OTC_PROJECT_ID: PA, OTC_AK: AK_A, OTC_SK: SK_A }, where);
    expect(cfg.otc.credentials.kind).toBe('aksk');
    expect(cfg.otc.discover).toBeUndefined();
  });

  it('secure.yaml is merged over clouds.yaml key by key (OS_CLIENT_SECURE_FILE first)', () => {
    write(where.cwd, 'clouds.yaml', SANDBOX_STYLE.replace(`      password: ${PASSWORD_A}\n`, ''));
    write(join(where.home, '.config', 'openstack'), 'secure.yaml', `clouds:\n  acct-a:\n    auth:\n      password: from-home-secure\n    region_name: eu-nl\n`);
    const r = resolveConfig({ OS_CLOUD: 'acct-a' }, where);
    expect(r.config.otc.credentials).toMatchObject({ kind: 'password', username: 'alice', password: 'from-home-secure' });
    expect(r.config.otc.region).toBe('eu-nl');
    expect(r.origins.files.secure).toBe(join(where.home, '.config', 'openstack', 'secure.yaml'));
    expect(r.origins.sets.default?.fields['credentials.password']).toBe(`${join(where.home, '.config', 'openstack', 'secure.yaml')}: clouds.acct-a.auth.password`);
    expect(r.origins.sets.default?.fields['credentials.username']).toBe(`${join(where.cwd, 'clouds.yaml')}: clouds.acct-a.auth.username`);

    const explicitSecure = write(join(root, 'vault'), 's.yaml', `clouds:\n  acct-a:\n    auth:\n      password: from-explicit\n`);
    expect(loadConfig({ OS_CLOUD: 'acct-a', OS_CLIENT_SECURE_FILE: explicitSecure }, where).otc.credentials).toMatchObject({ password: 'from-explicit' });
  });
});

describe('precedence', () => {
  beforeEach(() => {
    write(where.cwd, 'clouds.yaml', SANDBOX_STYLE);
  });

  it('a sandbox-style cloud: password auth (auth_type), auth URL as IAM endpoint, the rest discovered from the catalog', () => {
    const r = resolveConfig({ OS_CLOUD: 'acct-a' }, where);
    expect(r.config.otc).toEqual({
      name: 'default',
      region: 'eu-de',
      projectId: PA,
      domainId: DA,
      credentials: { kind: 'password', username: 'alice', password: PASSWORD_A, domainName: 'OTC-A', projectName: 'eu-de' },
      endpoints: {
        iam: 'http://127.10.0.1:4000',
        vpcep: 'https://vpcep.eu-de.otc.t-systems.com',
        dms: 'https://dms.eu-de.otc.t-systems.com',
        vpc: 'https://vpc.eu-de.otc.t-systems.com',
        dns: 'https://dns.eu-de.otc.t-systems.com',
      },
      discover: ['vpcep', 'dms', 'vpc', 'dns'],
      timeoutMs: 30000,
    });
    const file = join(where.cwd, 'clouds.yaml');
    expect(r.origins.sets.default).toEqual({
      cloud: 'acct-a',
      fields: {
        region: `${file}: clouds.acct-a.region_name`,
        timeoutMs: 'default',
        projectId: `${file}: clouds.acct-a.project_id`,
        domainId: `${file}: clouds.acct-a.domain_id`,
        'credentials.username': `${file}: clouds.acct-a.auth.username`,
        'credentials.password': `${file}: clouds.acct-a.auth.password`,
        'credentials.domainName': `${file}: clouds.acct-a.auth.user_domain_name`,
        'credentials.projectName': `${file}: clouds.acct-a.auth.project_name`,
        'endpoints.iam': `${file}: clouds.acct-a.auth.auth_url`,
        'endpoints.vpcep': 'catalog (IAM), else region template',
        'endpoints.dms': 'catalog (IAM), else region template',
        'endpoints.vpc': 'catalog (IAM), else region template',
        'endpoints.dns': 'catalog (IAM), else region template',
      },
    });
  });

  it('OTC_* beats OS_* beats the cloud entry, value by value', () => {
    const env: Env = { OS_CLOUD: 'acct-a', OS_REGION_NAME: 'eu-nl', OS_USERNAME: 'bob', OS_AUTH_URL: 'http://127.10.0.1:5000/v3' };
    const r = resolveConfig(env, where);
    expect(r.config.otc.region).toBe('eu-nl');
    expect(r.origins.sets.default?.fields.region).toBe('OS_REGION_NAME');
    expect(r.config.otc.credentials).toMatchObject({ username: 'bob', password: PASSWORD_A });
    expect(r.config.otc.endpoints.iam).toBe('http://127.10.0.1:5000');
    const top = resolveConfig({ ...env, OTC_REGION: 'eu-ch2', OTC_ENDPOINT_IAM: 'http://127.10.0.1:6000' }, where);
    expect(top.config.otc.region).toBe('eu-ch2');
    expect(top.origins.sets.default?.fields.region).toBe('OTC_REGION');
    expect(top.config.otc.endpoints.iam).toBe('http://127.10.0.1:6000');
    expect(top.origins.sets.default?.fields['endpoints.iam']).toBe('OTC_ENDPOINT_IAM');
  });

  it('credentials are taken as a whole: OTC_AK/OTC_SK replace the cloud password instead of mixing with it', () => {
    const r = resolveConfig({ OS_CLOUD: 'acct-a', OTC_AK: AK_B, OTC_SK: SK_B }, where);
    expect(r.config.otc.credentials).toEqual({ kind: 'aksk', ak: AK_B, sk: SK_B });
    expect(r.config.otc.projectId).toBe(PA);
    expect(r.origins.sets.default?.fields['credentials.ak']).toBe('OTC_AK');
  });

  it('auth_type decides between the password and the AK/SK of one cloud; without it a user name means password', () => {
    write(
      where.cwd,
      'clouds.yaml',
      SANDBOX_STYLE.replace('    auth_type: password\n', '    auth_type: aksk\n') +
        `  gopher:\n    region_name: eu-de\n    project_id: ${PA}\n    auth:\n      auth_url: https://iam.eu-de.otc.t-systems.com/v3\n      ak: ${AK_A}\n      sk: ${SK_A}\n` +
        `  otcext:\n    region_name: eu-de\n    auth:\n      auth_url: https://iam.eu-de.otc.t-systems.com:443/v3\n      username: u\n      password: p\n      project_name: eu-de_sub\n      user_domain_name: OTC-A\n    ak: ${AK_A}\n    sk: ${SK_A}\n`,
    );
    expect(loadConfig({ OS_CLOUD: 'acct-a' }, where).otc.credentials).toEqual({ kind: 'aksk', ak: AK_A, sk: SK_A });
    // gophertelekomcloud keeps ak/sk inside auth:
    const gopher = loadConfig({ OS_CLOUD: 'gopher' }, where).otc;
    expect(gopher.credentials).toEqual({ kind: 'aksk', ak: AK_A, sk: SK_A });
    expect(gopher.endpoints.iam).toBe('https://iam.eu-de.otc.t-systems.com');
    expect(gopher.discover).toEqual(['vpcep', 'dms', 'vpc', 'dns']);
    // python-otcextensions: password auth, ak/sk beside it (for OBS) are ignored
    const otcext = loadConfig({ OS_CLOUD: 'otcext' }, where).otc;
    expect(otcext.credentials).toEqual({ kind: 'password', username: 'u', password: 'p', domainName: 'OTC-A', projectName: 'eu-de_sub' });
    expect(otcext.endpoints.iam).toBe('https://iam.eu-de.otc.t-systems.com:443');
  });

  it('OS_* variables alone (no clouds.yaml); the region falls back to the region part of the project name', () => {
    const cfg = loadConfig(
      { OS_AUTH_URL: 'https://iam.eu-nl.otc.t-systems.com/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'eu-nl_prod', OS_DOMAIN_NAME: 'OTC-N' },
      where,
    );
    expect(cfg.otc.region).toBe('eu-nl');
    expect(cfg.otc.credentials).toEqual({ kind: 'password', username: 'u', password: 'p', domainName: 'OTC-N', projectName: 'eu-nl_prod' });
    expect(cfg.otc.endpoints.iam).toBe('https://iam.eu-nl.otc.t-systems.com');
    const aksk = loadConfig({ OTC_REGION: 'eu-de', OS_ACCESS_KEY: AK_A, OS_SECRET_KEY: SK_A, OS_PROJECT_ID: PA }, where).otc;
    expect(aksk.credentials).toEqual({ kind: 'aksk', ak: AK_A, sk: SK_A });
    expect(aksk.discover).toBeUndefined(); // AK/SK without an auth URL: region templates only
  });

  it('endpoint overrides: OTC_ENDPOINT_* over the cloud entry`s *_endpoint_override (trimmed), both excluded from discovery', () => {
    const r = resolveConfig({ OS_CLOUD: 'acct-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'acct-b', OTC_ENDPOINT_DMS: 'http://127.10.0.1:4002' }, where);
    const client = credentialSet(r.config, 'client');
    expect(client.endpoints).toEqual({
      iam: 'http://127.10.0.1:4000',
      vpcep: 'http://127.10.0.1:4001',
      dms: 'http://127.10.0.1:4002',
      vpc: 'http://127.10.0.1:4003',
      dns: 'https://dns.eu-de.otc.t-systems.com',
    });
    // DNS has no override in that cloud entry: it comes from the catalog.
    expect(client.discover).toEqual(['dns']);
    expect(r.config.otc.discover).toEqual(['vpcep', 'vpc', 'dns']);
    expect(r.origins.sets.client?.fields['endpoints.vpcep']).toBe(`${join(where.cwd, 'clouds.yaml')}: clouds.acct-b.vpcep_endpoint_override`);
    expect(loadConfig({ OS_CLOUD: 'acct-a', OTC_ENDPOINT_DISCOVERY: 'template' }, where).otc.discover).toBeUndefined();
  });

  it('the OTC_* password flow discovers every service without an override; OTC_* AK/SK only with OTC_ENDPOINT_IAM', () => {
    const pw = { OTC_REGION: 'eu-de', OTC_USERNAME: 'u', OTC_PASSWORD: 'p', OTC_DOMAIN_NAME: 'OTC-A' };
    expect(loadConfig(pw, where).otc.discover).toEqual(['iam', 'vpcep', 'dms', 'vpc', 'dns']);
    expect(loadConfig({ ...pw, OTC_ENDPOINT_VPC: 'http://127.0.0.1:1' }, where).otc.discover).toEqual(['iam', 'vpcep', 'dms', 'dns']);
    const aksk = { OTC_REGION: 'eu-de', OTC_PROJECT_ID: PA, OTC_AK: AK_A, OTC_SK: SK_A };
    expect(loadConfig(aksk, where).otc.discover).toBeUndefined();
    expect(loadConfig({ ...aksk, OTC_ENDPOINT_IAM: 'http://127.0.0.1:1' }, where).otc.discover).toEqual(['vpcep', 'dms', 'vpc', 'dns']);
  });
});

describe('named clouds (cross-account)', () => {
  beforeEach(() => {
    write(where.cwd, 'clouds.yaml', SANDBOX_STYLE);
  });

  it('OTC_CREDENTIALS_<NAME>_CLOUD picks a second cloud entry; the set inherits the default region when the entry has none', () => {
    const cfg = loadConfig({ OS_CLOUD: 'acct-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'acct-b' }, where);
    const client = credentialSet(cfg, 'client');
    expect(client).toMatchObject({ name: 'client', region: 'eu-de', projectId: PB, credentials: { kind: 'aksk', ak: AK_B, sk: SK_B } });
    expect(cfg.otc.credentials.kind).toBe('password');
  });

  it('OTC_CREDENTIALS_<NAME>_* variables beat the named cloud; OS_* variables do not apply to named sets', () => {
    const cfg = loadConfig(
      { OS_CLOUD: 'acct-a', OS_PROJECT_ID: 'cccccccccccccccccccccccccccccccc', OTC_CREDENTIALS_CLIENT_CLOUD: 'acct-b', OTC_CREDENTIALS_CLIENT_REGION: 'eu-nl' },
      where,
    );
    const client = credentialSet(cfg, 'client');
    expect(client.region).toBe('eu-nl');
    expect(client.projectId).toBe(PB);
    expect(cfg.otc.projectId).toBe('cccccccccccccccccccccccccccccccc');
  });

  it('a named set may come from a cloud while the default set stays on OTC_* variables', () => {
    const cfg = loadConfig({ OTC_REGION: 'eu-de', OTC_PROJECT_ID: PA, OTC_AK: AK_A, OTC_SK: SK_A, OTC_CREDENTIALS_CLIENT_CLOUD: 'acct-b' }, where);
    expect(cfg.otc.credentials).toEqual({ kind: 'aksk', ak: AK_A, sk: SK_A });
    expect(credentialSet(cfg, 'client').credentials).toEqual({ kind: 'aksk', ak: AK_B, sk: SK_B });
  });
});

describe('config show', () => {
  beforeEach(() => {
    write(where.cwd, 'clouds.yaml', SANDBOX_STYLE);
  });

  it('masks every secret and names where each value came from', () => {
    const report = configReport(resolveConfig({ OS_CLOUD: 'acct-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'acct-b', TEMPORAL_NAMESPACE: 'prod' }, where));
    const text = renderReport(report);
    const json = JSON.stringify(report);
    for (const secret of [PASSWORD_A, SK_A, SK_B, AK_A, AK_B]) {
      expect(text).not.toContain(secret);
      expect(json).not.toContain(secret);
    }
    expect(report.credentialSets.default?.auth).toEqual({
      kind: 'password',
      fields: {
        username: { value: 'alice', from: `${join(where.cwd, 'clouds.yaml')}: clouds.acct-a.auth.username` },
        password: { value: '********', from: `${join(where.cwd, 'clouds.yaml')}: clouds.acct-a.auth.password` },
        domainName: { value: 'OTC-A', from: `${join(where.cwd, 'clouds.yaml')}: clouds.acct-a.auth.user_domain_name` },
        projectName: { value: 'eu-de', from: `${join(where.cwd, 'clouds.yaml')}: clouds.acct-a.auth.project_name` },
      },
    });
    expect(report.credentialSets.client?.auth.fields.ak).toEqual({ value: 'BBBB********', from: `${join(where.cwd, 'clouds.yaml')}: clouds.acct-b.auth.ak` });
    expect(report.credentialSets.client?.cloud).toBe('acct-b');
    expect(report.temporal.namespace).toEqual({ value: 'prod', from: 'TEMPORAL_NAMESPACE' });
    expect(report.temporal.address).toEqual({ value: '127.0.0.1:7233', from: 'default' });
    expect(text).toMatch(/endpoints\.vpcep\s+https:\/\/vpcep\.eu-de\.otc\.t-systems\.com\s+← catalog \(IAM\), else region template/);
    expect(text).toMatch(/auth\.password\s+\*{8}\s+← .*clouds\.acct-a\.auth\.password/);
  });

  it('the command prints JSON (exit 0), and one configuration message on stderr (exit 2)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    try {
      for (const k of Object.keys(process.env)) if (/^(OTC_|OS_|TEMPORAL_)/.test(k)) vi.stubEnv(k, '');
      vi.stubEnv('OS_CLIENT_CONFIG_FILE', join(where.cwd, 'clouds.yaml'));
      vi.stubEnv('OS_CLOUD', 'acct-a');
      expect(await configCommand(['show', '--json'])).toBe(0);
      const shown = JSON.parse(out.join('')) as { credentialSets: { default: { region: unknown } } };
      expect(shown.credentialSets.default.region).toEqual({ value: 'eu-de', from: `${join(where.cwd, 'clouds.yaml')}: clouds.acct-a.region_name` });
      expect(out.join('')).not.toContain(PASSWORD_A);
      vi.stubEnv('OS_CLOUD', 'nope');
      expect(await configCommand(['show'])).toBe(2);
      expect(err.join('')).toMatch(/Invalid configuration \(1 problem\):\n {2}- OS_CLOUD: names cloud "nope"/);
      expect(await configCommand(['list'])).toBe(2);
    } finally {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    }
  });
});

describe('error messages (one ConfigError, naming the file and key)', () => {
  it('unknown cloud name', () => {
    const file = write(where.cwd, 'clouds.yaml', SANDBOX_STYLE);
    const err = problems({ OS_CLOUD: 'acct-c' });
    expect(err.issues).toEqual([{ variable: 'OS_CLOUD', expected: `names cloud "acct-c", but ${file} has no key clouds.acct-c (defined: acct-a, acct-b)` }]);
    const named = problems({ OS_CLOUD: 'acct-a', OTC_CREDENTIALS_CLIENT_CLOUD: 'acct-x' });
    expect(named.issues).toEqual([{ variable: 'OTC_CREDENTIALS_CLIENT_CLOUD', expected: `names cloud "acct-x", but ${file} has no key clouds.acct-x (defined: acct-a, acct-b)` }]);
  });

  it('no clouds.yaml anywhere, or OS_CLIENT_CONFIG_FILE naming a missing file', () => {
    const none = problems({ OS_CLOUD: 'acct-a' });
    expect(none.issues).toHaveLength(1);
    expect(none.message).toContain(`OS_CLOUD: names cloud "acct-a", but no clouds.yaml was found (looked for: ${join(where.cwd, 'clouds.yaml')}, `);
    expect(none.message).toContain(join(where.home, '.config', 'openstack', 'clouds.yaml'));
    expect(none.message).toContain(join(where.systemDir, 'clouds.yaml'));
    const missing = problems({ OS_CLOUD: 'acct-a', OS_CLIENT_CONFIG_FILE: join(root, 'nowhere.yaml') });
    expect(missing.issues).toEqual([{ variable: 'OS_CLIENT_CONFIG_FILE', expected: `names ${join(root, 'nowhere.yaml')}, which does not exist or is not a file` }]);
  });

  it('unreadable YAML: the file, line and column, and nothing else', () => {
    const file = write(where.cwd, 'clouds.yaml', 'clouds:\n  a:\n    region_name: [eu-de\n    auth: {}\n');
    const err = problems({ OS_CLOUD: 'a' });
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.variable).toBe(file);
    expect(err.issues[0]?.expected).toMatch(/^is not valid YAML at line \d+, column \d+: /);
    const shape = write(where.cwd, 'clouds.yaml', 'clouds:\n  - a\n  - b\n');
    expect(problems({ OS_CLOUD: 'a' }).issues).toEqual([{ variable: `${shape}: clouds`, expected: 'expected a mapping `clouds:` of cloud names to cloud entries (mappings)' }]);
    const secure = write(where.cwd, 'secure.yaml', 'clouds: {a: [');
    write(where.cwd, 'clouds.yaml', SANDBOX_STYLE);
    expect(problems({ OS_CLOUD: 'acct-a' }).issues.map((i) => i.variable)).toEqual([secure]);
  });

  it('missing auth URL for a password cloud; for OS_* password variables', () => {
    const file = write(where.cwd, 'clouds.yaml', SANDBOX_STYLE.replace('      auth_url: http://127.10.0.1:4000/v3\n', ''));
    const err = problems({ OS_CLOUD: 'acct-a' });
    expect(err.issues).toEqual([
      {
        variable: `${file}: clouds.acct-a.auth.auth_url`,
        expected: 'is required for password authentication: expected the IAM auth URL, e.g. https://iam.eu-de.otc.t-systems.com/v3 (or set OS_AUTH_URL or OTC_ENDPOINT_IAM)',
      },
    ]);
    const env = problems({ OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_DOMAIN_NAME: 'D', OS_REGION_NAME: 'eu-de' });
    expect(env.issues).toEqual([{ variable: 'OS_AUTH_URL', expected: expect.stringMatching(/^is required for password authentication/) as unknown as string }]);
  });

  it('unsupported auth_type, values of the wrong type or form, missing fields: each named by file and key', () => {
    const file = write(
      where.cwd,
      'clouds.yaml',
      `clouds:\n  t:\n    auth_type: token\n    region_name: eu-de\n    auth: {auth_url: 'http://127.0.0.1:1/v3', token: x}\n` +
        `  w:\n    region_name: Frankfurt\n    auth:\n      auth_url: 'http://127.0.0.1:1/v3'\n      username: [a, b]\n      password: p\n      user_domain_name: D\n` +
        `  k:\n    region_name: eu-de\n    ak: ${AK_A}\n    sk: ${SK_A}\n    auth:\n      project_name: eu-de\n`,
    );
    expect(problems({ OS_CLOUD: 't' }).issues).toContainEqual({ variable: `${file}: clouds.t.auth_type`, expected: 'auth type "token" is not supported: expected password (or v3password) or aksk' });
    const w = problems({ OS_CLOUD: 'w' });
    expect(w.issues).toContainEqual({ variable: `${file}: clouds.w.region_name`, expected: 'expected a region name like eu-de, eu-nl or eu-ch2 (got "Frankfurt")' });
    expect(w.issues).toContainEqual({ variable: `${file}: clouds.w.auth.username`, expected: 'expected a string' });
    const k = problems({ OS_CLOUD: 'k' });
    expect(k.issues).toEqual([
      {
        variable: 'OTC_PROJECT_ID',
        expected: `is required with AK/SK: expected a project id (32 hex characters on OTC; letters, digits, - and _ accepted) (or OS_PROJECT_ID or ${file}: clouds.k.auth.project_id or ${file}: clouds.k.project_id)`,
      },
    ]);
    expect(k.message.split('\n')).toHaveLength(2);
  });

  it('a missing region names every place it may be set', () => {
    const file = write(where.cwd, 'clouds.yaml', `clouds:\n  k:\n    project_id: ${PA}\n    ak: ${AK_A}\n    sk: ${SK_A}\n`);
    expect(problems({ OS_CLOUD: 'k' }).issues).toEqual([
      { variable: 'OTC_REGION', expected: `is required: expected a region name like eu-de, eu-nl or eu-ch2 (or OS_REGION_NAME or ${file}: clouds.k.region_name)` },
    ]);
  });

  it('secrets from files are never echoed', () => {
    write(where.cwd, 'clouds.yaml', `clouds:\n  k:\n    region_name: eu-de\n    project_id: ${PA}\n    ak: 'not valid!'\n    sk: ${SK_A}\n`);
    const err = problems({ OS_CLOUD: 'k' });
    expect(err.issues).toEqual([{ variable: `${join(where.cwd, 'clouds.yaml')}: clouds.k.ak`, expected: 'expected an access key id (letters and digits)' }]);
    expect(err.message).not.toContain('not valid!');
  });
});
