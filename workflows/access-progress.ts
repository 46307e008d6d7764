/**
 * Progress of an access run (workflow code): the `progress` query state, the search attributes
 * `CrossVpcInstanceId`/`CrossVpcPhase`, and the UI's Current Details — one table per concern, plain text
 * markers (no symbols that need an emoji font), nothing stale once the run has closed.
 */
import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { ACCESS_REPORT_MEMO, type AccessPhase, type AccessProgress, type PortProgressEntry, type UndoReport } from './definitions.js';
import { accessMetrics } from './metrics.js';
import { CrossVpcInstanceId, CrossVpcPhase } from './search-attributes.js';

const CLOSED: readonly AccessPhase[] = ['verified', 'unverified', 'rolled_back', 'failed'];

export class AccessProgressTracker {
  readonly state: AccessProgress;

  /** When the current phase began (workflow time). */
  private since = Date.now();

  constructor(instanceId: string) {
    this.state = { instanceId, phase: 'validating', ports: [], awaitingApproval: false };
    accessMetrics.started();
  }

  phase(p: AccessPhase): void {
    const now = Date.now();
    if (p !== this.state.phase) {
      accessMetrics.phase(this.state.phase, (now - this.since) / 1000);
      this.since = now;
    }
    if (CLOSED.includes(p) && !CLOSED.includes(this.state.phase)) accessMetrics.ended(p);
    this.state.phase = p;
    if (p !== 'waiting-for-lock') delete this.state.waitingFor;
    upsertSearchAttributes([
      { key: CrossVpcInstanceId, value: this.state.instanceId },
      { key: CrossVpcPhase, value: p },
    ]);
    this.render();
  }

  ports(entries: PortProgressEntry[]): void {
    this.state.ports = entries;
    this.render();
  }

  port(portId: string, patch: Partial<PortProgressEntry>): void {
    const p = this.state.ports.find((x) => x.portId === portId);
    if (p) Object.assign(p, patch);
    this.render();
  }

  set<K extends keyof AccessProgress>(key: K, value: AccessProgress[K]): void {
    this.state[key] = value;
    this.render();
  }

  /** Records the final report in the memo (see {@link ACCESS_REPORT_MEMO}). */
  report(details: object): void {
    upsertMemo({ [ACCESS_REPORT_MEMO]: details });
  }

  undo(report: UndoReport, advertisedAfter?: Record<string, string>): void {
    this.state.undone = report.undone;
    this.state.kept = report.kept;
    this.state.leftovers = report.leftovers;
    accessMetrics.leftovers(report.leftovers.length);
    if (advertisedAfter) this.state.advertisedAfter = advertisedAfter;
    this.render();
  }

  render(): void {
    const p = this.state;
    const closed = CLOSED.includes(p.phase);
    const lines = [`**${p.instanceId}**: phase **${p.phase}**`];
    if (p.waitingFor && !closed) lines.push('', `waiting for the instance: ${p.waitingFor}`);
    if (p.bootstrapServers) lines.push('', `bootstrap servers: \`${p.bootstrapServers}\``);
    if (p.awaitingApproval && !closed) lines.push('', '**waiting for the `approve` signal** before the advertised IPs change as below');
    if (p.ports.length) {
      lines.push('', '| port | listener | status | endpoint | endpoint IP |', '|---|---|---|---|---|');
      for (const port of p.ports) lines.push(`| \`${port.portId}\` | ${port.listenerIp} | ${port.status} | ${port.endpointId ?? ''} | ${port.endpointIp ?? ''} |`);
    }
    if (p.advertisedChange?.length) {
      lines.push('', '| broker (listener) | port | advertised now | advertised after the switch |', '|---|---|---|---|');
      for (const c of p.advertisedChange) lines.push(`| ${c.listenerIp} | \`${c.portId}\` | ${c.before} | ${c.after}${c.before === c.after ? ' (unchanged)' : ''} |`);
    }
    if (p.error) lines.push('', `error: ${p.error}`);
    if (p.undone?.length) lines.push('', 'undone:', ...p.undone.map((u) => `- ${u}`));
    if (p.kept?.length) lines.push('', 'kept (there before this run):', ...p.kept.map((k) => `- ${k}`));
    if (p.leftovers?.length) lines.push('', '**left over** (not undone):', ...p.leftovers.map((l) => `- ${l.what}: ${l.error}`));
    if (p.advertisedAfter) {
      lines.push('', '| broker (listener) | advertised after the undo |', '|---|---|');
      for (const [l, ip] of Object.entries(p.advertisedAfter)) lines.push(`| ${l} | ${ip} |`);
    }
    setCurrentDetails(lines.join('\n'));
  }
}
