/**
 * Steps 2 + 3 of an access run (workflow code): one child per broker port (endpoint service, whitelist,
 * endpoint in the client VPC, accepted, its IP) in parallel with the network rules (security group; network ACL
 * where the subnet has one). The first failure cancels the siblings; every step registers its undo first.
 * Shared by the single-VPC access (access-workflow.ts) and each client VPC of a named access
 * (named-access-workflow.ts); the command order is the one the replay histories hold.
 */
import { CancellationScope, executeChild, isCancellation, ParentClosePolicy } from '@temporalio/workflow';
import type { AccessBaseline, InstanceView, NetworkAclResult, SecurityGroupRuleResult } from '../activities/types.js';
import type { AccessProgressTracker } from './access-progress.js';
import type { AccessUndo, PortUndoState } from './access-undo.js';
import { ChildWorkflowFailure, ApplicationFailure, CancelledFailure } from '@temporalio/workflow';
import { ErrorTypes } from './errors.js';
import { mayHaveMutated } from './failure-type.js';
import { settleInDoubt } from './in-doubt.js';
import { portWorkflowId, type Polling, type ProvisionInput } from './input.js';
import type { LockClient } from './lock.js';
import { securityGroupLockKey } from './lock-definitions.js';
import type { PortFailureDetails, PortResult } from './port-input.js';
import { portRequest } from './port-requests.js';
import { provisionPortEndpoint } from './port-workflow.js';
import type { otcProxies } from './proxies.js';
import { errorMessage } from './saga.js';
import { CrossVpcInstanceId, CrossVpcPhase } from './search-attributes.js';

type Proxies = ReturnType<typeof otcProxies>;

export interface PortsAndRulesContext {
  input: ProvisionInput & { clientCredentials: string };
  t: Polling;
  forward: Proxies['forward'];
  look: Proxies['look'];
  locks: LockClient;
  progress: AccessProgressTracker;
  undoSteps: AccessUndo;
  /** The children are `<parentWorkflowId>-port-<portId>`. */
  parentWorkflowId: string;
  /** Told which step failed (the network rules name theirs). */
  onFailedStep: (step: string) => void;
}

export interface PortsAndRulesResult {
  securityGroupRule: SecurityGroupRuleResult | null;
  networkAcl: NetworkAclResult | null;
  createdRule: string | null;
}

export async function provisionPortsAndRules(
  ctx: PortsAndRulesContext,
  inst: InstanceView,
  baseline: AccessBaseline,
  clientSubnetCidr: string | undefined,
): Promise<{ ports: Map<string, PortResult>; rules: PortsAndRulesResult }> {
  const { input, t, forward, look, locks, progress, undoSteps, parentWorkflowId } = ctx;
  const instanceId = input.instanceId;
  progress.phase('provisioning-endpoints');
  const states = new Map<string, PortUndoState>();
  undoSteps.ports(inst.entries, baseline, states);
  const rules = { securityGroupRule: null as SecurityGroupRuleResult | null, networkAcl: null as NetworkAclResult | null, createdRule: null as string | null };
  // Whether a rule step may have changed the cloud (it answered, or failed after a create without an answer).
  const tried = { sg: false, acl: false };
  if (input.manageSecurityGroupRule) undoSteps.securityGroupRule(inst, baseline, () => ({ ruleId: rules.createdRule, maybe: tried.sg }));
  if (input.manageNetworkAcl === 'auto') undoSteps.networkAcl(inst, baseline, () => tried.acl);

  const results = new Map<string, PortResult>();
  const scope = new CancellationScope();
  let firstError: unknown;
  const fail = (err: unknown, step?: string): void => {
    if (firstError !== undefined) return;
    firstError = err;
    if (step) ctx.onFailedStep(step);
    scope.cancel(); // siblings stop and undo themselves
  };
  const child = async (e: InstanceView['entries'][number]): Promise<void> => {
    progress.port(e.portId, { status: 'provisioning' });
    states.set(e.portId, { kind: 'unclean', leftovers: [] }); // until the child tells
    try {
      const r = await executeChild(provisionPortEndpoint, {
        workflowId: portWorkflowId(parentWorkflowId, e.portId),
        args: [portRequest(input, inst, e, baseline)],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `VPC endpoint for broker ${e.listenerIp} (port ${e.portId})`,
        typedSearchAttributes: [
          { key: CrossVpcInstanceId, value: instanceId },
          { key: CrossVpcPhase, value: 'creating-service' },
        ],
      });
      results.set(e.portId, r);
      states.set(e.portId, { kind: 'ready', result: r });
      progress.port(e.portId, { status: 'ready', serviceId: r.serviceId, endpointId: r.endpointId, endpointIp: r.endpointIp });
    } catch (err) {
      states.set(e.portId, childUndoState(err));
      progress.port(e.portId, { status: isCancellation(err) ? 'cancelled' : 'failed', error: errorMessage(err) });
      fail(err);
    }
  };
  const noting = async <T>(which: 'sg' | 'acl', call: () => Promise<T>): Promise<T> => {
    try {
      const r = await call();
      tried[which] = true;
      return r;
    } catch (err) {
      if (isCancellation(err) || mayHaveMutated(err)) tried[which] = true;
      throw err;
    }
  };
  const networkRules = async (): Promise<void> => {
    try {
      if (input.manageSecurityGroupRule) {
        const r = await locks.withLock(securityGroupLockKey(inst.securityGroupId), 'security-group-rule', t.lockWaitMs, () =>
          noting('sg', () =>
            forward.ensureSecurityGroupRule.executeWithOptions({ summary: 'ensure ingress TCP 9011 from 198.19.128.0/17' }, [
              { instanceCredentials: input.instanceCredentials, instanceId, securityGroupId: inst.securityGroupId },
            ]),
          ),
        );
        rules.securityGroupRule = r;
        if (!baseline.securityGroupRule && r.marked && r.ruleId) rules.createdRule = r.ruleId;
        progress.set('securityGroupRule', { ruleId: r.ruleId, created: rules.createdRule !== null });
      }
      if (input.manageNetworkAcl === 'auto') {
        const cidr = input.clientSubnetCidr ?? clientSubnetCidr;
        const args = { instanceCredentials: input.instanceCredentials, instanceId, subnetId: inst.subnetId, ...(cidr ? { clientSubnetCidr: cidr } : {}) };
        const acl = await settleInDoubt(await noting('acl', () => forward.ensureNetworkAclRules.executeWithOptions({ summary: 'network ACL: allow 9011 from VPCEP and client subnet' }, [args])), {
          what: 'network ACL rules',
          t,
          look: () => look.findNetworkAclRules.executeWithOptions({ summary: 'look for our network ACL rules' }, [args]),
          again: () => forward.ensureNetworkAclRules.executeWithOptions({ summary: 'network ACL: allow 9011 from VPCEP and client subnet' }, [args]),
        });
        rules.networkAcl = acl;
        progress.set('networkAcl', { firewallId: acl.firewallId, ruleIds: acl.ruleIds, created: acl.ruleIds.some((id) => !(baseline.networkAcl?.ruleIds ?? []).includes(id)) });
      }
    } catch (err) {
      fail(err, 'ensuring the network rules');
    }
  };
  await scope.run(() => Promise.all([...inst.entries.map((e) => child(e)), networkRules()]));
  if (firstError !== undefined) throw firstError;
  return { ports: results, rules };
}

/** What the parent knows after a child ended with an error. */
export function childUndoState(err: unknown): PortUndoState {
  if (!(err instanceof ChildWorkflowFailure)) return { kind: 'unclean', leftovers: [] };
  const c = err.cause;
  if (c instanceof ApplicationFailure && c.type === ErrorTypes.PortRolledBack) return { kind: 'clean' };
  if (c instanceof CancelledFailure) return { kind: 'clean' };
  if (c instanceof ApplicationFailure && c.type === ErrorTypes.CompensationFailed) {
    const d = c.details?.[0] as PortFailureDetails | undefined;
    return { kind: 'unclean', leftovers: d?.leftovers ?? [] };
  }
  return { kind: 'unclean', leftovers: [] };
}
