/**
 * The librdkafka producer of server/src/kafka/rdkafka.ts puts a keyed record where the Java client (and the kafkajs
 * path's partitioner, server/src/kafka/partitioner.ts) puts it: `murmur2_random` is Kafka's murmur2 of the key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../server/src/kafka/config.ts';
import { murmur2 } from '../../server/src/kafka/partitioner.ts';
import { RdProducer } from '../../server/src/kafka/rdkafka.ts';
import { readToEnd } from '../../server/src/kafka/read-topic.ts';
import { createInputTopic, uniqueSuffix } from './support/deploy-fixtures.ts';
import { startKafka, type RunningKafka } from './support/kafka.ts';

const PARTITIONS = 5;

describe('the librdkafka producer', () => {
  let kafka: RunningKafka;

  beforeAll(async () => {
    kafka = await startKafka();
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it('puts every keyed record in the partition of its key’s murmur2 hash, as the Java client does', async () => {
    const topic = `rdkafka-partitions-${uniqueSuffix()}`;
    await createInputTopic(kafka.brokers, topic, PARTITIONS);
    const keys = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `user-${i}` : String(i * 7919)));
    const producer = new RdProducer({ brokers: kafka.brokers }, 'partition-check');
    await producer.connect();
    try {
      await producer.produce(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      await producer.flush();
    } finally {
      await producer.disconnect();
    }
    const placed = new Map<string, number>();
    await readToEnd(
      createKafka({ brokers: kafka.brokers }, 'partition-check'),
      topic,
      `${topic}-check`,
      (partition, message) => placed.set(message.key!.toString(), partition),
    );
    expect(placed.size).toBe(keys.length);
    for (const key of keys)
      expect([key, placed.get(key)]).toEqual([key, (murmur2(Buffer.from(key)) & 0x7fffffff) % PARTITIONS]);
    expect(new Set(placed.values()).size).toBe(PARTITIONS);
  });
});
