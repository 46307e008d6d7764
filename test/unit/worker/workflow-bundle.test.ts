/**
 * What the product's workflow bundle holds (worker/workflow-bundle.ts `leanBundle`, docs/decisions/worker-tuning.md
 * "A leaner bundle"): every workflow thread compiles it and keeps its source map, so modules nothing uses are left
 * out where their package says they have no side effects, and the map keeps the mappings without the sources' text.
 * Made the way the build makes dist/workflow-bundle.js.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundleOptions } from '../../../worker/workflow-bundle.js';

interface SourceMap {
  sources: string[];
  sourcesContent?: (string | null)[];
  mappings: string;
}

let map: SourceMap = { sources: [], mappings: '' };

beforeAll(async () => {
  const { code } = await bundleWorkflowCode(workflowBundleOptions('plain'));
  const at = code.lastIndexOf('//# sourceMappingURL=data:application/json;');
  const base64 = code.slice(code.indexOf('base64,', at) + 'base64,'.length).trim();
  map = JSON.parse(Buffer.from(base64, 'base64').toString()) as SourceMap;
}, 180_000);

describe('the workflow bundle', () => {
  it('keeps an inline source map that still maps to our workflow sources', () => {
    expect(map.mappings.length).toBeGreaterThan(0);
    for (const file of ['workflows/index.ts', 'workflows/access-workflow.ts', 'workflows/port-workflow.ts', 'workflows/shared-modules.ts']) {
      expect(map.sources.some((s) => s.endsWith(file)), file).toBe(true);
    }
  });

  it('leaves the sources\u2019 text out of the map', () => {
    expect((map.sourcesContent ?? []).filter((c) => c !== null && c !== '')).toEqual([]);
  });

  it('leaves out the zod modules nothing uses: other locales than English, the conversion from JSON Schema', () => {
    const zod = map.sources.filter((s) => /node_modules[\\/]zod[\\/]/.test(s));
    expect(zod.some((s) => s.endsWith('v4/core/schemas.js'))).toBe(true);
    expect(zod.some((s) => s.endsWith('v4/locales/en.js'))).toBe(true);
    expect(zod.filter((s) => /v4[\\/]locales[\\/](?!en\.js|index\.js)/.test(s))).toEqual([]);
    expect(zod.filter((s) => /from-json-schema/.test(s))).toEqual([]);
  });
});
