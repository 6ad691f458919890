/**
 * Pipelines, events and Kafka I/O for the deployment tests: every test gets pipeline ids and topics of its own,
 * produces its input to a real broker, reads the committed output back (read_committed), and compares it with what
 * `simulate()` computes on the same events.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { Simulation } from '../../../shared/engine/simulation.ts';
import type { NodeDoc, PipelineDoc, RecordSample } from '../../../shared/pipeline/types.ts';
import { encodeKey } from '../../../server/src/kafka/records.ts';
import { PATIENCE_MS } from '../../patience.ts';
import { createTopic, kafkaClient } from './kafka.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every pipeline id and topic of this test process contains this tag, so `deleteTestTopics` can find them. */
const RUN = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
let names = 0;

export function uniqueSuffix(): string {
  return `${RUN}x${(++names).toString(36)}`;
}

/**
 * `createTopic`, retried while the broker does not know the new topic yet: a broker that just started and is still
 * loading many partitions answers UNKNOWN_TOPIC_OR_PARTITION for a while.
 */
export async function createInputTopic(brokers: string[], name: string, partitions: number): Promise<void> {
  await retrying(() => createTopic(brokers, name, partitions));
}

/** Deletes the topics this test process created (inputs, sinks, changelogs, dead letters). */
export async function deleteTestTopics(brokers: string[]): Promise<void> {
  const admin = kafkaClient(brokers, 'weir-test-admin').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.includes(RUN));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

export interface PageViewsNames {
  id: string;
  input: string;
  output: string;
  late: string;
}

export function pageViewsNames(prefix: string): PageViewsNames {
  const s = uniqueSuffix();
  return {
    id: `${prefix}-${s}`,
    input: `${prefix}-${s}-events`,
    output: `${prefix}-${s}-counts`,
    late: `${prefix}-${s}-late`,
  };
}

/** examples/page-views.weir.json with its own id and topics (samples and tests dropped: Kafka is the input). */
export function pageViewsPipeline(names: PageViewsNames, settings: PipelineDoc['settings'] = {}): PipelineDoc {
  const doc = JSON.parse(readFileSync(join(ROOT, 'examples/page-views.weir.json'), 'utf8')) as PipelineDoc;
  const topics: Record<string, string> = {
    events: names.input,
    page_view_counts: names.output,
    late_page_views: names.late,
  };
  const nodes = doc.nodes.map((node): NodeDoc => {
    const { samples: _samples, ...rest } = node;
    return topics[node.id] ? { ...rest, params: { ...rest.params, topic: topics[node.id] } } : rest;
  });
  const { tests: _tests, ...rest } = doc;
  return { ...rest, id: names.id, settings: { ...doc.settings, ...settings }, nodes };
}

export interface InputEvent {
  partition: number;
  key: string | null;
  value: unknown;
  /** Kafka record timestamp. */
  timestamp: number;
}

/**
 * Page-view events with event times that grow by `stepMs` from `start`, users round-robin, each user's events on
 * partition `user % partitions` (so every partition is in event-time order and no record is late). Every fourth
 * event is a click, which the example's filter drops. Event times sit in the present so retention keeps them.
 */
export function pageViewEvents(
  count: number,
  options: { users?: number; partitions?: number; start?: number; stepMs?: number } = {},
): InputEvent[] {
  const users = options.users ?? 7;
  const partitions = options.partitions ?? 3;
  const start = options.start ?? Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
  const stepMs = options.stepMs ?? 50;
  const events: InputEvent[] = [];
  for (let i = 0; i < count; i++) {
    const user = (i * 5) % users;
    const ts = start + i * stepMs;
    const value = { user_id: user, event_type: i % 4 === 3 ? 'click' : 'page_view', page_url: `/p/${i % 11}`, ts };
    events.push({ partition: user % partitions, key: String(user), value, timestamp: ts });
  }
  return events;
}

/** The events as the samples of `sourceId`, for `simulate()`. */
export function asSamples(events: InputEvent[]): RecordSample[] {
  return events.map((e) => ({
    value: e.value as RecordSample['value'],
    key: e.key,
    timestamp: e.timestamp,
    partition: e.partition,
  }));
}

export interface OutputRecord {
  sink: string;
  key: string | null;
  value: string;
  timestamp: number;
}

/**
 * What the deployment must have committed once it has read all `events`: the simulation's sink records without
 * end of input (a deployment never reaches it, so windows its watermark has not closed have not fired), encoded as
 * the sink writes them.
 */
export function expectedOutput(pipeline: PipelineDoc, sourceId: string, events: InputEvent[]): OutputRecord[] {
  const simulation = new Simulation(pipeline, { operators: OPERATORS, inputs: { [sourceId]: asSamples(events) } });
  while (simulation.step());
  return simulation.outputs.map((o) => ({
    sink: o.sink,
    key: encodeKey(o.key),
    value: JSON.stringify(o.value),
    timestamp: o.timestamp,
  }));
}

export function canonical(records: OutputRecord[]): string[] {
  return records.map((r) => `${r.sink}|${r.key}|${r.value}|${r.timestamp}`).sort();
}

/** Produces `events` in batches; `pauseMs` between batches makes a stream of them instead of a backlog. */
export async function produceEvents(
  brokers: string[],
  topic: string,
  events: InputEvent[],
  batchSize = 2000,
  pauseMs = 0,
): Promise<void> {
  const producer = kafkaClient(brokers, 'weir-test-producer').producer();
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += batchSize) {
      await retrying(() =>
        producer.send({
          topic,
          messages: events.slice(i, i + batchSize).map((e) => ({
            partition: e.partition,
            key: e.key,
            value: typeof e.value === 'string' ? e.value : JSON.stringify(e.value),
            timestamp: String(e.timestamp),
          })),
        }),
      );
      if (pauseMs > 0) await sleep(pauseMs);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Produces raw text values (malformed JSON and the like) to one partition. */
export async function produceRaw(
  brokers: string[],
  topic: string,
  values: Array<{ key?: string; value: string; timestamp?: number; partition?: number }>,
): Promise<void> {
  const producer = kafkaClient(brokers, 'weir-test-producer').producer();
  await producer.connect();
  try {
    await retrying(() =>
      producer.send({
        topic,
        messages: values.map((v) => ({
          partition: v.partition ?? 0,
          key: v.key ?? null,
          value: v.value,
          timestamp: String(v.timestamp ?? Date.now()),
        })),
      }),
    );
  } finally {
    await producer.disconnect();
  }
}

/** A read_committed reader of sink topics that collects every record as `OutputRecord`s of the given sink. */
export class CommittedReader {
  private readonly brokers: string[];
  private readonly topics: Record<string, string>;

  readonly records: OutputRecord[] = [];
  private consumer: Consumer | null = null;

  constructor(brokers: string[], topics: Record<string, string>) {
    this.brokers = brokers;
    this.topics = topics;
  }

  /** Starts reading once every topic exists (a deployment creates its sink topics when it starts). */
  async start(timeoutMs = PATIENCE_MS): Promise<this> {
    const admin = kafkaClient(this.brokers, 'weir-test-admin').admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const existing = new Set(await admin.listTopics());
        if (Object.values(this.topics).every((t) => existing.has(t))) break;
        if (Date.now() > deadline) throw new Error(`topics ${Object.values(this.topics).join(', ')} did not appear`);
        await sleep(200);
      }
    } finally {
      await admin.disconnect();
    }
    const consumer = kafkaClient(this.brokers, 'weir-test-reader').consumer({
      groupId: `weir-test-reader-${uniqueSuffix()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 200,
    });
    this.consumer = consumer;
    await consumer.connect();
    const sinkOf = new Map(Object.entries(this.topics).map(([sink, topic]) => [topic, sink]));
    await consumer.subscribe({ topics: [...sinkOf.keys()], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }: { topic: string; message: KafkaMessage }) => {
        this.records.push({
          sink: sinkOf.get(topic)!,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          timestamp: Number(message.timestamp),
        });
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** A topic created a moment ago may not be in every metadata answer yet; producing retries until it is. */
async function retrying<T>(action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    try {
      return await action();
    } catch (err) {
      if (Date.now() > deadline || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      await sleep(200);
    }
  }
}

/** Polls until `condition` holds; gives up, naming `what`, only after test/patience.ts's long wait. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${PATIENCE_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface KeyedWindowNames {
  id: string;
  input: string;
  counts: string;
  enriched: string;
}

export function keyedWindowNames(prefix: string): KeyedWindowNames {
  const s = uniqueSuffix();
  return {
    id: `${prefix}-${s}`,
    input: `${prefix}-${s}-events`,
    counts: `${prefix}-${s}-counts`,
    enriched: `${prefix}-${s}-enriched`,
  };
}

/**
 * The crash test's job: per-user counts in 10-second tumbling windows (keyed state and timers) beside a map that
 * writes every event out (so every input record has exactly one output record to find, or to find twice).
 */
export function keyedWindowPipeline(names: KeyedWindowNames, settings: PipelineDoc['settings'] = {}): PipelineDoc {
  return {
    format: 'weir/v1',
    id: names.id,
    name: 'Counts per user per 10 s, and every event enriched',
    settings: { checkpointIntervalMs: 500, delivery: 'exactly-once', ...settings },
    nodes: [
      {
        id: 'events',
        type: 'source.kafka',
        params: {
          topic: names.input,
          timestamp: { from: 'field', field: 'ts' },
          watermark: { strategy: 'bounded', maxOutOfOrdernessMs: 1000 },
        },
      },
      { id: 'byUser', type: 'keyBy', params: { field: 'user_id' } },
      {
        id: 'counts',
        type: 'window',
        params: { assigner: { kind: 'tumbling', sizeMs: 10_000 }, aggregate: { kind: 'count' } },
      },
      {
        id: 'enrich',
        type: 'map',
        params: {
          code: [
            'export default (e: { seq: number; user_id: number; ts: number }) => ({ seq: e.seq, user: e.user_id, minute: Math.floor(e.ts / 60000) });',
          ],
        },
      },
      { id: 'countsOut', type: 'sink.kafka', params: { topic: names.counts } },
      { id: 'enrichedOut', type: 'sink.kafka', params: { topic: names.enriched } },
    ],
    edges: [
      { from: 'events', to: 'byUser' },
      { from: 'byUser', to: 'counts' },
      { from: 'counts', to: 'countsOut' },
      { from: 'events', to: 'enrich' },
      { from: 'enrich', to: 'enrichedOut' },
    ],
  };
}

/** `count` events `stepMs` apart in event time, user `seq % users` on partition `user % partitions`. */
export function userEvents(
  count: number,
  options: { users?: number; partitions?: number; start?: number; stepMs?: number } = {},
): InputEvent[] {
  const users = options.users ?? 50;
  const partitions = options.partitions ?? 3;
  const start = options.start ?? Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
  const stepMs = options.stepMs ?? 5;
  const events: InputEvent[] = [];
  for (let seq = 0; seq < count; seq++) {
    const user = seq % users;
    const ts = start + seq * stepMs;
    events.push({ partition: user % partitions, key: String(user), value: { seq, user_id: user, ts }, timestamp: ts });
  }
  return events;
}
