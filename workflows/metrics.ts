/**
 * The product's metrics emitted from workflow code, through the SDK's workflow `metricMeter` (nothing is
 * emitted while replaying, so a metric counts each event once; no commands, so determinism is unaffected).
 * The worker exports them with the Temporal runtime's own on `--metrics-port` (worker/metrics-server.ts).
 * The SDK adds `namespace`, `task_queue` and `workflow_type` labels. Labels here are bounded: phases,
 * outcomes, health values — and, for the health gauge only, the instance id (one series per access, as the
 * issue asks for "health per instance").
 */
import { metricMeter } from '@temporalio/workflow';
import type { Health } from './ops-input.js';

// Made at each use, inside the running workflow (the workflow metric meter belongs to the current workflow;
// nothing is kept in module state, which reused workflow contexts could share).
const perUse = <T>(make: () => T): (() => T) => make;
const started = perUse(() => metricMeter.createCounter('crossvpc_accesses_started_total', '1', 'Provisioning runs of an access started'));
const ended = perUse(() => metricMeter.createCounter('crossvpc_accesses_ended_total', '1', 'Provisioning runs ended, by outcome (verified, unverified, rolled_back, failed)'));
const phaseSeconds = perUse(() => metricMeter.createHistogram('crossvpc_phase_duration_seconds', 'float', 's', 'Time an access run spent in each phase'));
const leftovers = perUse(() => metricMeter.createCounter('crossvpc_compensation_leftovers_total', '1', 'Resources a compensation could not remove (reported as leftovers)'));
const checks = perUse(() => metricMeter.createCounter('crossvpc_reverify_checks_total', '1', 'Re-verifications finished, by final health'));
const health = perUse(() => metricMeter.createGauge('crossvpc_access_health', 'int', '1', 'Health of each access at its latest re-verification: 0 healthy, 1 drifted, 2 broken'));

const HEALTH_VALUE: Record<Health, number> = { healthy: 0, drifted: 1, broken: 2 };

export const accessMetrics = {
  started(): void {
    started().add(1);
  },
  ended(outcome: string): void {
    ended().add(1, { outcome });
  },
  phase(phase: string, seconds: number): void {
    if (seconds >= 0) phaseSeconds().record(seconds, { phase });
  },
  leftovers(n: number): void {
    if (n > 0) leftovers().add(n);
  },
  checked(instanceId: string, h: Health): void {
    checks().add(1, { health: h });
    health().set(HEALTH_VALUE[h], { instance_id: instanceId });
  },
};
