/**
 * Writing one checkpoint to Kafka (runtime.ts takes it; DESIGN "The server"): the sink records and the changelog
 * messages, and the input offsets. Each function here may run again with the same contents after it failed with a
 * transient Kafka error (kafka/transient.ts): under exactly-once the failed attempt's transaction was aborted, so
 * nothing of it is visible; under at-least-once a repeated send is what at-least-once allows.
 */
import type { Producer } from 'kafkajs';
import type { InputOffsets } from '../kafka/changelog.ts';
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
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'UnsettledTransactionError';
  }
}

/**
 * Exactly-once: the sends and the input offsets (`sendOffsets` to the deployment's consumer group) in one
 * transaction. A failure before the commit aborts the transaction and is thrown as it is;
 * `UnsettledTransactionError` when the commit or that abort fails.
 */
export async function commitInTransaction(producer: Pick<Producer, 'transaction'>, consumerGroupId: string, write: CheckpointWrite): Promise<void> {
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

function offsetTopics(offsets: InputOffsets) {
  return Object.entries(offsets).map(([topic, partitions]) => ({
    topic,
    partitions: Object.entries(partitions).map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) })),
  }));
}
