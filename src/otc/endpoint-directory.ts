/**
 * Where each service's base URL comes from, per credential set:
 *
 *   1. `configured`: an explicit URL (an override, or a service not listed in `discover`);
 *   2. `catalog`:    for a service in `discover`, the IAM catalog's public endpoint in the region (catalog.ts);
 *   3. `fallback`:   the catalog has no entry for it (or none could be fetched: 403/404/405/501 or a malformed
 *                    answer), so the configured fallback URL, normally the region template (endpoints.ts).
 *
 * The catalog is loaded once, on first use, through a {@link CatalogLoader} (the token's catalog, or a signed
 * `GET /v3/auth/catalog` with AK/SK). A retryable failure (network, 5xx, 429) or an authentication failure
 * (401) is thrown to the caller and not cached, so the next call tries again.
 */
import { catalogBaseUrl, type Catalog } from './catalog.js';
import type { OtcServiceName, ServiceUrls } from './endpoints.js';
import { OtcApiError, OtcResponseShapeError } from './errors.js';

export type CatalogLoader = (signal?: AbortSignal) => Promise<Catalog | undefined>;

export type EndpointSource = 'configured' | 'catalog' | 'fallback';

export interface ResolvedEndpoint {
  url: string;
  source: EndpointSource;
}

export interface EndpointDirectoryOptions {
  region: string;
  /** Explicit URL per service; for services in `discover` the fallback. */
  urls: ServiceUrls;
  /** Services whose URL is looked up in the catalog first. */
  discover?: readonly OtcServiceName[];
  loadCatalog?: CatalogLoader;
  /** The project id when known (helps trimming catalog URLs that carry it). */
  projectId?: string;
}

/** Answers that mean "this IAM does not serve a catalog to us": fall back to the templates for good. */
function catalogUnavailable(err: unknown): boolean {
  if (err instanceof OtcResponseShapeError) return true;
  return err instanceof OtcApiError && [403, 404, 405, 501].includes(err.status);
}

export class EndpointDirectory {
  private readonly discover: ReadonlySet<OtcServiceName>;
  private catalog: Promise<Catalog | undefined> | undefined;

  constructor(private readonly options: EndpointDirectoryOptions) {
    this.discover = new Set(options.loadCatalog ? (options.discover ?? []) : []);
  }

  /** Whether any service's URL depends on the catalog. */
  get discovering(): boolean {
    return this.discover.size > 0;
  }

  async resolve(service: OtcServiceName, signal?: AbortSignal): Promise<ResolvedEndpoint> {
    const fallback = this.options.urls[service];
    if (!this.discover.has(service)) return { url: fallback, source: 'configured' };
    const catalog = await this.loadOnce(signal);
    const url = catalog ? catalogBaseUrl(catalog, service, this.options.region, this.options.projectId) : undefined;
    return url ? { url, source: 'catalog' } : { url: fallback, source: 'fallback' };
  }

  /** A base-URL source for one service's transport. */
  baseUrlOf(service: OtcServiceName): (signal?: AbortSignal) => Promise<string> {
    return async (signal) => (await this.resolve(service, signal)).url;
  }

  private loadOnce(signal?: AbortSignal): Promise<Catalog | undefined> {
    const load = this.options.loadCatalog;
    if (!load) return Promise.resolve(undefined);
    this.catalog ??= load(signal).catch((err: unknown) => {
      if (catalogUnavailable(err)) return undefined;
      this.catalog = undefined;
      throw err;
    });
    return this.catalog;
  }
}
