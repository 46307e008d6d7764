/**
 * How a Kafka probe failed (src/kafka/kafka-probe.ts). Apart from the probe so that the verify activity can
 * recognise the failure without loading the Kafka client library until it probes (a worker that never
 * verifies never loads it: ~35 MB of RSS, docs/decisions/worker-tuning.md).
 */
export type KafkaProbeStage = 'metadata' | 'metadata-mismatch' | 'produce' | 'consume';

export class KafkaProbeError extends Error {
  readonly stage: KafkaProbeStage;
  constructor(stage: KafkaProbeStage, message: string, options?: { cause?: unknown }) {
    super(`Kafka probe failed at ${stage}: ${message}`, options);
    this.name = 'KafkaProbeError';
    this.stage = stage;
  }
}
