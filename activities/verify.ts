/**
 * The verification activity (runs on `<taskQueue>-verify`, i.e. on a worker inside the client network):
 * bootstrap through the endpoint IPs, the metadata must list exactly those hosts, produce a uniquely keyed
 * message and consume it back.
 *
 * Secrets: the workflow passes only a reference (`secretRef`). The verify worker resolves it from its own
 * environment, validated with zod:
 *   CROSSVPC_SECRET_<REF>_USERNAME, CROSSVPC_SECRET_<REF>_PASSWORD, CROSSVPC_SECRET_<REF>_CA_FILE (PEM path)
 * where <REF> is the reference upper-cased with every non-alphanumeric character replaced by `_`
 * (`kafka-client` → `CROSSVPC_SECRET_KAFKA_CLIENT_USERNAME`). Nothing of it is returned or logged.
 */
import { readFile } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { z } from 'zod';
import type { KafkaProbeOptions, KafkaProbeResult, KafkaProbeSecurity } from '../src/kafka/kafka-probe.js';
import { KafkaProbeError } from '../src/kafka/probe-error.js';
import { withDnsServer } from '../src/kafka/vpc-resolver.js';
import { ErrorTypes } from '../workflows/errors.js';
import type { VerifyArgs, VerifyResult } from './types.js';

export interface VerifyDeps {
  /** Defaults to the product's probe. */
  probe?: (options: KafkaProbeOptions) => Promise<KafkaProbeResult>;
  /** Where secrets are looked up; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The client VPC's DNS server (`host:port`) when this worker does not run inside that VPC (the sandbox):
   * broker names resolve through it alone. Unset: the system resolver (a worker inside the VPC).
   */
  dnsServer?: string;
}

export function secretEnvPrefix(ref: string): string {
  return `CROSSVPC_SECRET_${ref.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const SecretEnvSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  caFile: z.string().min(1),
});

/** Resolves a SASL_SSL secret reference from the environment (throws a non-retryable failure naming the variables). */
export async function resolveSaslSecret(
  ref: string,
  mechanism: 'PLAIN' | 'SCRAM-SHA-512',
  env: Readonly<Record<string, string | undefined>>,
): Promise<KafkaProbeSecurity> {
  const p = secretEnvPrefix(ref);
  const parsed = SecretEnvSchema.safeParse({ username: env[`${p}_USERNAME`], password: env[`${p}_PASSWORD`], caFile: env[`${p}_CA_FILE`] });
  if (!parsed.success) {
    const missing = parsed.error.issues.map((i) => `${p}_${String(i.path[0]) === 'caFile' ? 'CA_FILE' : String(i.path[0]).toUpperCase()}`);
    throw ApplicationFailure.create({
      type: ErrorTypes.SecretNotConfigured,
      nonRetryable: true,
      message: `secret "${ref}" is not configured on the verify worker: set ${missing.join(', ')}`,
    });
  }
  let caPem: string;
  try {
    caPem = await readFile(parsed.data.caFile, 'utf8');
  } catch (err) {
    throw ApplicationFailure.create({
      type: ErrorTypes.SecretNotConfigured,
      nonRetryable: true,
      message: `secret "${ref}": cannot read ${p}_CA_FILE (${(err as Error).message})`,
    });
  }
  return { protocol: 'SASL_SSL', mechanism, username: parsed.data.username, password: parsed.data.password, caPem };
}

/** The product's probe, its Kafka client library loaded on the first verification (not at worker start). */
async function probeKafkaLazily(options: KafkaProbeOptions): Promise<KafkaProbeResult> {
  const { probeKafka } = await import('../src/kafka/kafka-probe.js');
  return probeKafka(options);
}

export function createVerifyActivities(deps: VerifyDeps = {}) {
  const probe = deps.probe ?? probeKafkaLazily;
  const env = deps.env ?? process.env;
  return {
    async verifyKafka(args: VerifyArgs): Promise<VerifyResult> {
      const ctx = Context.current();
      let security: KafkaProbeSecurity = { protocol: 'PLAINTEXT' };
      if (args.protocol === 'SASL_SSL') {
        if (!args.secretRef || !args.mechanism) {
          throw ApplicationFailure.create({ type: ErrorTypes.InvalidInput, nonRetryable: true, message: 'SASL_SSL verification needs a mechanism and a secretRef' });
        }
        security = await resolveSaslSecret(args.secretRef, args.mechanism, env);
      }
      ctx.heartbeat();
      const timer = setInterval(() => ctx.heartbeat(), 1_000);
      try {
        const options: KafkaProbeOptions = {
          bootstrapServers: args.bootstrapServers.split(',').filter(Boolean),
          security,
          topic: args.topic,
          timeoutMs: args.timeoutMs,
          expectBrokerHosts: args.expectBrokerHosts,
          clientId: `crossvpc-verify-${ctx.info.workflowExecution?.workflowId ?? "standalone"}`,
        };
        const dnsServer = deps.dnsServer;
        const run = dnsServer ? withDnsServer(dnsServer, () => probe(options)) : probe(options);
        // The probe has its own deadline and closes its clients itself; a cancel stops waiting for it.
        const r = await Promise.race([run, ctx.cancelled]);
        return { brokers: r.brokers, produced: r.produced, consumed: r.consumed, elapsedMs: r.elapsedMs };
      } catch (err) {
        if (err instanceof CancelledFailure) throw err;
        if (err instanceof KafkaProbeError) {
          throw ApplicationFailure.create({
            type: ErrorTypes.VerificationFailed,
            nonRetryable: false,
            message: `${err.message} (bootstrap ${args.bootstrapServers})`,
            details: [{ stage: err.stage }],
          });
        }
        throw ApplicationFailure.create({ type: ErrorTypes.VerificationFailed, nonRetryable: false, message: err instanceof Error ? err.message : String(err) });
      } finally {
        clearInterval(timer);
      }
    },
  };
}
