/** worker/logging.ts: the JSON line of a log entry (ids first, secrets redacted) and the text default. */
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createLogger, jsonLine } from '../../../worker/logging.js';

describe('JSON log lines', () => {
  it('ts, level, msg, then the ids, then the rest; values under secret-naming keys are redacted at any depth', () => {
    const line = jsonLine({
      level: 'WARN',
      message: 'port rolled back',
      timestampNanos: 1_767_225_600_123_000_000n,
      meta: { undone: ['x'], runId: 'r1', workflowId: 'crossvpc-i-port-p', portId: 'p', instanceId: 'i', nested: { sk: 'S3CR3T', password: 'pw', secretRef: 'kafka-prod' }, big: 5n, err: new Error('boom') },
    });
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['ts', 'level', 'msg', 'instanceId', 'portId', 'workflowId', 'runId', 'undone', 'nested', 'big', 'err']);
    expect(JSON.parse(line)).toEqual({
      ts: '2026-01-01T00:00:00.123Z',
      level: 'WARN',
      msg: 'port rolled back',
      instanceId: 'i',
      portId: 'p',
      workflowId: 'crossvpc-i-port-p',
      runId: 'r1',
      undone: ['x'],
      nested: { sk: '[redacted]', password: '[redacted]', secretRef: 'kafka-prod' },
      big: '5',
      err: { name: 'Error', message: 'boom' },
    });
    expect(line).not.toContain('S3CR3T');
    expect(line).not.toContain('\n');
  });

  it('json writes one line per entry; text is the SDK default logger', () => {
    const lines: string[] = [];
    const json = createLogger('json', 'INFO', (l) => lines.push(l));
    json.info('a', { instanceId: 'i' });
    json.debug('hidden');
    json.error('b\nc');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['a', 'b\nc']);
    expect(createLogger('text')).toBeInstanceOf(DefaultLogger);
  });
});
