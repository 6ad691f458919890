/**
 * The broker and the topics of the Kafka benchmark: the local test broker (started and leased as the integration
 * tests do), one input topic per bench process filled once with the generated events, and fresh topic names for
 * everything each run writes. Every topic of a process carries its tag and is deleted by `close()`.
 *
 * Four partitions, keyed by `user_id` (partition = user_id mod 4, the key its decimal text): enough that both the
 * pass-through and the deployment read several partitions through one consumer as they would real data, few enough
 * that every partition still gets large fetches on a two-core machine with one broker.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { createKafka } from '../../server/src/kafka/config.ts';
import { readToEnd } from '../../server/src/kafka/read-topic.ts';
import { OutputChecksum } from '../checksum.ts';
import { startKafka, type RunningKafka } from '../../test/integration/support/kafka.ts';
import { DEFAULT_SEED, generateEvents, runWorkload, type EventInput } from '../workloads.ts';

export const PARTITIONS = 4;
/** Events per send while filling a topic: under 1 MiB per partition's record batch (the broker's default limit). */
const FILL_BATCH = 16_000;

/** Events in Kafka: which partition each went to, and every partition's end offset once produced. */
export interface TopicInput {
  topic: string;
  events: EventInput;
  /** Events plus the flush records (one per partition). */
  records: number;
  ends: number[];
}

export interface KafkaBenchSession {
  brokers: string[];
  kafka: Kafka;
  /** The shared input of the throughput runs. */
  input: TopicInput;
  /** What Weir's engine computes over the same events: the output every deployment must commit. */
  expected: { outputs: number; checksum: number };
  /** A topic name of this process, unique per call. */
  topicName(what: string): string;
  close(): Promise<void>;
}

/** `user_id` of a generated event, read from its bytes: the generator writes it first, `{"user_id":123,…`. */
export function userIdAt(events: EventInput, i: number): number {
  const { bytes, offsets } = events;
  let id = 0;
  for (let b = offsets[i]! + 11; ; b++) {
    const c = bytes[b]!;
    if (c < 48 || c > 57) return id;
    id = id * 10 + (c - 48);
  }
}

export function partitionOf(events: EventInput, i: number): number {
  return userIdAt(events, i) % PARTITIONS;
}

/** The largest event time among the events (they arrive up to 3 s out of order, so not simply the last one). */
function maxEventTime(events: EventInput): number {
  let max = -Infinity;
  for (let i = Math.max(0, events.count - 10_000); i < events.count; i++) {
    const ts = Number(/"ts":(\d+)/.exec(events.bytes.toString('utf8', events.offsets[i]!, events.offsets[i + 1]!))![1]);
    if (ts > max) max = ts;
  }
  return max;
}

export function flushTime(events: EventInput): number {
  return maxEventTime(events) + 70_000;
}

/**
 * One record per partition whose event time is 70 s past every event's: it moves each partition's watermark past
 * the end of every window, so a deployment fires them all as the engine's end of input does. Not a page view, so
 * the filter drops it and it counts in no window.
 */
export function flushMessages(events: EventInput, timestamp: string): Message[] {
  const ts = flushTime(events);
  return Array.from({ length: PARTITIONS }, (_, p) => ({
    key: String(p),
    value: JSON.stringify({ user_id: p, event_type: 'flush', page_url: '/', ts, duration_ms: 0 }),
    partition: p,
    timestamp,
  }));
}

/** Events `from…to` as messages to their partitions, stamped with `timestamp` (the produce time). */
export function eventMessages(events: EventInput, from: number, to: number, timestamp: string): Message[] {
  const messages: Message[] = new Array(to - from);
  for (let i = from; i < to; i++) {
    const user = userIdAt(events, i);
    messages[i - from] = {
      key: String(user),
      value: events.bytes.subarray(events.offsets[i]!, events.offsets[i + 1]!),
      partition: user % PARTITIONS,
      timestamp,
    };
  }
  return messages;
}

/**
 * Topics kept whatever their records' timestamps: a window result carries its window's end as timestamp, and the
 * generated events' event time lies in 2023, so the broker's time-based retention (7 days) would delete the
 * output as soon as its next retention check runs.
 */
export async function createTopics(kafka: Kafka, topics: string[], partitions = PARTITIONS): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: '-1' }],
      })),
      waitForLeaders: true,
      timeout: 30_000,
    });
  } finally {
    await admin.disconnect();
  }
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends: number[] = [];
    for (const o of offsets) ends[o.partition] = Number(o.high);
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Produces the events and the flush records to a new topic as fast as the broker takes them (acks=1, no compression). */
export async function fillTopic(kafka: Kafka, topic: string, events: EventInput): Promise<TopicInput> {
  await createTopics(kafka, [topic]);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const now = String(Date.now());
    for (let i = 0; i < events.count; i += FILL_BATCH) {
      await producer.send({
        topic,
        acks: 1,
        messages: eventMessages(events, i, Math.min(events.count, i + FILL_BATCH), now),
      });
    }
    await producer.send({ topic, acks: 1, messages: flushMessages(events, now) });
  } finally {
    await producer.disconnect();
  }
  return { topic, events, records: events.count + PARTITIONS, ends: await endOffsets(kafka, topic) };
}

export async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Count and checksum of a topic's committed records (read_committed), each value hashed by `hash`. */
export async function topicChecksum(
  kafka: Kafka,
  topic: string,
  hash: (value: Buffer) => number,
): Promise<{ count: number; checksum: number }> {
  const sum = new OutputChecksum();
  await readToEnd(kafka, topic, `${topic}-verify`, (_partition, message) => sum.add(hash(message.value!)));
  return { count: sum.count, checksum: sum.checksum };
}

let current: { events: number; session: Promise<KafkaBenchSession> } | null = null;

/**
 * The session of this process for `events` input events: started on first use, shared by the systems that follow
 * (so they read the very same topic), and closed when the process is about to exit.
 */
export function kafkaBenchSession(events: number): Promise<KafkaBenchSession> {
  if (current !== null && current.events === events) return current.session;
  const previous = current?.session;
  const session = (async () => {
    await previous?.then((s) => s.close()).catch(() => {});
    return openSession(events);
  })();
  current = { events, session };
  process.once('beforeExit', () => void session.then((s) => s.close()).catch(() => {}));
  return session;
}

/**
 * `npm run bench` runs its broker on a port of its own (tools/kafka/start.sh with KAFKA_PORT, data in
 * .kafka/data-19192), so that test runs, which start and stop the shared test broker on 19092, cannot stop it in the
 * middle of a measurement (one did, and failed a 25-minute run). The benchmark's tests use the test broker.
 * `WEIR_BENCH_KAFKA_PORT` moves it, for two bench runs at once.
 */
export const BENCH_KAFKA_PORT = Number(process.env.WEIR_BENCH_KAFKA_PORT) || 19192;
let brokerPort: number | undefined;

/** Sessions opened from now on use the bench's own broker (bench/run.ts calls this). */
export function shareBenchBroker(port = BENCH_KAFKA_PORT): void {
  brokerPort = port;
}

async function openSession(count: number): Promise<KafkaBenchSession> {
  const broker: RunningKafka = await startKafka(brokerPort === undefined ? {} : { port: brokerPort });
  const kafka = createKafka({ brokers: broker.brokers }, 'bench');
  const tag = `bench-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  let names = 0;
  const topicName = (what: string) => `${tag}-${what}-${(++names).toString(36)}`;
  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      if (current?.session && (await current.session.catch(() => null)) === session) current = null;
      await deleteTopics(kafka, tag).catch(() => {});
      await broker.stop();
    })());
  let session: KafkaBenchSession;
  try {
    const events = generateEvents(count, DEFAULT_SEED);
    const input = await fillTopic(kafka, topicName('input'), events);
    const run = runWorkload('tumbling-count', events);
    session = {
      brokers: broker.brokers,
      kafka,
      input,
      expected: { outputs: run.outputs, checksum: run.checksum },
      topicName,
      close,
    };
  } catch (err) {
    await deleteTopics(kafka, tag).catch(() => {});
    await broker.stop();
    throw err;
  }
  return session;
}
