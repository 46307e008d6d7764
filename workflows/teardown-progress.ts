/** Progress of a teardown: query state, search attributes and Current Details (workflow code). */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { TeardownPhase, TeardownProgress } from './ops-definitions.js';
import { CrossVpcInstanceId, CrossVpcPhase } from './search-attributes.js';

export class TeardownProgressTracker {
  readonly state: TeardownProgress;

  constructor(instanceId: string) {
    this.state = {
      instanceId,
      phase: 'checking-provisioning',
      removed: { endpoints: [], services: [], securityGroupRules: [], aclRules: [] },
      restored: {},
      leftAlone: [],
    };
  }

  phase(p: TeardownPhase): void {
    this.state.phase = p;
    upsertSearchAttributes([
      { key: CrossVpcInstanceId, value: this.state.instanceId },
      { key: CrossVpcPhase, value: `teardown:${p}` },
    ]);
    this.render();
  }

  leftAlone(what: string): void {
    this.state.leftAlone.push(what);
  }

  restored(listenerIp: string, ourIp: string): void {
    this.state.restored[listenerIp] = ourIp;
  }

  render(): void {
    const p = this.state;
    const lines = [`**teardown of ${p.instanceId}**: **${p.phase}**`];
    if (p.cancelledProvisioning) lines.push('', 'a running provisioning was cancelled first (it rolled back on its own)');
    const restored = Object.entries(p.restored);
    if (restored.length) lines.push('', '| broker | advertised (ours) | restored to |', '|---|---|---|', ...restored.map(([l, a]) => `| ${l} | ${a} | ${l} |`));
    const r = p.removed;
    lines.push(
      '',
      '| removed | ids |',
      '|---|---|',
      `| endpoints | ${r.endpoints.join(', ') || 'none'} |`,
      `| endpoint services | ${r.services.join(', ') || 'none'} |`,
      `| security-group rules | ${r.securityGroupRules.join(', ') || 'none'} |`,
      `| network ACL rules | ${r.aclRules.join(', ') || 'none'} |`,
    );
    if (p.leftAlone.length) lines.push('', 'left alone (not ours, or still needed):', ...p.leftAlone.map((x) => `- ${x}`));
    if (p.leftovers?.length) lines.push('', '**left over** (not removed):', ...p.leftovers.map((l) => `- ${l.what}: ${l.error}`));
    setCurrentDetails(lines.join('\n'));
  }
}
