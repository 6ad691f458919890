/**
 * Writing one checkpoint to Kafka (runtime.ts takes it; DESIGN "The server"): the sink records and the changelog
 * messages, and the input offsets. Each function here may run again with the same contents after it failed with a
 * transient Kafka error (kafka/transient.ts): under exactly-once the failed attempt's transaction was aborted, so
 * nothing of it is visible; under at-least-once a repeated send is what at-least-once allows.
 */
import type { Producer } from 'kafkajs';
import type { InputOffsets } from '../kafka/changelog.ts';
import type { KafkaConsumer, RdProducer } from '../kafka/rdkafka.ts';
import { planSends, type TopicMessages } from '../kafka/sends.ts';

export interface CheckpointWrite {
  /** Sink records and changelog messages, by topic. */
  groups: TopicMessages[];
  /** The next offset of every input partition, stored with the state. */
  offsets: InputOffsets;
}

/**
 * A transaction that is neither committed nor aborted for certain: its commit failed (Kafka may have committed it
 * all the same) or its abort did (the producer is still inside it). Never retried in place: a restart reads back
 * what was committed. The message is the Kafka error's.
 */
export class UnsettledTransactionError extends Error {
  readonly reason: unknown;

  constructor(reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.reason = reason;
    this.name = 'UnsettledTransactionError';
  }
}

/**
 * Exactly-once: the sends and the input offsets (`sendOffsets` to the deployment's consumer group) in one
 * transaction. A failure before the commit aborts the transaction and is thrown as it is;
 * `UnsettledTransactionError` when the commit or that abort fails.
 */
export async function commitInTransaction(
  producer: Pick<Producer, 'transaction'>,
  consumerGroupId: string,
  write: CheckpointWrite,
): Promise<void> {
  const transaction = await producer.transaction();
  try {
    for (const topicMessages of planSends(write.groups)) await transaction.sendBatch({ topicMessages });
    const topics = offsetTopics(write.offsets);
    if (topics.length > 0) await transaction.sendOffsets({ consumerGroupId, topics });
  } catch (err) {
    try {
      await transaction.abort();
    } catch {
      throw new UnsettledTransactionError(err);
    }
    throw err;
  }
  try {
    await transaction.commit();
  } catch (err) {
    await transaction.abort().catch(() => {});
    throw new UnsettledTransactionError(err);
  }
}

/** At-least-once: the sends, each acknowledged before the next, then the group offsets. */
export async function commitAtLeastOnce(
  producer: Pick<Producer, 'sendBatch'>,
  commitOffsets: (offsets: InputOffsets) => Promise<void>,
  write: CheckpointWrite,
): Promise<void> {
  for (const topicMessages of planSends(write.groups)) await producer.sendBatch({ topicMessages });
  await commitOffsets(write.offsets);
}

/**
 * Exactly-once on librdkafka: the records and the input offsets in one transaction. The offsets go with the
 * consumer's group metadata (KIP-447), and the commit fails if any record of the transaction was not delivered.
 * Failures are handled as by `commitInTransaction`.
 */
export async function commitInRdTransaction(
  producer: RdProducer,
  consumer: KafkaConsumer,
  write: CheckpointWrite,
  timeoutMs = 10_000,
): Promise<void> {
  await producer.beginTransaction();
  try {
    for (const { topic, messages } of write.groups) await producer.produce(topic, messages);
    const offsets = offsetList(write.offsets);
    if (offsets.length > 0) await producer.sendOffsetsToTransaction(offsets, consumer, timeoutMs);
  } catch (err) {
    try {
      await producer.abortTransaction(timeoutMs);
    } catch {
      throw new UnsettledTransactionError(err);
    }
    throw err;
  }
  try {
    await producer.commitTransaction(timeoutMs);
  } catch (err) {
    await producer.abortTransaction(timeoutMs).catch(() => {});
    throw new UnsettledTransactionError(err);
  }
}

/** At-least-once on librdkafka: the records, all acknowledged, then the group offsets. */
export async function commitRdAtLeastOnce(
  producer: RdProducer,
  commitOffsets: (offsets: InputOffsets) => Promise<void>,
  write: CheckpointWrite,
): Promise<void> {
  for (const { topic, messages } of write.groups) await producer.produce(topic, messages);
  await producer.flush();
  await commitOffsets(write.offsets);
}

function offsetList(offsets: InputOffsets): Array<{ topic: string; partition: number; offset: number }> {
  return Object.entries(offsets).flatMap(([topic, partitions]) =>
    Object.entries(partitions).map(([partition, offset]) => ({ topic, partition: Number(partition), offset })),
  );
}

function offsetTopics(offsets: InputOffsets) {
  return Object.entries(offsets).map(([topic, partitions]) => ({
    topic,
    partitions: Object.entries(partitions).map(([partition, offset]) => ({
      partition: Number(partition),
      offset: String(offset),
    })),
  }));
}
