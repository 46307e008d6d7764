/**
 * Service base URLs from an IAM (Keystone v3) catalog: the token's `token.catalog`, or `GET /v3/auth/catalog`.
 *
 * - Catalog types per service (the types gophertelekomcloud and python-otcextensions look up, first match wins):
 *   iam `identity`; vpcep `vpcep`; dms `dmsv2`, then `dms`; vpc `vpc`, then `network`; dns `dns`.
 * - An endpoint qualifies when its interface is `public` (or absent) and its `region_id`/`region` is the
 *   configured region (an endpoint naming no region is taken only when none names the region).
 * - Our clients add their own path prefixes (`/v3/…`, `/v1/{project_id}/…`, `/v2/{project_id}/…`,
 *   `/v2.0/…`), so a catalog URL is trimmed to its base: a trailing project segment (the project id, a
 *   32-hex id, or a placeholder such as `%(project_id)s`, `$(tenant_id)s`, `{project_id}`) and then a
 *   trailing version segment (`v1`, `v2`, `v2.0`, `v3`, `v1.0`) are removed.
 */
import type { OtcServiceName } from './endpoints.js';
import { CatalogEntrySchema, type Catalog } from './iam-schemas.js';

export type { Catalog, CatalogEntry } from './iam-schemas.js';

export const CATALOG_TYPES: Readonly<Record<OtcServiceName, readonly string[]>> = {
  iam: ['identity'],
  vpcep: ['vpcep'],
  dms: ['dmsv2', 'dms'],
  vpc: ['vpc', 'network'],
  dns: ['dns'],
};

/** The valid entries of a raw catalog array (malformed entries are skipped, never fatal). */
export function parseCatalog(raw: unknown): Catalog {
  if (!Array.isArray(raw)) return [];
  const out: Catalog = [];
  for (const item of raw as unknown[]) {
    const r = CatalogEntrySchema.safeParse(item);
    if (r.success) out.push(r.data);
  }
  return out;
}

const PROJECT_PLACEHOLDER = /^(?:%\((?:project_id|tenant_id)\)s|\$\((?:project_id|tenant_id)\)s|\{(?:project_id|tenant_id)\})$/;
const HEX32 = /^[0-9a-f]{32}$/i;
const VERSION = /^v\d+(?:\.\d+)?$/;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `https://h/v1/{project_id}` → `https://h`; `https://h/v3/` → `https://h`; query and fragment dropped. */
export function serviceBaseFromUrl(url: string, projectId?: string): string {
  const noQuery = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)(\/.*)?$/i.exec(noQuery);
  if (!m?.[1]) return noQuery;
  const segments = (m[2] ?? '').split('/').filter((s) => s !== '');
  const last = (): string => decodeSegment(segments[segments.length - 1] ?? '');
  if (segments.length > 0 && (PROJECT_PLACEHOLDER.test(last()) || HEX32.test(last()) || (projectId !== undefined && last() === projectId))) segments.pop();
  if (segments.length > 0 && VERSION.test(last())) segments.pop();
  return `${m[1]}${segments.map((s) => `/${s}`).join('')}`;
}

/** The base URL of `service` in `region` from the catalog, or undefined when the catalog has none. */
export function catalogBaseUrl(catalog: Catalog, service: OtcServiceName, region: string, projectId?: string): string | undefined {
  for (const type of CATALOG_TYPES[service]) {
    const endpoints = catalog.filter((e) => e.type === type).flatMap((e) => e.endpoints ?? []);
    const usable = endpoints.filter((e) => !e.interface || e.interface === 'public');
    const exact = usable.find((e) => (e.region_id ?? e.region) === region || e.region === region);
    const regionless = usable.find((e) => !e.region_id && !e.region);
    const chosen = exact ?? regionless;
    if (chosen?.url) return serviceBaseFromUrl(chosen.url, projectId);
  }
  return undefined;
}
