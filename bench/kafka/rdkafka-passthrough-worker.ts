/**
 * The librdkafka pass-through (@confluentinc/kafka-javascript's low-level `KafkaConsumer` and `Producer`), in a
 * worker thread as the kafkajs one (passthrough-worker.ts): one consumer (its own group, every partition assigned
 * from the earliest offset, read_committed, no auto-commit) and one idempotent producer. Each `consume` of up to 10 000 records is copied to
 * the output topic (same key, value, timestamp and partition), then:
 * - `copy`: the producer is flushed (every record acknowledged) and the offsets committed;
 * - `eos`: the copy and the offsets go in one transaction (`sendOffsetsToTransaction` with the consumer's group
 *   metadata), committed before the next consume.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Message } from 'kafkajs';
import {
  commitOffsets,
  connect,
  consume,
  createConsumer,
  disconnect,
  OFFSET_BEGINNING,
  partitionsOf,
  rdkafkaConfig,
  RdProducer,
} from '../../server/src/kafka/rdkafka.ts';
import type { PassthroughData, PassthroughMessage } from './passthrough-worker.ts';

const data = workerData as PassthroughData;
const port = parentPort!;
const send = (message: PassthroughMessage) => port.postMessage(message);
const eos = data.mode === 'eos';
const MAX_RECORDS = 10_000;

const consumer = createConsumer({
  ...rdkafkaConfig({ brokers: data.brokers }, 'bench-passthrough'),
  'group.id': data.groupId,
  'enable.auto.commit': false,
  'isolation.level': 'read_committed',
  'session.timeout.ms': 10_000,
  'fetch.wait.max.ms': 200,
});
consumer.setDefaultConsumeTimeout(200);
(
  consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(b: boolean): void }
).setDefaultIsTimeoutOnlyForFirstMessage(true);
const producer = new RdProducer(
  { brokers: data.brokers },
  'bench-passthrough',
  eos ? { transactionalId: `${data.groupId}-tx` } : {},
);
const committed: number[] = [];
let firstBatchAt = 0;
let records = 0;
let done = false;
let stopping = false;

async function copy(messages: Awaited<ReturnType<typeof consume>>): Promise<void> {
  if (firstBatchAt === 0) firstBatchAt = Date.now();
  const out: Message[] = new Array(messages.length);
  const next = new Map<number, number>();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    out[i] = {
      key: m.key as Buffer | null,
      value: m.value,
      partition: m.partition,
      ...(m.timestamp === undefined ? {} : { timestamp: String(m.timestamp) }),
    };
    next.set(m.partition, m.offset + 1);
  }
  const offsets = [...next].map(([partition, offset]) => ({ topic: data.input, partition, offset }));
  if (eos) {
    await producer.beginTransaction();
    await producer.produce(data.output, out);
    await producer.sendOffsetsToTransaction(offsets, consumer);
    await producer.commitTransaction();
  } else {
    await producer.produce(data.output, out);
    await producer.flush();
    await commitOffsets(consumer, offsets);
  }
  records += messages.length;
  for (const [partition, offset] of next) committed[partition] = offset;
  const ends = data.ends;
  if (!done && ends !== null && ends.every((end, p) => end === 0 || committed[p] === end)) {
    done = true;
    send({ type: 'done', firstBatchAt, committedAt: Date.now(), records });
  }
}

async function main(): Promise<void> {
  await producer.connect();
  if (eos) await producer.initTransactions();
  await connect(consumer);
  // Assigned, not subscribed: librdkafka's rebalance callbacks cannot reach a worker thread (rdkafka.ts). The group
  // still takes the committed offsets and, in a transaction, the consumer's group metadata.
  const partitions = await partitionsOf(consumer, data.input);
  consumer.assign(partitions.map((partition) => ({ topic: data.input, partition, offset: OFFSET_BEGINNING })));
  send({ type: 'running' });
  while (!stopping) {
    const messages = await consume(consumer, MAX_RECORDS);
    if (messages.length > 0 && !stopping) await copy(messages);
  }
}

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  stopping = true;
  void Promise.all([disconnect(consumer), producer.disconnect()]).finally(() => {
    send({ type: 'stopped' });
    // Nothing left to listen for: the thread ends by itself once the clients' handles are closed.
    port.close();
  });
});

main().catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
