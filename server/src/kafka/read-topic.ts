/**
 * Reading a topic with `read_committed` isolation and no committed offsets: from the beginning to its end (restoring
 * a changelog), or from near its end onwards (tailing a sink). kafkajs has no manual partition assignment, so each
 * read joins a consumer group of its own, named uniquely, that never commits (the broker forgets such groups).
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

export interface TopicEnd {
  partition: number;
  /** First offset still in the log. */
  low: number;
  /** Last stable offset + 1: where a read_committed reader ends. */
  high: number;
}

export async function topicEnds(kafka: Kafka, topic: string): Promise<TopicEnd[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
  } finally {
    await admin.disconnect();
  }
}

function uniqueGroup(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Calls `onMessage` for every committed message of `topic` up to its end as of the call, in offset order per
 * partition, and resolves when all are read. Fails after `timeoutMs` without progress.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  groupPrefix: string,
  onMessage: (partition: number, message: KafkaMessage) => void,
  timeoutMs = 60_000,
): Promise<void> {
  const ends = await topicEnds(kafka, topic);
  const remaining = new Map(ends.filter((e) => e.high > e.low).map((e) => [e.partition, e.high]));
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({
    groupId: uniqueGroup(groupPrefix),
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 8 * 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      let lastProgress = Date.now();
      const watchdog = setInterval(() => {
        if (Date.now() - lastProgress > timeoutMs)
          reject(new Error(`reading ${topic} made no progress for ${timeoutMs} ms`));
      }, 500);
      const done = () => {
        clearInterval(watchdog);
        resolve();
      };
      // Batches made only of transaction markers or aborted records reach no callback; the end-of-batch event
      // still reports how far the read got.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        lastProgress = Date.now();
        const end = remaining.get(payload.partition);
        if (end !== undefined && Number(payload.lastOffset) + 1 >= end) {
          remaining.delete(payload.partition);
          if (remaining.size === 0) done();
        }
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        clearInterval(watchdog);
        reject(payload.error);
      });
      consumer
        .subscribe({ topic, fromBeginning: true })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = remaining.get(batch.partition);
              for (const message of batch.messages) {
                if (end !== undefined && Number(message.offset) < end) onMessage(batch.partition, message);
              }
            },
          }),
        )
        .catch((err: unknown) => {
          clearInterval(watchdog);
          reject(err);
        });
    });
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

/** A running tail: stop it to leave the group and close its connections. */
export interface TopicTail {
  stop(): Promise<void>;
}

/**
 * Reads `topic` from `backlog` records before the end of each partition onwards, calling `onMessage` for each
 * committed message until stopped.
 */
export async function tailTopic(
  kafka: Kafka,
  topic: string,
  groupPrefix: string,
  backlog: number,
  onMessage: (partition: number, message: KafkaMessage) => void,
): Promise<TopicTail> {
  const ends = await topicEnds(kafka, topic);
  const consumer: Consumer = kafka.consumer({
    groupId: uniqueGroup(groupPrefix),
    readUncommitted: false,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const partition of payload.memberAssignment[topic] ?? []) {
        const end = ends.find((e) => e.partition === partition);
        const offset = end ? Math.max(end.low, end.high - backlog) : 0;
        consumer.seek({ topic, partition, offset: String(offset) });
      }
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) onMessage(batch.partition, message);
      },
    });
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw err;
  }
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect().catch(() => {});
    },
  };
}
