/**
 * The Node.js this suite runs on is one the package declares (`engines`: 20, 22 and 24), and the Temporal
 * SDK's native bridge (the Rust core, loaded through N-API) works on it. CI runs the suite on the machine's
 * Node and again on Node 24; CROSSVPC_EXPECT_NODE_MAJOR makes a run prove which Node it really used.
 */
import { readFileSync } from 'node:fs';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };

type Version = [number, number, number];
const parse = (v: string): Version => v.replace(/^v/, '').split('.').map(Number) as Version;
const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of semver ranges `engines` uses here: `^X.Y.Z` and `>=X.Y.Z`, joined by `||`. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alt) => {
    const m = /^\s*(\^|>=)\s*(\d+\.\d+\.\d+)\s*$/.exec(alt);
    if (!m?.[2]) throw new Error(`unsupported engines range part: ${alt}`);
    const min = parse(m[2]);
    return cmp(v, min) >= 0 && (m[1] === '>=' || v[0] === min[0]);
  });
}

describe('Node.js runtime', () => {
  it('package.json supports Node 20, 22 and 24, and nothing older than each line the dependencies need', () => {
    expect(satisfies('20.19.4', pkg.engines.node)).toBe(true);
    expect(satisfies('22.19.0', pkg.engines.node)).toBe(true);
    expect(satisfies('24.6.0', pkg.engines.node)).toBe(true);
    expect(satisfies('18.20.8', pkg.engines.node)).toBe(false);
    expect(satisfies('21.7.3', pkg.engines.node)).toBe(false);
    expect(satisfies('22.18.0', pkg.engines.node)).toBe(false); // @platformatic/kafka's own dependencies need 22.19
    expect(satisfies('25.0.0', pkg.engines.node)).toBe(true);
  });

  it('the Docker image builds on Node 24 LTS', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-\S+/gm)].map((m) => m[1]);
    // Every stage (the build stage and the runtime image) is on Node 24.
    expect(bases.length).toBeGreaterThan(0);
    expect([...new Set(bases)]).toEqual(['24']);
  });

  it(`this run's Node (${process.version}) is one of them`, () => {
    expect(satisfies(process.versions.node, pkg.engines.node), `${process.version} against ${pkg.engines.node}`).toBe(true);
    const expected = process.env.CROSSVPC_EXPECT_NODE_MAJOR;
    if (expected) expect(process.versions.node.split('.')[0]).toBe(expected);
  });

  it('loads the native Temporal bridge and talks to the server through it', async () => {
    expect(Runtime.instance()).toBeDefined();
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      await connection.close();
    }
  });
});
