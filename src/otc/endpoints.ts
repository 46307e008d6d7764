/**
 * Base URL per OTC service, derived from the region and overridable per service.
 *
 * Pattern (otc-dms-vpc-iam-api.md §6): `https://{service}.{region}.otc.t-systems.com`.
 * Swiss region eu-ch2 uses the `.sc.` sub-domain:
 *   - VPC  `vpc.eu-ch2.sc.otc.t-systems.com`      (seen in user Terraform code)
 *   - IAM  `iam-pub.eu-ch2.sc.otc.t-systems.com`  (several code samples)
 *   - DMS  `dms.eu-ch2.sc.otc.t-systems.com`      UNCONFIRMED: by pattern only, no Swiss DMS docs found
 *   - VPCEP `vpcep.eu-ch2.sc.otc.t-systems.com`   UNCONFIRMED: by pattern only
 *   - DNS  `dns.eu-ch2.sc.otc.t-systems.com`      UNCONFIRMED: by pattern only (docs/dns-contract.md)
 * When a host turns out wrong, set `OTC_ENDPOINT_<SERVICE>` instead of changing code.
 */

export const OTC_SERVICES = ['iam', 'vpcep', 'dms', 'vpc', 'dns'] as const;
export type OtcServiceName = (typeof OTC_SERVICES)[number];

export type ServiceUrls = Record<OtcServiceName, string>;
export type ServiceUrlOverrides = Partial<Record<OtcServiceName, string>>;

/** Regions whose hosts live under `{region}.sc.otc.t-systems.com`, with per-service host prefixes. */
const SWISS_REGIONS: ReadonlySet<string> = new Set(['eu-ch2']);
const SWISS_HOST_PREFIX: Record<OtcServiceName, string> = { iam: 'iam-pub', vpcep: 'vpcep', dms: 'dms', vpc: 'vpc', dns: 'dns' };

/** The default `https://…` base URL (no trailing slash) of a service in a region. */
export function defaultServiceUrl(service: OtcServiceName, region: string): string {
  if (SWISS_REGIONS.has(region)) return `https://${SWISS_HOST_PREFIX[service]}.${region}.sc.otc.t-systems.com`;
  return `https://${service}.${region}.otc.t-systems.com`;
}

/** Removes trailing slashes so paths can be appended with a leading `/`. */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Every service's base URL: the override when given, else the region default. */
export function resolveServiceUrls(region: string, overrides: ServiceUrlOverrides = {}): ServiceUrls {
  const out = {} as ServiceUrls;
  for (const service of OTC_SERVICES) {
    const override = overrides[service];
    out[service] = override ? normalizeBaseUrl(override) : defaultServiceUrl(service, region);
  }
  return out;
}
