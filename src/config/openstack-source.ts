/**
 * The OpenStack-style source of one credential set: `OS_*` variables (default set only) over a clouds.yaml
 * cloud entry (secure.yaml merged over clouds.yaml). Answers the same logical fields as the `OTC_*`
 * variables (`REGION`, `AK`, `USERNAME`, `ENDPOINT_IAM`, …), so env-config.ts can layer `OTC_*` on top.
 *
 * Where each field is read (first found wins; `OS_*` variables before the cloud entry):
 *
 * | field        | OS_* variable (default set)               | cloud entry key                                                        |
 * |--------------|-------------------------------------------|------------------------------------------------------------------------|
 * | REGION       | OS_REGION_NAME                            | region_name; else the region part of the project name (`eu-de_x`)     |
 * | PROJECT_ID   | OS_PROJECT_ID                             | auth.project_id, project_id                                            |
 * | PROJECT_NAME | OS_PROJECT_NAME                           | auth.project_name                                                      |
 * | DOMAIN_ID    | –                                         | domain_id, auth.user_domain_id, auth.project_domain_id, auth.domain_id |
 * | USERNAME     | OS_USERNAME                               | auth.username                                                          |
 * | PASSWORD     | OS_PASSWORD                               | auth.password                                                          |
 * | DOMAIN_NAME  | OS_USER_DOMAIN_NAME, OS_DOMAIN_NAME       | auth.user_domain_name, auth.domain_name, auth.project_domain_name      |
 * | AK / SK      | OS_ACCESS_KEY / OS_SECRET_KEY             | ak, access_key, auth.ak, auth.access_key / sk, secret_key, auth.sk, …  |
 * | AUTH_TYPE    | OS_AUTH_TYPE                              | auth_type                                                              |
 * | ENDPOINT_IAM | OS_AUTH_URL                               | auth.auth_url (trailing `/v3` removed)                                 |
 * | ENDPOINT_VPCEP / _DMS / _VPC | –                         | vpcep_endpoint_override / dmsv2_endpoint_override, dms_endpoint_override / vpc_endpoint_override, network_endpoint_override |
 *
 * Where the OTC tools keep AK/SK (checked in their sources):
 * - python-otcextensions (`otcextensions/sdk/__init__.py`): at cloud level, `ak`/`sk` (its configuration docs),
 *   some versions also `access_key`/`secret_key`; fallback variables `OS_ACCESS_KEY`/`OS_SECRET_KEY`
 *   (and `S3_ACCESS_KEY_ID`/`S3_SECRET_ACCESS_KEY`, not read here: they are OBS keys).
 * - gophertelekomcloud, the SDK of terraform-provider-opentelekomcloud (`openstack/client.go`, `AuthInfo`):
 *   inside `auth:` as `ak`/`sk`, with `auth_type: aksk`; variables `OS_ACCESS_KEY`/`OS_SECRET_KEY` (also `OS_AK`/`OS_SK`).
 * Both places are read; the cloud level first.
 *
 * Which credentials a cloud entry provides: `auth_type` decides when set (`aksk` → AK/SK; `password`,
 * `v3password` → password; anything else is an error). Without it: password when a user name is present
 * (openstacksdk's default auth type), else AK/SK when `ak`/`sk` are present. The fields of the other kind are
 * then ignored (python-otcextensions puts `ak`/`sk` next to a password `auth:` block for OBS).
 */
import type { ConfigIssue } from './config-error.js';
import type { CloudEntry } from './clouds-yaml.js';
import { serviceBaseFromUrl } from '../otc/catalog.js';
import { envValue, type Env, type Sourced } from './value-source.js';

type Where = { env: string } | { cloud: readonly string[] };

const FIELDS: Readonly<Record<string, readonly Where[]>> = {
  REGION: [{ env: 'OS_REGION_NAME' }, { cloud: ['region_name'] }],
  PROJECT_ID: [{ env: 'OS_PROJECT_ID' }, { cloud: ['auth', 'project_id'] }, { cloud: ['project_id'] }],
  PROJECT_NAME: [{ env: 'OS_PROJECT_NAME' }, { cloud: ['auth', 'project_name'] }],
  DOMAIN_ID: [{ cloud: ['domain_id'] }, { cloud: ['auth', 'user_domain_id'] }, { cloud: ['auth', 'project_domain_id'] }, { cloud: ['auth', 'domain_id'] }],
  USERNAME: [{ env: 'OS_USERNAME' }, { cloud: ['auth', 'username'] }],
  PASSWORD: [{ env: 'OS_PASSWORD' }, { cloud: ['auth', 'password'] }],
  DOMAIN_NAME: [
    { env: 'OS_USER_DOMAIN_NAME' },
    { env: 'OS_DOMAIN_NAME' },
    { cloud: ['auth', 'user_domain_name'] },
    { cloud: ['auth', 'domain_name'] },
    { cloud: ['auth', 'project_domain_name'] },
  ],
  AK: [{ env: 'OS_ACCESS_KEY' }, { cloud: ['ak'] }, { cloud: ['access_key'] }, { cloud: ['auth', 'ak'] }, { cloud: ['auth', 'access_key'] }],
  SK: [{ env: 'OS_SECRET_KEY' }, { cloud: ['sk'] }, { cloud: ['secret_key'] }, { cloud: ['auth', 'sk'] }, { cloud: ['auth', 'secret_key'] }],
  AUTH_TYPE: [{ env: 'OS_AUTH_TYPE' }, { cloud: ['auth_type'] }],
  ENDPOINT_IAM: [{ env: 'OS_AUTH_URL' }, { cloud: ['auth', 'auth_url'] }],
  ENDPOINT_VPCEP: [{ cloud: ['vpcep_endpoint_override'] }],
  ENDPOINT_DMS: [{ cloud: ['dmsv2_endpoint_override'] }, { cloud: ['dms_endpoint_override'] }],
  ENDPOINT_VPC: [{ cloud: ['vpc_endpoint_override'] }, { cloud: ['network_endpoint_override'] }],
};

/** The `OS_*` variables this source reads (any of them set makes the default set's OpenStack source active). */
export const OS_VARIABLES: readonly string[] = [
  ...new Set(
    Object.values(FIELDS)
      .flat()
      .flatMap((w) => ('env' in w ? [w.env] : [])),
  ),
];

const PASSWORD_ONLY = ['USERNAME', 'PASSWORD', 'DOMAIN_NAME', 'PROJECT_NAME'];
const AKSK_ONLY = ['AK', 'SK'];

export type CredentialKind = 'aksk' | 'password';

export interface OpenStackSource {
  /** The cloud entry, when one was selected. */
  cloud?: CloudEntry;
  /** Which credentials this source provides, if any. */
  kind?: CredentialKind;
  /** A field's value with its origin (fields of the other credential kind are hidden). */
  get(field: string): Sourced | undefined;
  /** Where a field may be set here, for messages (e.g. `OS_REGION_NAME or /x/clouds.yaml: clouds.a.region_name`). */
  places(field: string): string;
  /** Problems found so far (unsupported auth type, values of the wrong type); call after reading. */
  issues(): ConfigIssue[];
}

function isUrl(v: string): boolean {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

/** `env`: the `OS_*` variables (default set only); `cloud`: the selected cloud entry. */
export function openStackSource(input: { env?: Env; cloud?: CloudEntry }): OpenStackSource {
  const { env, cloud } = input;
  const issues: ConfigIssue[] = [];

  const raw = (field: string): Sourced | undefined => {
    for (const where of FIELDS[field] ?? []) {
      const v = 'env' in where ? (env ? envValue(env, where.env) : undefined) : cloud?.get(where.cloud);
      if (v) return field.startsWith('ENDPOINT_') && isUrl(v.value) ? { value: serviceBaseFromUrl(v.value), origin: v.origin } : v;
    }
    if (field === 'REGION') {
      const project = raw('PROJECT_NAME');
      const m = project && /^([a-z]{2}-[a-z0-9]+)(?:_|$)/.exec(project.value);
      if (project && m?.[1]) return { value: m[1], origin: `${project.origin} (region part)` };
    }
    return undefined;
  };

  let kind: CredentialKind | undefined;
  const authType = raw('AUTH_TYPE');
  if (authType) {
    if (authType.value === 'aksk') kind = 'aksk';
    else if (/password/.test(authType.value)) kind = 'password';
    else issues.push({ variable: authType.origin, expected: `auth type "${authType.value}" is not supported: expected password (or v3password) or aksk` });
  } else if (raw('USERNAME')) kind = 'password';
  else if (raw('AK') || raw('SK')) kind = 'aksk';

  const hidden = new Set(kind === 'aksk' ? PASSWORD_ONLY : kind === 'password' ? AKSK_ONLY : []);
  const get = (field: string): Sourced | undefined => (hidden.has(field) || field === 'AUTH_TYPE' ? undefined : raw(field));

  const places = (field: string): string =>
    (FIELDS[field] ?? [])
      .flatMap((w) => ('env' in w ? (env ? [w.env] : []) : cloud ? [cloud.keyOf(w.cloud)] : []))
      .join(' or ');

  // Wrong-typed YAML values are collected by the entry while it is read; report them with ours.
  const allIssues = (): ConfigIssue[] => [...new Map([...issues, ...(cloud?.issues ?? [])].map((i) => [`${i.variable}\n${i.expected}`, i])).values()];
  return { ...(cloud ? { cloud } : {}), ...(kind ? { kind } : {}), get, places, issues: allIssues };
}
