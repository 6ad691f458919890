/**
 * The producer side of one run: every checkpoint's sink records, changed state and input offsets go out through it
 * (checkpoint-commit.ts). It is kafkajs's producer or librdkafka's, as the run's consumer is. Under exactly-once it is
 * transactional with the deployment's stable transactional id, and connecting fences any earlier instance (its open
 * transaction is completed) before the run reads the changelog and the offsets.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { InputOffsets } from '../kafka/changelog.ts';
import type { KafkaConfig } from '../kafka/config.ts';
import { keyPartitioner } from '../kafka/partitioner.ts';
import { RdProducer } from '../kafka/rdkafka.ts';
import {
  commitAtLeastOnce,
  commitInRdTransaction,
  commitInTransaction,
  commitRdAtLeastOnce,
  type CheckpointWrite,
} from './checkpoint-commit.ts';
import type { KafkaInput } from './kafka-input.ts';
import type { RdKafkaInput } from './rdkafka-input.ts';

export interface CheckpointProducerConfig {
  client: 'kafkajs' | 'librdkafka';
  exactlyOnce: boolean;
  deploymentId: string;
  transactionalId: string;
  /** The consumer group whose offsets a kafkajs transaction commits. */
  groupId: string;
}

/** A step against Kafka, retried while Kafka answers with transient errors (the run's `untilKafkaAnswers`). */
export type KafkaStep = <T>(step: string, action: () => Promise<T>) => Promise<T>;

export class CheckpointProducer {
  private readonly config: CheckpointProducerConfig;
  private producer: Producer | null = null;
  private rdProducer: RdProducer | null = null;

  constructor(config: CheckpointProducerConfig) {
    this.config = config;
  }

  /** Connects (kafkajs: through `kafka`; librdkafka: with `kafkaConfig`) and, under exactly-once, fences. */
  async connect(kafka: Kafka, kafkaConfig: KafkaConfig, untilKafkaAnswers: KafkaStep): Promise<void> {
    if (this.config.client === 'librdkafka') await this.connectRd(kafkaConfig, untilKafkaAnswers);
    else await this.connectKafkajs(kafka, untilKafkaAnswers);
  }

  /** The kafkajs producer; exactly-once: transactional, and its first transaction fences earlier instances. */
  private async connectKafkajs(kafka: Kafka, untilKafkaAnswers: KafkaStep): Promise<void> {
    const { exactlyOnce, transactionalId } = this.config;
    this.producer = exactlyOnce
      ? kafka.producer({
          transactionalId,
          idempotent: true,
          maxInFlightRequests: 1,
          // Kafka Streams' order of magnitude: a commit takes milliseconds to seconds, and a transaction left open
          // by a terminated worker that is not restarted holds read_committed readers of the sinks until it expires.
          transactionTimeout: 30_000,
          retry: { initialRetryTime: 25, maxRetryTime: 2000, retries: 12 },
          createPartitioner: keyPartitioner,
        })
      : kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          retry: { initialRetryTime: 100, retries: 12 },
          createPartitioner: keyPartitioner,
        });
    const producer = this.producer;
    await untilKafkaAnswers('connecting the producer', () => producer.connect());
    if (exactlyOnce) {
      // kafkajs initialises the transactional producer id lazily, on the first transaction. Doing it now fences a
      // previous instance and completes its open transaction before the changelog and the offsets are read.
      const fence = await untilKafkaAnswers('fencing earlier instances', () => producer.transaction());
      await fence.abort();
    }
  }

  /**
   * The librdkafka producer; exactly-once: transactional with the same stable id, and `initTransactions` fences
   * earlier instances and completes their open transaction before the changelog and the offsets are read.
   */
  private async connectRd(kafkaConfig: KafkaConfig, untilKafkaAnswers: KafkaStep): Promise<void> {
    const { exactlyOnce, transactionalId, deploymentId } = this.config;
    const producer = (this.rdProducer = new RdProducer(
      kafkaConfig,
      `deploy-${deploymentId}`,
      // Kafka Streams' order of magnitude, as for kafkajs above.
      exactlyOnce ? { transactionalId, transactionTimeoutMs: 30_000 } : {},
    ));
    await untilKafkaAnswers('connecting the producer', () => producer.connect());
    if (exactlyOnce) await untilKafkaAnswers('fencing earlier instances', () => producer.initTransactions());
  }

  /** One attempt at writing a checkpoint; safe to repeat after a transient Kafka error (checkpoint-commit.ts). */
  commit(write: CheckpointWrite, input: KafkaInput | RdKafkaInput): Promise<void> {
    const commitOffsets = (offsets: InputOffsets) => input.commitOffsets(offsets);
    const exactlyOnce = this.config.exactlyOnce;
    if (this.rdProducer !== null) {
      const producer = this.rdProducer;
      if (exactlyOnce) return commitInRdTransaction(producer, (input as RdKafkaInput).consumer, write);
      return commitRdAtLeastOnce(producer, commitOffsets, write);
    }
    const producer = this.producer!;
    if (exactlyOnce) return commitInTransaction(producer, this.config.groupId, write);
    return commitAtLeastOnce(producer, commitOffsets, write);
  }

  /** Disconnects whichever producer was created; a failure to is no error (the run is over). */
  async disconnect(): Promise<void> {
    const clients = [this.producer, this.rdProducer];
    await Promise.all(clients.map((c) => c?.disconnect().catch(() => {})));
  }
}
