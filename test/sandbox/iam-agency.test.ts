/**
 * Agency tokens (`assume_role` with `xrole_name`) end to end: the product's password + agency auth against the
 * sandbox's IAM, then a DMS call in the delegating account with that token; an agency that does not trust the
 * caller is refused with 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtcClients } from '../../src/otc/otc-clients.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import type { ScenarioInput } from '../../src/sandbox/scenario/schema.js';
import { createFakeDataPlane } from './support/fake-data-plane.js';
import { account, failure, fastScenario, raw, claimAddressPrefix } from './support/sandbox-helpers.js';

let sb: Sandbox;

function withAgency(): ScenarioInput {
  const base = fastScenario();
  return {
    ...base,
    accounts: base.accounts.map((a) => (a.name === 'A' ? { ...a, agencies: [{ name: 'kafka-ops', trustedAccount: 'B' }] } : a)),
  };
}

beforeAll(async () => {
  sb = await startSandbox({ scenario: withAgency(), addressPrefix: await claimAddressPrefix(), dataPlane: createFakeDataPlane(), seed: 11 });
});
afterAll(async () => {
  await sb?.stop();
});

function agencyClients(agencyName: string) {
  const a = account(sb, 'A');
  const b = account(sb, 'B');
  return createOtcClients({
    name: 'agency',
    region: sb.ready.region,
    projectId: a.projectId,
    credentials: { kind: 'password', username: b.username, password: b.password, domainName: b.domainName, agency: { domainName: a.domainName, agencyName } },
    endpoints: { iam: sb.urls.iam, vpcep: sb.urls.vpcep, dms: sb.urls.dms, vpc: sb.urls.vpc },
    timeoutMs: 10_000,
  });
}

describe('IAM agency (assume_role)', () => {
  it("lets account B's user act in account A through A's agency", async () => {
    const instance = sb.ready.instances.find((i) => i.account === 'A');
    if (!instance) throw new Error('no instance in A');
    const c = agencyClients('kafka-ops');
    const got = await c.dms.getInstance(instance.instanceId);
    expect(got.instance_id).toBe(instance.instanceId);
    // The call really went through a token issued by assume_role (a password token first, then the exchange).
    expect(sb.callLog.count('iam.createToken', 201)).toBeGreaterThanOrEqual(2);
    expect(sb.callLog.count('dms.getInstance', 200)).toBe(1);
  });

  it('refuses an agency that does not exist or does not trust the caller (403), and a missing subject token (401)', async () => {
    const err = await failure(agencyClients('no-such-agency').dms.listInstances({}));
    expect(err.status).toBe(403);
    const a = account(sb, 'A');
    const res = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['assume_role'], assume_role: { domain_name: a.domainName, xrole_name: 'kafka-ops' } } } },
    });
    expect(res.status).toBe(401);
    // A's own user is not trusted by A's agency (it trusts B only).
    const own = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      body: { auth: { identity: { methods: ['password'], password: { user: { name: a.username, password: a.password, domain: { name: a.domainName } } } } } },
    });
    const token = own.headers['x-subject-token'];
    expect(typeof token).toBe('string');
    const self = await raw(`${sb.urls.iam}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'X-Auth-Token': String(token) },
      body: { auth: { identity: { methods: ['assume_role'], assume_role: { domain_name: a.domainName, xrole_name: 'kafka-ops' } } } },
    });
    expect(self.status).toBe(403);
    expect(self.json).toMatchObject({ error: { code: 403, title: 'Forbidden' } });
  });
});
