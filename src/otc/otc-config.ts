/**
 * The configuration one set of OTC clients needs (one account/credential set). Built by
 * src/config/env-config.ts from the environment, or by hand (tests, the sandbox's ready line).
 */
import type { OtcCredentials } from './auth.js';
import type { OtcServiceName, ServiceUrlOverrides } from './endpoints.js';

export interface OtcConfig {
  /** `default`, or the lower-cased name of an `OTC_CREDENTIALS_<NAME>_*` set. */
  name: string;
  /** e.g. `eu-de`, `eu-nl`, `eu-ch2`. */
  region: string;
  /** Required with AK/SK; with a password it may come from the token instead. */
  projectId?: string;
  /** Account id; sent as `X-Domain-Id` on AK/SK-signed IAM calls. */
  domainId?: string;
  credentials: OtcCredentials;
  /** Base URL per service; a missing service uses the region default (endpoints.ts). */
  endpoints: ServiceUrlOverrides;
  /**
   * Endpoint discovery: these services take their base URL from the IAM catalog (the token's with a
   * password, a signed `GET /v3/auth/catalog` with AK/SK, both from `endpoints.iam`); `endpoints` (or the
   * region default) is then only the fallback for a service the catalog lacks. Absent/empty: no discovery.
   */
  discover?: readonly OtcServiceName[];
  /** Whole-request timeout in ms. */
  timeoutMs: number;
}
