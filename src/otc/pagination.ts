/**
 * Paging helpers.
 *
 * - Offset paging (VPCEP lists with `total_count`, DMS list with `instance_num`): repeat with
 *   `offset += limit` until `offset >= total` or a page comes back empty (gophertelekomcloud OffsetPageBase).
 * - Marker paging: Neutron v2.0 (`limit` + `marker` = last id of the previous page, a page shorter than
 *   `limit` is the last) and VPC v3 (`page_info.next_marker`, absent/empty on the last page).
 * Both stop with an error after `maxPages` pages so a misbehaving server cannot loop us forever.
 */

export const DEFAULT_MAX_PAGES = 1000;

export interface OffsetPage<T> {
  items: readonly T[];
  /** The total the server reports, ignoring limit/offset (`total_count`, `instance_num`). */
  total?: number;
}

export interface OffsetPagingOptions {
  /** Page size (e.g. 1000 for VPCEP, 50 for DMS). */
  limit: number;
  startOffset?: number;
  maxPages?: number;
}

export class PaginationError extends Error {
  override readonly name = 'PaginationError';
}

/** Fetches every page with offset/limit and returns all items in order. */
export async function collectOffsetPages<T>(
  fetchPage: (offset: number, limit: number) => Promise<OffsetPage<T>>,
  options: OffsetPagingOptions,
): Promise<T[]> {
  const { limit } = options;
  if (!Number.isInteger(limit) || limit <= 0) throw new PaginationError(`limit must be a positive integer, got ${limit}`);
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const out: T[] = [];
  let offset = options.startOffset ?? 0;
  for (let page = 0; page < maxPages; page++) {
    const { items, total } = await fetchPage(offset, limit);
    out.push(...items);
    offset += limit;
    if (items.length === 0) return out;
    if (total !== undefined ? offset >= total : items.length < limit) return out;
  }
  throw new PaginationError(`more than ${maxPages} pages; giving up`);
}

export interface MarkerPage<T> {
  items: readonly T[];
  /** The marker for the next page; undefined (or empty) on the last page. */
  nextMarker?: string | undefined;
}

export interface MarkerPagingOptions {
  maxPages?: number;
}

/** Fetches every page following markers and returns all items in order. */
export async function collectMarkerPages<T>(
  fetchPage: (marker: string | undefined) => Promise<MarkerPage<T>>,
  options: MarkerPagingOptions = {},
): Promise<T[]> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const out: T[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { items, nextMarker } = await fetchPage(marker);
    out.push(...items);
    if (!nextMarker || items.length === 0) return out;
    if (seen.has(nextMarker)) throw new PaginationError(`marker ${nextMarker} repeated; the server is looping`);
    seen.add(nextMarker);
    marker = nextMarker;
  }
  throw new PaginationError(`more than ${maxPages} pages; giving up`);
}

/** Neutron's next marker: the last item's id when the page was full, else none. */
export function neutronNextMarker(items: readonly { id: string }[], limit: number): string | undefined {
  return items.length >= limit ? items[items.length - 1]?.id : undefined;
}
