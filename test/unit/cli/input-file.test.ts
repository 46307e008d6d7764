/**
 * `--input FILE` (src/cli/input-file.ts) and how flags combine with it (src/cli/provision-request.ts): JSON
 * and YAML read alike; a broken file names --input with line and column; flags override the file's fields.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputFile } from '../../../src/cli/input-file.js';
import { commandLineRequest } from '../../../src/cli/provision-request.js';

const dir = mkdtempSync(join(tmpdir(), 'crossvpc-input-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('readInputFile', () => {
  it('reads JSON and YAML into the same object', () => {
    const json = file('r.json', JSON.stringify({ instanceId: 'i-1', verify: { timeoutMs: 30000, topic: 't' }, timeouts: { deadlineMs: 60000 } }));
    const yaml = file('r.yaml', 'instanceId: i-1\nverify:\n  timeoutMs: 30000\n  topic: t\ntimeouts:\n  deadlineMs: 60000\n');
    expect(readInputFile(json).value).toEqual(readInputFile(yaml).value);
    expect(readInputFile('-', () => '{"instanceId": "i-1"}').value).toEqual({ instanceId: 'i-1' });
  });

  it.each([
    ['missing', join(dir, 'nope.yaml'), 'cannot read it (no such file)'],
    ['a directory', dir, 'cannot read it (is a directory)'],
    ['broken YAML', 'bad', 'at line 2, column 1'],
    ['duplicate keys', 'dup', 'Map keys must be unique'],
    ['a list', 'list', 'expected one mapping of request fields, got a list'],
    ['a scalar', 'scalar', 'got string'],
    ['empty', 'empty', 'the document is empty'],
  ])('%s → InvalidInput naming --input', (_what, name, message) => {
    const texts: Record<string, string> = { bad: 'instanceId: [i-1\n', dup: 'a: 1\na: 2\n', list: '- a\n', scalar: 'hello\n', empty: '' };
    const path = texts[name] !== undefined ? file(`${name}.yaml`, texts[name] ?? '') : name;
    let caught: unknown;
    try {
      readInputFile(path);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'InvalidInput', field: '--input', apiCode: 'ERR_INPUT_FILE' });
    expect((caught as Error).message).toContain(message);
  });
});

describe('commandLineRequest', () => {
  it('flags override the file, nested verify fields merge, and provenance names the flags', () => {
    const input = file('base.yaml', 'instanceId: from-file\nclientVpcId: vpc-file\nclientSubnetId: subnet-file\nverify:\n  protocol: SASL_SSL\n  mechanism: PLAIN\n  secretRef: kafka\n  timeoutMs: 20000\n');
    const r = commandLineRequest({ input, 'instance-id': 'from-flag', topic: 'ops', 'keep-on-verify-failure': true });
    expect(r.request).toEqual({
      instanceId: 'from-flag',
      clientVpcId: 'vpc-file',
      clientSubnetId: 'subnet-file',
      verify: { protocol: 'SASL_SSL', mechanism: 'PLAIN', secretRef: 'kafka', timeoutMs: 20000, topic: 'ops', onFailure: 'keep' },
    });
    expect(r.fieldFlags).toEqual({ instanceId: '--instance-id', 'verify.topic': '--topic', 'verify.onFailure': '--keep-on-verify-failure' });
    expect(r.file).toBe(input);
  });

  it('without --input: only the flags given, empty values kept (the schema refuses them); errors name flags', () => {
    const r = commandLineRequest({ 'instance-id': 'i', 'client-vpc-id': 'v', 'client-subnet-id': 's', 'client-subnet-cidr': '' });
    expect(r.request).toEqual({ instanceId: 'i', clientVpcId: 'v', clientSubnetId: 's', clientSubnetCidr: '' });
    expect(r.fieldFlags).toMatchObject({ clientSubnetCidr: '--client-subnet-cidr', 'verify.mechanism': '--mechanism' });
  });
});
