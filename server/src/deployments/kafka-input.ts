/**
 * The input side of a deployment run: one consumer (group `weir-<id>`, read_committed, no auto-commit) feeding the
 * engine's sources, and the position of every partition — the next offset the engine will process, which is what a
 * checkpoint stores and a restore seeks to. Records below a partition's position are skipped, so whatever the
 * consumer re-delivers (after a rebalance, or from group offsets older than the restored state) is never counted
 * twice.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { IngestBatch } from '../isolate/protocol.ts';
import type { InputOffsets } from '../kafka/changelog.ts';
import { decodeHeaders } from '../kafka/records.ts';
import type { SourceInfo } from './pipeline-plan.ts';
import type { PartitionMetrics } from './types.ts';

/**
 * Records go to the engine (in its isolate) in slices of at most this many, one call each. Each call runs off this
 * thread, so timers (checkpoints, heartbeats to the manager) and a checkpoint's chain of requests to the broker get
 * their turns in between; a call costs some microseconds, so a slice of a thousand makes it a few nanoseconds a record.
 */
const SLICE = 1000;

export interface InputHooks {
  /** True once the run stops or fails: nothing more is fed. */
  halted(): boolean;
  /** Awaited before each batch (back-pressure while sink records pile up). */
  beforeBatch(): Promise<void>;
  /** The consumer was assigned these partitions of a topic (sources track their watermarks per partition). */
  declare(topic: string, partitions: number[]): Promise<void>;
  /**
   * Processes one slice of a partition's records; calls `fed` as soon as the engine has taken them, before anything
   * else may run against the engine, so a checkpoint always sees positions and engine state of the same moment.
   */
  feed(batch: IngestBatch, fed: () => void): Promise<void>;
  /** Partitions were assigned: the run is consuming. */
  assigned(): void;
  failed(err: unknown): void;
}

export interface InputOptions {
  groupId: string;
  sessionTimeoutMs: number;
  sources: SourceInfo[];
}

export class KafkaInput {
  private readonly positions = new Map<string, Map<number, number>>();
  private readonly highWatermarks = new Map<string, Map<number, number>>();
  private consumer: Consumer | null = null;
  private readonly topics: Set<string>;

  constructor(private readonly kafka: Kafka, private readonly options: InputOptions, private readonly hooks: InputHooks) {
    this.topics = new Set(options.sources.map((s) => s.topic));
  }

  /** Positions stored with the restored checkpoint, for the topics whose sources kept their state. */
  restorePositions(offsets: InputOffsets, topics: ReadonlySet<string>): void {
    for (const [topic, partitions] of Object.entries(offsets)) {
      if (!topics.has(topic)) continue;
      const positions = this.positionsOf(topic);
      for (const [partition, offset] of Object.entries(partitions)) positions.set(Number(partition), offset);
    }
  }

  /** The position of every partition read so far: consistent with the engine's state between two slices. */
  currentOffsets(): InputOffsets {
    const offsets: InputOffsets = {};
    for (const [topic, partitions] of this.positions) {
      if (partitions.size === 0) continue;
      const entry: Record<string, number> = (offsets[topic] = {});
      for (const [partition, next] of partitions) entry[partition] = next;
    }
    return offsets;
  }

  async start(): Promise<void> {
    const { sessionTimeoutMs } = this.options;
    const consumer = (this.consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      readUncommitted: false,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 5)),
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, retries: 10 },
    }));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        if (!this.topics.has(topic)) continue;
        this.hooks.declare(topic, partitions).catch((err: unknown) => this.hooks.failed(err));
        const positions = this.positionsOf(topic);
        for (const partition of partitions) {
          const next = positions.get(partition);
          if (next !== undefined) consumer.seek({ topic, partition, offset: String(next) });
        }
      }
      this.hooks.assigned();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after retriable errors (rejoining from the committed offsets, which the position
      // filter makes harmless); anything else ends this run.
      if (!payload.restart) this.hooks.failed(payload.error);
    });
    await consumer.connect();
    const byStart = new Map<boolean, string[]>();
    for (const topic of this.topics) {
      const fromBeginning = this.options.sources.some((s) => s.topic === topic && s.fromBeginning);
      byStart.set(fromBeginning, [...(byStart.get(fromBeginning) ?? []), topic]);
    }
    for (const [fromBeginning, topics] of byStart) await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 1, eachBatch: (payload) => this.onBatch(payload) });
  }

  /** At-least-once: commits group offsets outside any transaction. */
  async commitOffsets(offsets: InputOffsets): Promise<void> {
    const list = Object.entries(offsets).flatMap(([topic, partitions]) =>
      Object.entries(partitions).map(([partition, offset]) => ({ topic, partition: Number(partition), offset: String(offset) })),
    );
    if (list.length > 0) await this.consumer!.commitOffsets(list);
  }

  /** Leaves the group (waiting for the batch in progress). */
  async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect().catch(() => {});
  }

  partitionMetrics(committed: InputOffsets): { partitions: PartitionMetrics[]; lag: Record<string, number> } {
    const partitions: PartitionMetrics[] = [];
    const lag: Record<string, number> = {};
    for (const source of this.options.sources) {
      lag[source.id] = 0;
      const positions = this.positions.get(source.topic);
      const marks = this.highWatermarks.get(source.topic);
      const done = committed[source.topic] ?? {};
      const known = new Set([...(positions?.keys() ?? []), ...(marks?.keys() ?? [])]);
      for (const partition of [...known].sort((a, b) => a - b)) {
        const position = positions?.get(partition) ?? null;
        const high = marks?.get(partition);
        const behind = high === undefined || position === null ? 0 : Math.max(0, high - position);
        lag[source.id]! += behind;
        partitions.push({ source: source.id, topic: source.topic, partition, committedOffset: done[partition] ?? null, position, lag: behind });
      }
    }
    return { partitions, lag };
  }

  private positionsOf(topic: string): Map<number, number> {
    let map = this.positions.get(topic);
    if (map === undefined) this.positions.set(topic, (map = new Map()));
    return map;
  }

  private async onBatch({ batch, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.hooks.halted()) return;
    await this.hooks.beforeBatch();
    const { topic, partition } = batch;
    if (!this.topics.has(topic)) return;
    const positions = this.positionsOf(topic);
    const messages = batch.messages;
    // One slice is with the engine while the next is decoded here: the engine's thread and this one work at once.
    const inFlight: Promise<void>[] = [];
    try {
      for (let m = 0; m < messages.length; m += SLICE) {
        if (this.hooks.halted() || !isRunning() || isStale()) break;
        const slice = sliceOf(topic, partition, messages, m, Math.min(messages.length, m + SLICE), positions.get(partition) ?? -1);
        if (slice.offsets.length === 0) continue;
        const next = slice.offsets[slice.offsets.length - 1]! + 1;
        const feeding = this.hooks.feed(slice, () => positions.set(partition, next));
        // Awaited below; a slice behind a failed one is refused by the engine (run-engine.ts), and only the first
        // failure is reported.
        feeding.catch(() => {});
        inFlight.push(feeding);
        if (inFlight.length > 1) await inFlight.shift();
      }
      while (inFlight.length > 0) await inFlight.shift();
    } catch (err) {
      this.hooks.failed(err);
      return;
    }
    if (this.hooks.halted() || !isRunning() || isStale()) return;
    let marks = this.highWatermarks.get(topic);
    if (marks === undefined) this.highWatermarks.set(topic, (marks = new Map()));
    marks.set(partition, Number(batch.highWatermark));
  }
}

/** Messages `start` to `end` of a batch as the engine takes them, without those below the partition's position. */
function sliceOf(topic: string, partition: number, messages: KafkaMessage[], start: number, end: number, next: number): IngestBatch {
  const batch: IngestBatch = { topic, partition, offsets: [], keys: [], values: [], timestamps: [], headers: [] };
  for (let m = start; m < end; m++) {
    const message = messages[m]!;
    const offset = Number(message.offset);
    if (offset < next) continue;
    batch.offsets.push(offset);
    batch.keys.push(message.key === null ? null : message.key.toString('utf8'));
    batch.values.push(message.value === null ? null : message.value.toString('utf8'));
    batch.timestamps.push(Number(message.timestamp));
    batch.headers.push(decodeHeaders(message.headers) ?? null);
  }
  return batch;
}
