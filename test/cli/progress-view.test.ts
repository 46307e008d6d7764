/** The live per-port view (pure renderer + printer): in place on a TTY, only changed lines otherwise. */
import { describe, expect, it } from 'vitest';
import { ProgressPrinter, renderProgress } from '../../src/cli/progress-view.js';
import type { AccessProgress } from '../../workflows/definitions.js';

const base: AccessProgress = {
  instanceId: 'i1',
  phase: 'provisioning-endpoints',
  awaitingApproval: false,
  ports: [
    { portId: 'p1', listenerIp: '10.0.0.1', status: 'provisioning', workflowId: 'w1' },
    { portId: 'p2', listenerIp: '10.0.0.2', status: 'pending', workflowId: 'w2' },
  ],
};

function sink(isTTY: boolean): { stream: { write(s: string): boolean; isTTY: boolean }; text: () => string } {
  let out = '';
  return { stream: { isTTY, write: (s: string) => ((out += s), true) }, text: () => out };
}

describe('progress view', () => {
  it('renders one header and one line per port (plain)', () => {
    expect(renderProgress(base, { tty: false })).toEqual(['access i1: provisioning-endpoints', 'port p1 10.0.0.1 provisioning', 'port p2 10.0.0.2 pending']);
    const done = renderProgress({ ...base, phase: 'verified', bootstrapServers: 'a:9011', ports: [{ ...base.ports[0]!, status: 'ready', endpointId: 'e1', endpointIp: '1.2.3.4' }] }, { tty: false });
    expect(done).toEqual(['access i1: verified bootstrap a:9011', 'port p1 10.0.0.1 ready endpoint e1, ip 1.2.3.4']);
  });

  it('non-TTY: prints only the lines that changed', () => {
    const s = sink(false);
    const p = new ProgressPrinter(s.stream);
    p.update(base);
    p.update(base);
    p.update({ ...base, ports: [base.ports[0]!, { ...base.ports[1]!, status: 'provisioning' }] });
    expect(s.text().split('\n').filter(Boolean)).toEqual(['access i1: provisioning-endpoints', 'port p1 10.0.0.1 provisioning', 'port p2 10.0.0.2 pending', 'port p2 10.0.0.2 provisioning']);
  });

  it('TTY: redraws the block in place (cursor up + clear line)', () => {
    const s = sink(true);
    const p = new ProgressPrinter(s.stream);
    expect(p.tty).toBe(true);
    p.update(base);
    const first = s.text();
    expect(first).not.toContain('\u001b[3A');
    p.update({ ...base, phase: 'updating-listeners' });
    expect(s.text().slice(first.length).startsWith('\u001b[3A')).toBe(true);
    expect(s.text()).toContain('\u001b[2K');
  });
});
