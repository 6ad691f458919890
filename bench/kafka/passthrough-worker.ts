/**
 * The plain kafkajs pass-through, in a worker thread of its own as a deployment is: one consumer (its own group,
 * from the earliest offset, read_committed, no auto-commit) with the settings of a deployment's KafkaInput, and one
 * producer; every batch's records are produced to the output topic (same key, value, timestamp and partition, in
 * sends cut as a checkpoint's are), then the batch's offsets are committed. No engine, no state: what the client
 * itself can carry.
 *
 * In `eos` mode the producer is transactional and each batch's records and offsets (`sendOffsets`) go in one
 * transaction, committed before the next batch.
 *
 * Given `ends`, it reports `done` once the committed offsets reach them; without, it runs until told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EachBatchPayload, Message } from 'kafkajs';
import { createKafka } from '../../server/src/kafka/config.ts';
import { planSends } from '../../server/src/kafka/sends.ts';

export interface PassthroughData {
  module: string;
  brokers: string[];
  input: string;
  output: string;
  groupId: string;
  ends: number[] | null;
  /** `copy`: produce, then commit the offsets; `eos`: both in one transaction. */
  mode: 'copy' | 'eos';
}

export type PassthroughMessage =
  | { type: 'running' }
  | { type: 'done'; firstBatchAt: number; committedAt: number; records: number }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

const data = workerData as PassthroughData;
const port = parentPort!;
const send = (message: PassthroughMessage) => port.postMessage(message);

const SESSION_TIMEOUT_MS = 10_000;
const kafka = createKafka({ brokers: data.brokers }, 'bench-passthrough');
const consumer = kafka.consumer({
  groupId: data.groupId,
  readUncommitted: false,
  sessionTimeout: SESSION_TIMEOUT_MS,
  heartbeatInterval: SESSION_TIMEOUT_MS / 5,
  rebalanceTimeout: SESSION_TIMEOUT_MS,
  maxWaitTimeInMs: 200,
  allowAutoTopicCreation: false,
  retry: { initialRetryTime: 200, retries: 10 },
});
const eos = data.mode === 'eos';
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  retry: { initialRetryTime: 100, retries: 12 },
  ...(eos ? { transactionalId: `${data.groupId}-tx`, transactionTimeout: 30_000 } : {}),
});
const committed: number[] = [];
let firstBatchAt = 0;
let records = 0;
let done = false;

async function onBatch({ batch }: EachBatchPayload): Promise<void> {
  if (firstBatchAt === 0) firstBatchAt = Date.now();
  const partition = batch.partition;
  const messages: Message[] = new Array(batch.messages.length);
  for (let i = 0; i < batch.messages.length; i++) {
    const m = batch.messages[i]!;
    messages[i] = { key: m.key, value: m.value, timestamp: m.timestamp, partition };
  }
  const next = Number(batch.lastOffset()) + 1;
  if (eos) {
    const transaction = await producer.transaction();
    for (const topicMessages of planSends([{ topic: data.output, messages }]))
      await transaction.sendBatch({ topicMessages });
    await transaction.sendOffsets({
      consumerGroupId: data.groupId,
      topics: [{ topic: data.input, partitions: [{ partition, offset: String(next) }] }],
    });
    await transaction.commit();
  } else {
    for (const topicMessages of planSends([{ topic: data.output, messages }]))
      await producer.sendBatch({ topicMessages });
    await consumer.commitOffsets([{ topic: data.input, partition, offset: String(next) }]);
  }
  records += messages.length;
  committed[partition] = next;
  const ends = data.ends;
  if (!done && ends !== null && ends.every((end, p) => end === 0 || committed[p] === end)) {
    done = true;
    send({ type: 'done', firstBatchAt, committedAt: Date.now(), records });
  }
}

async function main(): Promise<void> {
  await producer.connect();
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, () => send({ type: 'running' }));
  await consumer.subscribe({ topic: data.input, fromBeginning: true });
  await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 1, eachBatch: onBatch });
}

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  void Promise.all([consumer.disconnect(), producer.disconnect()]).finally(() => {
    send({ type: 'stopped' });
    // Nothing left to listen for: the thread ends by itself once the clients' handles are closed.
    port.close();
  });
});

main().catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
