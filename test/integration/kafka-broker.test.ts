/**
 * Proves that the broker installed and started by tools/kafka (real Apache Kafka, KRaft, single node) works
 * with kafkajs for everything Weir relies on: produce, consume with a consumer group, transactions that are
 * visible to read_committed consumers only when committed, and consumer-group offsets committed inside a
 * transaction (sendOffsets), which is what exactly-once output builds on.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Consumer, ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import { startKafka, createTopic, kafkaClient, type RunningKafka } from './support/kafka.ts';
import { PATIENCE_MS } from '../patience.ts';

const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const name = (base: string) => `weir-it-${base}-${suffix}`;

interface Received {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

/**
 * Runs a consumer until `count` messages arrived (or timeout), keeps it running `settleMs` longer so that
 * unexpected extra messages would show up, then disconnects it and returns what it received.
 */
async function consume(
  consumer: Consumer,
  topic: string,
  count: number,
  { timeoutMs = PATIENCE_MS, settleMs = 0 } = {},
): Promise<Received[]> {
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
        received.push({
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (received.length < count && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return received;
}

describe('real Kafka broker (tools/kafka) with kafkajs', () => {
  let kafka: RunningKafka;
  let client: Kafka;
  // Short fetch waits so that consumer.disconnect() (which waits for the in-flight fetch) returns quickly.
  const consumer = (config: Omit<ConsumerConfig, 'maxWaitTimeInMs'>) =>
    client.consumer({ maxWaitTimeInMs: 250, ...config });

  beforeAll(async () => {
    kafka = await startKafka();
    client = kafkaClient(kafka.brokers, 'weir-kafka-broker-test');
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it('answers describeCluster listing the broker the helper connects to', async () => {
    expect(kafka.brokers.length).toBeGreaterThan(0);
    const admin = client.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => `${b.host}:${b.port}`)).toContain(kafka.brokers[0]);
    } finally {
      await admin.disconnect();
    }
  });

  it('produces and consumes with a consumer group', async () => {
    const topic = name('plain');
    const groupId = name('plain-group');
    await createTopic(kafka.brokers, topic, 3);

    const producer = client.producer();
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` }));
    try {
      await producer.send({ topic, messages });
    } finally {
      await producer.disconnect();
    }

    const received = await consume(consumer({ groupId }), topic, messages.length);
    expect(received.map((m) => m.value).sort()).toEqual(messages.map((m) => m.value).sort());
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
    // Same key -> same partition.
    const partitionOfKey = new Map<string, number>();
    for (const m of received) {
      const seen = partitionOfKey.get(m.key!);
      if (seen !== undefined) expect(m.partition).toBe(seen);
      partitionOfKey.set(m.key!, m.partition);
    }

    // The group committed its position: all 30 consumed.
    const admin = client.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
      expect(committed).toBe(messages.length);
    } finally {
      await admin.disconnect();
    }
  });

  it('shows committed transactions to read_committed consumers and hides aborted ones', async () => {
    const topic = name('txn');
    await createTopic(kafka.brokers, topic, 1);

    const producer = client.producer({
      transactionalId: name('txn-producer'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const t1 = await producer.transaction();
      await t1.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
      await t1.commit();

      const t2 = await producer.transaction();
      await t2.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
      await t2.abort();

      const t3 = await producer.transaction();
      await t3.send({ topic, messages: [{ value: 'committed-3' }] });
      await t3.commit();
    } finally {
      await producer.disconnect();
    }

    // Single partition: once committed-3 arrives, anything from the aborted transaction would have too.
    const committed = await consume(consumer({ groupId: name('txn-rc'), readUncommitted: false }), topic, 3);
    expect(committed.map((m) => m.value)).toEqual(['committed-1', 'committed-2', 'committed-3']);

    // The aborted records really were written: a read_uncommitted consumer sees them.
    const all = await consume(consumer({ groupId: name('txn-ru'), readUncommitted: true }), topic, 5);
    expect(all.map((m) => m.value)).toEqual(['committed-1', 'committed-2', 'aborted-1', 'aborted-2', 'committed-3']);
  });

  it('commits consumer-group offsets atomically with a transaction (sendOffsets)', async () => {
    const input = name('eos-in');
    const output = name('eos-out');
    const groupId = name('eos-group');
    await createTopic(kafka.brokers, input, 1);
    await createTopic(kafka.brokers, output, 1);

    const plain = client.producer();
    await plain.connect();
    await plain.send({ topic: input, messages: Array.from({ length: 10 }, (_, i) => ({ value: `in-${i}` })) });
    await plain.disconnect();

    const producer = client.producer({
      transactionalId: name('eos-producer'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      // Committed: output written and input offset 5 committed for the group, atomically.
      const ok = await producer.transaction();
      await ok.send({ topic: output, messages: [{ value: 'out-0..4' }] });
      await ok.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }],
      });
      await ok.commit();

      // Aborted: neither its output nor its offset (8) may become visible.
      const bad = await producer.transaction();
      await bad.send({ topic: output, messages: [{ value: 'out-5..7' }] });
      await bad.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '8' }] }],
      });
      await bad.abort();
    } finally {
      await producer.disconnect();
    }

    const admin = client.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
      expect(offsets).toEqual([{ topic: input, partitions: [expect.objectContaining({ partition: 0, offset: '5' })] }]);
    } finally {
      await admin.disconnect();
    }

    // A consumer in that group resumes from offset 5.
    const resumed = await consume(consumer({ groupId, readUncommitted: false }), input, 5);
    expect(resumed.map((m) => m.value)).toEqual(['in-5', 'in-6', 'in-7', 'in-8', 'in-9']);

    const out = await consume(consumer({ groupId: name('eos-out-rc'), readUncommitted: false }), output, 1, {
      settleMs: 1_000,
    });
    expect(out.map((m) => m.value)).toEqual(['out-0..4']);
  });
});
