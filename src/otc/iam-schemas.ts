/**
 * IAM (Keystone v3) token and project shapes (otc-dms-vpc-iam-api.md §5.1). Wire names kept.
 */
import { z } from 'zod';
import { optBoolean, optString } from './common-schemas.js';

const NamedRefSchema = z.looseObject({ id: z.string(), name: optString });

/** One endpoint of a catalog entry; OTC sends both `region` and `region_id`. */
export const CatalogEndpointSchema = z.looseObject({ url: z.string(), region: optString, region_id: optString, interface: optString, id: optString });
/** A service of the token's (or `GET /v3/auth/catalog`'s) catalog. */
export const CatalogEntrySchema = z.looseObject({ type: z.string(), name: optString, id: optString, endpoints: z.array(CatalogEndpointSchema).nullish() });
export type CatalogEntry = z.output<typeof CatalogEntrySchema>;
export const CatalogSchema = z.array(CatalogEntrySchema);
export type Catalog = z.output<typeof CatalogSchema>;
export const CatalogEnvelopeSchema = z.looseObject({ catalog: z.array(z.unknown()) });

export const TokenBodySchema = z.looseObject({
  token: z.looseObject({
    expires_at: z.string(),
    issued_at: optString,
    methods: z.array(z.string()).nullish(),
    user: z.looseObject({ id: optString, name: optString, domain: NamedRefSchema.nullish() }).nullish(),
    project: z.looseObject({ id: z.string(), name: optString, domain: NamedRefSchema.nullish() }).nullish(),
    domain: NamedRefSchema.nullish(),
    roles: z.array(z.looseObject({ id: optString, name: optString })).nullish(),
    /** Kept raw: a malformed catalog entry must not break authentication (catalog.ts keeps the valid ones). */
    catalog: z.array(z.unknown()).nullish(),
  }),
});
export type TokenBody = z.output<typeof TokenBodySchema>;

export const ProjectSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  domain_id: optString,
  enabled: optBoolean,
  parent_id: optString,
  description: optString,
});
export type Project = z.output<typeof ProjectSchema>;

export const ProjectListSchema = z.looseObject({ projects: z.array(ProjectSchema) });

/** `{"project":{"id"|"name"}}` or `{"domain":{"id"|"name"}}`; omitted → a domain/global token. */
export type TokenScope =
  | { project: { id: string } | { name: string } }
  | { domain: { id: string } | { name: string } };

export interface PasswordTokenInput {
  username: string;
  password: string;
  /** Account (domain) name of the IAM user. */
  domainName: string;
  scope?: TokenScope;
}

export interface AssumeRoleTokenInput {
  /** A token of the delegated user (sent as `X-Auth-Token`). */
  subjectToken: string;
  /** The delegating account: name or id. */
  domain: { name: string } | { id: string };
  /** Agency name, sent as `xrole_name` (the OTC doc table says `agency_name`; its example and gophertelekomcloud use `xrole_name`). */
  agencyName: string;
  scope?: TokenScope;
}
