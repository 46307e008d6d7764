import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonLossless } from '../../../src/otc/lossless-json.js';

describe('parseJsonLossless', () => {
  it('keeps marker_id beyond 2^53 as its exact digits', () => {
    const text = '{"id":"e","marker_id":422321321312321321,"nested":[{"marker_id":9007199254740993}]}';
    expect(String((JSON.parse(text) as { marker_id: number }).marker_id)).not.toBe('422321321312321321'); // JSON.parse rounds it
    const v = parseJsonLossless(text, { stringKeys: ['marker_id'] }) as { marker_id: unknown; nested: { marker_id: unknown }[] };
    expect(v.marker_id).toBe('422321321312321321');
    expect(v.nested[0]?.marker_id).toBe('9007199254740993');
  });

  it('parses everything else exactly like JSON.parse', () => {
    const samples = [
      '{"a":1,"b":-2.5e3,"c":[true,false,null],"d":"x\\n\\u00e9\\ud83d\\ude00\\"\\\\\\/","e":{}, "f":[]}',
      '  [1, 2 ,3]  ',
      '"plain"',
      '0',
      '{"__proto__":{"polluted":true}}',
    ];
    for (const s of samples) expect(parseJsonLossless(s)).toStrictEqual(JSON.parse(s));
    const proto = parseJsonLossless('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not stringify numbers under other keys', () => {
    expect(parseJsonLossless('{"port":9011,"marker_id":1}', { stringKeys: ['marker_id'] })).toStrictEqual({ port: 9011, marker_id: '1' });
  });

  for (const bad of ['', '{', '{"a":}', '[1,]', '{"a":1,}', '01', '1.', '"\\x"', '"a', 'tru', '{"a":1} x', '"\u0001"']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseJsonLossless(bad)).toThrow(JsonSyntaxError);
    });
  }
});
