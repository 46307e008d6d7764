/** Progress of one port child: its query state, search attribute and the UI's Current Details (workflow code). */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { PortPhase, PortProgress } from './definitions.js';
import { CrossVpcPhase } from './search-attributes.js';

export class PortProgressTracker {
  readonly state: PortProgress;

  constructor(
    portId: string,
    private readonly listenerIp: string,
  ) {
    this.state = { portId, phase: 'creating-service', looks: 0 };
  }

  phase(p: PortPhase): void {
    this.state.phase = p;
    upsertSearchAttributes([{ key: CrossVpcPhase, value: p }]);
    this.render();
  }

  service(id: string, status: string, look = false): void {
    this.state.serviceId = id;
    this.state.serviceStatus = status;
    if (look) this.state.looks += 1;
  }

  endpoint(id: string, status: string, ip?: string, look = false): void {
    this.state.endpointId = id;
    this.state.endpointStatus = status;
    if (ip) this.state.endpointIp = ip;
    if (look) this.state.looks += 1;
  }

  fail(error: string): void {
    this.state.error = error;
  }

  private render(): void {
    const s = this.state;
    const rows: string[] = [];
    if (s.serviceId) rows.push(`| endpoint service | \`${s.serviceId}\` | ${s.serviceStatus ?? '?'} | |`);
    if (s.endpointId) rows.push(`| endpoint | \`${s.endpointId}\` | ${s.endpointStatus ?? '?'} | ${s.endpointIp ?? ''} |`);
    const lines = [`**port** \`${s.portId}\` (listener ${this.listenerIp}): **${s.phase}**`];
    if (rows.length) lines.push('', '| resource | id | status | IP |', '|---|---|---|---|', ...rows);
    if (s.error) lines.push('', `error: ${s.error}`);
    setCurrentDetails(lines.join('\n'));
  }
}
