import { describe, expect, it } from 'vitest';
import { defaultServiceUrl, resolveServiceUrls } from '../../../src/otc/endpoints.js';
import { collectMarkerPages, collectOffsetPages, neutronNextMarker, PaginationError } from '../../../src/otc/pagination.js';

describe('service endpoints', () => {
  it('derive from the region', () => {
    expect(resolveServiceUrls('eu-de')).toEqual({
      iam: 'https://iam.eu-de.otc.t-systems.com',
      vpcep: 'https://vpcep.eu-de.otc.t-systems.com',
      dms: 'https://dms.eu-de.otc.t-systems.com',
      vpc: 'https://vpc.eu-de.otc.t-systems.com',
      dns: 'https://dns.eu-de.otc.t-systems.com',
    });
    expect(defaultServiceUrl('dms', 'eu-nl')).toBe('https://dms.eu-nl.otc.t-systems.com');
  });
  it('eu-ch2 uses .sc. and iam-pub', () => {
    expect(resolveServiceUrls('eu-ch2')).toEqual({
      iam: 'https://iam-pub.eu-ch2.sc.otc.t-systems.com',
      vpcep: 'https://vpcep.eu-ch2.sc.otc.t-systems.com',
      dms: 'https://dms.eu-ch2.sc.otc.t-systems.com',
      vpc: 'https://vpc.eu-ch2.sc.otc.t-systems.com',
      dns: 'https://dns.eu-ch2.sc.otc.t-systems.com',
    });
  });
  it('are overridable per service (trailing slash removed)', () => {
    const urls = resolveServiceUrls('eu-de', { vpc: 'http://127.10.0.1:4000/', iam: 'http://127.10.0.1:4001' });
    expect(urls.vpc).toBe('http://127.10.0.1:4000');
    expect(urls.iam).toBe('http://127.10.0.1:4001');
    expect(urls.dms).toBe('https://dms.eu-de.otc.t-systems.com');
  });
});

describe('offset paging', () => {
  const data = Array.from({ length: 23 }, (_, i) => i);
  it('walks pages until total', async () => {
    const calls: [number, number][] = [];
    const got = await collectOffsetPages(
      (offset, limit) => {
        calls.push([offset, limit]);
        return Promise.resolve({ items: data.slice(offset, offset + limit), total: data.length });
      },
      { limit: 10 },
    );
    expect(got).toEqual(data);
    expect(calls).toEqual([
      [0, 10],
      [10, 10],
      [20, 10],
    ]);
  });
  it('without a total stops at a short page; stops at an empty page even if total lies', async () => {
    expect(await collectOffsetPages((o, l) => Promise.resolve({ items: data.slice(o, o + l) }), { limit: 10 })).toEqual(data);
    let calls = 0;
    const got = await collectOffsetPages(
      (o, l) => {
        calls++;
        return Promise.resolve({ items: data.slice(o, o + l), total: 1000 });
      },
      { limit: 10 },
    );
    expect(got).toEqual(data);
    expect(calls).toBe(4);
  });
  it('gives up after maxPages', async () => {
    await expect(collectOffsetPages(() => Promise.resolve({ items: [1], total: 1e9 }), { limit: 1, maxPages: 5 })).rejects.toThrow(PaginationError);
  });
  it('rejects a bad limit', async () => {
    await expect(collectOffsetPages(() => Promise.resolve({ items: [] }), { limit: 0 })).rejects.toThrow(/limit/);
  });
});

describe('marker paging', () => {
  it('follows next markers', async () => {
    const pages: Record<string, { items: string[]; nextMarker?: string }> = {
      '': { items: ['a', 'b'], nextMarker: 'b' },
      b: { items: ['c', 'd'], nextMarker: 'd' },
      d: { items: ['e'] },
    };
    const seen: (string | undefined)[] = [];
    const got = await collectMarkerPages((m) => {
      seen.push(m);
      return Promise.resolve(pages[m ?? ''] ?? { items: [] });
    });
    expect(got).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(seen).toEqual([undefined, 'b', 'd']);
  });
  it('detects a repeating marker', async () => {
    await expect(collectMarkerPages(() => Promise.resolve({ items: [1], nextMarker: 'x' }))).rejects.toThrow(/repeated/);
  });
  it('neutronNextMarker: last id only for full pages', () => {
    expect(neutronNextMarker([{ id: 'a' }, { id: 'b' }], 2)).toBe('b');
    expect(neutronNextMarker([{ id: 'a' }], 2)).toBeUndefined();
  });
});
