/**
 * The values of the Temporal SDK (`@temporalio/client`, `@temporalio/common`) that src/ uses, loaded with
 * `require`.
 *
 * The SDK is CommonJS. An ESM `import` of it makes Node scan the source of the package entry and of every
 * module it re-exports for export names (cjs-module-lexer) and wrap it, before anything runs: a sizeable part
 * of the start-up of every `crossvpc` command that talks to Temporal (bench/cli-startup.ts,
 * docs/benchmarks.md). `require` loads the same modules (same classes: `instanceof` holds either way)
 * without that. Types still come from `import type … from '@temporalio/…'`; lint allows only type imports of
 * these packages in src/cli, src/client and src/temporal (eslint.config.js).
 */
import { createRequire } from 'node:module';
import type * as ClientSdk from '@temporalio/client';
import type * as CommonSdk from '@temporalio/common';
import type * as TimeSdk from '@temporalio/common/lib/time.js';

const require = createRequire(import.meta.url);
const client = require('@temporalio/client') as typeof ClientSdk;
const common = require('@temporalio/common') as typeof CommonSdk;
const time = require('@temporalio/common/lib/time.js') as typeof TimeSdk;

// @temporalio/client
export const Client = client.Client;
export type Client = ClientSdk.Client;
export const Connection = client.Connection;
export type Connection = ClientSdk.Connection;
export const WorkflowFailedError = client.WorkflowFailedError;
export type WorkflowFailedError = ClientSdk.WorkflowFailedError;
export const WorkflowNotFoundError = client.WorkflowNotFoundError;
export type WorkflowNotFoundError = ClientSdk.WorkflowNotFoundError;
export const ScheduleNotFoundError = client.ScheduleNotFoundError;
export type ScheduleNotFoundError = ClientSdk.ScheduleNotFoundError;
export const ScheduleAlreadyRunning = client.ScheduleAlreadyRunning;
export type ScheduleAlreadyRunning = ClientSdk.ScheduleAlreadyRunning;
export const ScheduleOverlapPolicy = client.ScheduleOverlapPolicy;
export type ScheduleOverlapPolicy = ClientSdk.ScheduleOverlapPolicy;
export const ServiceError = client.ServiceError;
export type ServiceError = ClientSdk.ServiceError;
export const WorkflowExecutionAlreadyStartedError = client.WorkflowExecutionAlreadyStartedError;
export type WorkflowExecutionAlreadyStartedError = ClientSdk.WorkflowExecutionAlreadyStartedError;
export const isGrpcServiceError = client.isGrpcServiceError;

// @temporalio/common
export const ApplicationFailure = common.ApplicationFailure;
export type ApplicationFailure = CommonSdk.ApplicationFailure;
export const CancelledFailure = common.CancelledFailure;
export type CancelledFailure = CommonSdk.CancelledFailure;
export const TerminatedFailure = common.TerminatedFailure;
export type TerminatedFailure = CommonSdk.TerminatedFailure;
export const TimeoutFailure = common.TimeoutFailure;
export type TimeoutFailure = CommonSdk.TimeoutFailure;
export const NamespaceNotFoundError = common.NamespaceNotFoundError;
export type NamespaceNotFoundError = CommonSdk.NamespaceNotFoundError;
export const WorkflowIdConflictPolicy = common.WorkflowIdConflictPolicy;
export type WorkflowIdConflictPolicy = CommonSdk.WorkflowIdConflictPolicy;
export const WorkflowIdReusePolicy = common.WorkflowIdReusePolicy;
export type WorkflowIdReusePolicy = CommonSdk.WorkflowIdReusePolicy;
export const msToTs = time.msToTs;
export const tsToMs = time.tsToMs;
