/**
 * The Kafka benchmark's own code on a small input against the local broker: the pass-through copies every record,
 * the exactly-once deployment commits exactly the engine's output, and the latency runs yield percentiles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBenchSession, type KafkaBenchSession } from '../../bench/kafka/cluster.ts';
import { measureLatency, measurePassthrough, measureWeir } from '../../bench/kafka.ts';

// 20 000 events: 20 s of event time, so the deployment fires windows by watermark before the flush records.
const EVENTS = 20_000;
const LATENCY_RATE = 4000;
const LATENCY_SECONDS = 2;

describe('the Kafka end-to-end benchmark', () => {
  let session: KafkaBenchSession;

  beforeAll(async () => {
    session = await kafkaBenchSession(EVENTS);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('the kafkajs pass-through copies every input record to its output topic once', async () => {
    const run = await measurePassthrough(session);
    expect(run.outputs).toBe(session.input.records);
    expect(run.eventsPerSec).toBeGreaterThan(0);
  });

  it('the librdkafka pass-through copies every input record once, plainly and in transactions', async () => {
    for (const system of ['librdkafka-passthrough', 'librdkafka-passthrough-eos'] as const) {
      const run = await measurePassthrough(session, system);
      expect(run.outputs).toBe(session.input.records);
    }
  });

  it('the exactly-once deployment commits the count and checksum the engine computes over the same events', async () => {
    const run = await measureWeir(session, 'exactly-once');
    expect(session.expected.outputs).toBeGreaterThan(1000);
    expect({ outputs: run.outputs, checksum: run.checksum }).toEqual(session.expected);
    expect(run.eventsPerSec).toBeGreaterThan(0);
  });

  it('both latency runs read every output and report a positive p50 with a p99 no lower', async () => {
    for (const system of ['kafkajs-passthrough', 'weir-kafka-eos'] as const) {
      const run = await measureLatency(session, system, LATENCY_RATE, LATENCY_SECONDS);
      expect(run.outputs).toBeGreaterThan(0);
      expect(run.p50Ms).toBeGreaterThan(0);
      expect(run.p99Ms).toBeGreaterThanOrEqual(run.p50Ms);
    }
  });
});
