/**
 * Live per-port view of an access: one header line (instance, phase) and one line per broker port.
 *
 * `renderProgress` is pure (progress → lines). `ProgressPrinter` writes successive renders to a stream:
 * on a TTY it redraws the block in place (cursor up + clear line); otherwise it prints only the lines that
 * changed since the previous render, so logs and pipes get one line per real change.
 *
 * Shared by `crossvpc watch`, `crossvpc status` and `crossvpc dev`.
 */
import type { AccessProgress, PortProgressEntry } from '../../workflows/definitions.js';

export interface RenderOptions {
  /** Colour and alignment for a terminal; plain, self-describing lines otherwise. */
  tty: boolean;
}

const PORT_MARK: Record<PortProgressEntry['status'], string> = {
  pending: '·',
  provisioning: '…',
  ready: '✓',
  failed: '✗',
  rolled_back: '↺',
  cancelled: '⊘',
};

const COLOUR: Partial<Record<PortProgressEntry['status'], string>> = {
  provisioning: '\u001b[33m',
  ready: '\u001b[32m',
  failed: '\u001b[31m',
  rolled_back: '\u001b[35m',
  cancelled: '\u001b[35m',
};
const RESET = '\u001b[0m';

function portDetail(p: PortProgressEntry): string {
  const parts: string[] = [];
  if (p.serviceId) parts.push(`service ${p.serviceId}`);
  if (p.endpointId) parts.push(`endpoint ${p.endpointId}`);
  if (p.endpointIp) parts.push(`ip ${p.endpointIp}`);
  if (p.error) parts.push(`error: ${p.error}`);
  return parts.join(', ');
}

/** Lines of the view: `access <id>: <phase>…`, then one line per port (`port <id> <listenerIp> <status> …`). */
export function renderProgress(progress: AccessProgress, options: RenderOptions): string[] {
  const head = [`access ${progress.instanceId}: ${progress.phase}`];
  if (progress.awaitingApproval) head.push('(awaiting approval: crossvpc approve --instance-id ' + progress.instanceId + ')');
  if (progress.bootstrapServers) head.push(`bootstrap ${progress.bootstrapServers}`);
  if (progress.error) head.push(`error: ${progress.error}`);
  const lines = [head.join(' ')];
  const idWidth = options.tty ? Math.max(0, ...progress.ports.map((p) => p.portId.length)) : 0;
  const ipWidth = options.tty ? Math.max(0, ...progress.ports.map((p) => p.listenerIp.length)) : 0;
  const statusWidth = options.tty ? 'rolled_back'.length : 0;
  for (const p of progress.ports) {
    const detail = portDetail(p);
    if (options.tty) {
      const colour = COLOUR[p.status] ?? '';
      const status = `${colour}${PORT_MARK[p.status]} ${p.status.padEnd(statusWidth)}${colour ? RESET : ''}`;
      lines.push(`  port ${p.portId.padEnd(idWidth)}  ${p.listenerIp.padEnd(ipWidth)}  ${status}${detail ? `  ${detail}` : ''}`);
    } else {
      lines.push(`port ${p.portId} ${p.listenerIp} ${p.status}${detail ? ` ${detail}` : ''}`);
    }
  }
  if (progress.awaitingApproval) {
    // What approving changes: the advertised IP of each broker, by its own port id (before → after).
    for (const c of progress.advertisedChange ?? []) {
      lines.push(`${options.tty ? '  ' : ''}advertised ${c.listenerIp} (port ${c.portId}): ${c.before} → ${c.after}${c.before === c.after ? ' (unchanged)' : ''}`);
    }
  }
  if (progress.undone?.length) lines.push(`${options.tty ? '  ' : ''}undone: ${progress.undone.join('; ')}`);
  return lines;
}

export interface ProgressPrinterOptions {
  /** Defaults to `Boolean(stream.isTTY)`. */
  tty?: boolean;
}

interface WritableLike {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Writes successive progress renders: redrawn in place on a TTY, only changed lines otherwise. */
export class ProgressPrinter {
  readonly tty: boolean;
  private previous: string[] = [];
  private drawn = 0;

  constructor(
    private readonly stream: WritableLike = process.stdout,
    options: ProgressPrinterOptions = {},
  ) {
    this.tty = options.tty ?? Boolean(stream.isTTY);
  }

  /** Renders `progress`; returns the lines written (TTY: the whole block; otherwise only the changed ones). */
  update(progress: AccessProgress): string[] {
    return this.print(renderProgress(progress, { tty: this.tty }));
  }

  /** Same as `update` for lines rendered elsewhere (e.g. a final summary block). */
  print(lines: string[]): string[] {
    if (this.tty) {
      if (sameLines(lines, this.previous)) return [];
      let out = this.drawn > 0 ? `\u001b[${this.drawn}A` : '';
      for (const line of lines) out += `\r\u001b[2K${line}\n`;
      // Clear lines left over from a longer previous block.
      const extra = this.drawn - lines.length;
      for (let i = 0; i < extra; i++) out += '\r\u001b[2K\n';
      if (extra > 0) out += `\u001b[${extra}A`;
      this.stream.write(out);
      this.drawn = lines.length;
      this.previous = lines;
      return lines;
    }
    const seen = new Set(this.previous);
    const changed = lines.filter((l) => !seen.has(l));
    for (const l of changed) this.stream.write(`${l}\n`);
    this.previous = lines;
    return changed;
  }

  /** Forget what was drawn (the next update starts a fresh block below). */
  reset(): void {
    this.previous = [];
    this.drawn = 0;
  }
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}
