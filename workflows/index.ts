/**
 * Workflow bundle entry (`workflowsPath`): every workflow the worker registers.
 *
 * Each export loads its workflow's module on the run's first activation (an import the bundler keeps in the
 * bundle: worker/workflow-bundle.ts, `dynamicImportMode: 'eager'`). The SDK evaluates the entry afresh for every
 * run (its reusable context keeps module state per run), so a static re-export of every workflow made each
 * run — a port child too — evaluate and keep all the modules of all the workflows. Now a run evaluates only
 * what its own workflow imports (docs/decisions/worker-tuning.md, "Per-workflow modules"). Same functions,
 * same types: the import resolves in a microtask of the same activation, before any command.
 */
import type { provisionCrossVpcAccess as ProvisionCrossVpcAccess } from './access-workflow.js';
import type { crossVpcOperationLock as CrossVpcOperationLock } from './lock-workflow.js';
import type { provisionNamedClientVpc as ProvisionNamedClientVpc } from './named-access-workflow.js';
import type { reverifyNamedClientVpc as ReverifyNamedClientVpc } from './named-reverify-workflow.js';
import type { planCrossVpcAccess as PlanCrossVpcAccess } from './plan-workflow.js';
import type { provisionPortEndpoint as ProvisionPortEndpoint } from './port-workflow.js';
import type { removeNamedClientVpc as RemoveNamedClientVpc } from './remove-client-workflow.js';
import type { reverifyCrossVpcAccess as ReverifyCrossVpcAccess } from './reverify-workflow.js';
import type { teardownCrossVpcAccess as TeardownCrossVpcAccess } from './teardown-workflow.js';

export type { AccessResult, AccessFailureDetails } from './access-outcome.js';
export type { NamedAccessResult } from './named-access-workflow.js';
export type { RemoveClientResult } from './remove-client-workflow.js';
export type { NamedReverifyResult } from './named-reverify-workflow.js';
export type { TeardownResult, ReverifyResult, Drift, DriftKind, Health } from './ops-input.js';

export const provisionCrossVpcAccess: typeof ProvisionCrossVpcAccess = async (raw) => (await import(/* webpackMode: "eager" */ './access-workflow.js')).provisionCrossVpcAccess(raw);
export const provisionPortEndpoint: typeof ProvisionPortEndpoint = async (raw) => (await import(/* webpackMode: "eager" */ './port-workflow.js')).provisionPortEndpoint(raw);
export const provisionNamedClientVpc: typeof ProvisionNamedClientVpc = async (raw) => (await import(/* webpackMode: "eager" */ './named-access-workflow.js')).provisionNamedClientVpc(raw);
export const removeNamedClientVpc: typeof RemoveNamedClientVpc = async (raw) => (await import(/* webpackMode: "eager" */ './remove-client-workflow.js')).removeNamedClientVpc(raw);
export const reverifyNamedClientVpc: typeof ReverifyNamedClientVpc = async (raw) => (await import(/* webpackMode: "eager" */ './named-reverify-workflow.js')).reverifyNamedClientVpc(raw);
export const teardownCrossVpcAccess: typeof TeardownCrossVpcAccess = async (raw) => (await import(/* webpackMode: "eager" */ './teardown-workflow.js')).teardownCrossVpcAccess(raw);
export const reverifyCrossVpcAccess: typeof ReverifyCrossVpcAccess = async (raw) => (await import(/* webpackMode: "eager" */ './reverify-workflow.js')).reverifyCrossVpcAccess(raw);
export const crossVpcOperationLock: typeof CrossVpcOperationLock = async (input) => (await import(/* webpackMode: "eager" */ './lock-workflow.js')).crossVpcOperationLock(input);
export const planCrossVpcAccess: typeof PlanCrossVpcAccess = async (raw) => (await import(/* webpackMode: "eager" */ './plan-workflow.js')).planCrossVpcAccess(raw);
