/**
 * End-to-end latency at a given input rate: events produced to a fresh topic at a steady pace while the job runs,
 * the output read back as it becomes readable (read_committed), and for each output record the time from the
 * production of the input record that caused it to the moment it was read.
 *
 * What causes an output record:
 * - pass-through: its input copy, whose Kafka timestamp the copy carries (the producer stamps each send with the
 *   wall clock just before sending);
 * - a window result: the input record whose event time moves the watermark past the window's end. A partition's
 *   watermark is its largest event time − 5 000 − 1 (bounded out-of-orderness of 5 s), and a pane of `[start, end)`
 *   fires once the source's watermark, the minimum over the partitions, reaches `end − 1`; so for each partition
 *   the first record with event time ≥ end + 5 000 moves that partition's watermark past the end, and the one of
 *   those produced last is the cause.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka } from 'kafkajs';
import type { EventInput } from '../workloads.ts';
import { eventMessages, flushMessages, partitionOf, PARTITIONS } from './cluster.ts';

const BATCH_INTERVAL_MS = 10;
const OUT_OF_ORDERNESS_MS = 5000;

/**
 * Produces `events` at `ratePerSec` in sends every 10 ms (catching up when a send took longer), then the flush
 * records; fills `producedAt` (one per record, the flush records at events.count + p) with the wall-clock ms at
 * which each record's send was issued, as it goes. Resolves with the time production took.
 */
export async function producePaced(
  kafka: Kafka,
  topic: string,
  events: EventInput,
  ratePerSec: number,
  producedAt: Float64Array,
): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  const perBatch = Math.max(1, Math.round((ratePerSec * BATCH_INTERVAL_MS) / 1000));
  const started = Date.now();
  try {
    for (let b = 0, i = 0; i < events.count; b++, i += perBatch) {
      const wait = started + b * BATCH_INTERVAL_MS - Date.now();
      if (wait > 0) await sleep(wait);
      const end = Math.min(events.count, i + perBatch);
      const now = Date.now();
      producedAt.fill(now, i, end);
      await producer.send({ topic, messages: eventMessages(events, i, end, String(now)) });
    }
    const now = Date.now();
    producedAt.fill(now, events.count);
    await producer.send({ topic, messages: flushMessages(events, String(now)) });
  } finally {
    await producer.disconnect();
  }
  return Date.now() - started;
}

/**
 * For a window ending at `end`: when the record that fired it was produced. Built before production from each
 * partition's running maximum of event time, then searched by end; a window's result can only be read after its
 * cause was produced, so its time is known by then.
 */
export class WindowCauses {
  private readonly produced: Float64Array;

  private readonly indices: Int32Array[] = [];
  private readonly maxima: Float64Array[] = [];
  private readonly cache = new Map<number, number>();

  constructor(events: EventInput, produced: Float64Array, flushTs: number) {
    this.produced = produced;
    const lists: number[][] = Array.from({ length: PARTITIONS }, () => []);
    for (let i = 0; i < events.count; i++) lists[partitionOf(events, i)]!.push(i);
    for (let p = 0; p < PARTITIONS; p++) {
      const list = lists[p]!;
      const indices = new Int32Array(list.length + 1);
      const maxima = new Float64Array(list.length + 1);
      let max = -Infinity;
      for (let k = 0; k < list.length; k++) {
        const i = list[k]!;
        const ts = Number(
          /"ts":(\d+)/.exec(events.bytes.toString('utf8', events.offsets[i]!, events.offsets[i + 1]!))![1],
        );
        if (ts > max) max = ts;
        indices[k] = i;
        maxima[k] = max;
      }
      indices[list.length] = events.count + p;
      maxima[list.length] = flushTs;
      this.indices.push(indices);
      this.maxima.push(maxima);
    }
  }

  producedAt(windowEnd: number): number {
    const known = this.cache.get(windowEnd);
    if (known !== undefined) return known;
    const needed = windowEnd + OUT_OF_ORDERNESS_MS;
    let cause = -1;
    for (let p = 0; p < PARTITIONS; p++) {
      const maxima = this.maxima[p]!;
      let lo = 0;
      let hi = maxima.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (maxima[mid]! >= needed) hi = mid;
        else lo = mid + 1;
      }
      cause = Math.max(cause, this.indices[p]![lo]!);
    }
    const at = this.produced[cause]!;
    this.cache.set(windowEnd, at);
    return at;
  }
}

/** Reads a topic from its beginning (read_committed) and records, per record, now − `producedAt(record)`. */
export class LatencyReader {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly groupId: string;

  readonly latencies: number[] = [];
  private consumer: Consumer | null = null;

  constructor(kafka: Kafka, topic: string, groupId: string) {
    this.kafka = kafka;
    this.topic = topic;
    this.groupId = groupId;
  }

  /** Resolves once the reader has joined its group and is fetching. */
  async start(producedAt: (key: Buffer | null, value: Buffer | null, timestamp: string) => number): Promise<void> {
    const consumer = (this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    }));
    await consumer.connect();
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) this.latencies.push(now - producedAt(m.key, m.value, m.timestamp));
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** The p-th percentile (nearest rank) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(50);
  }
}
