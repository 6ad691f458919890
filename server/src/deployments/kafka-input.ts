/**
 * The input side of a deployment run: one consumer (group `weir-<id>`, read_committed, no auto-commit) feeding the
 * engine's sources, and the position of every partition — the next offset the engine will process, which is what a
 * checkpoint stores and a restore seeks to. Records below a partition's position are skipped, so whatever the
 * consumer re-delivers (after a rebalance, or from group offsets older than the restored state) is never counted
 * twice.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaSourceOperator } from '../../../shared/operators/source-kafka.ts';
import type { InputOffsets } from '../kafka/changelog.ts';
import { decodeHeaders } from '../kafka/records.ts';
import type { SourceInfo } from './pipeline-plan.ts';
import type { PartitionMetrics } from './types.ts';

/**
 * kafkajs hands over the batches of one fetch one after another with nothing but promise continuations in between,
 * so timers (checkpoints, heartbeats to the manager) would wait for a whole fetch — tens of thousands of records.
 * Processing gives the event loop a turn when it has held it this long. Short, because a checkpoint's commit runs
 * meanwhile as a chain of requests to the broker (one send after another, then the commit), and every answer waits
 * for the next turn: at 10 ms a commit of 200 sends took over 2 s while the input waited for it.
 */
const YIELD_AFTER_MS = 2;
/** The clock is read every this many records (a power of two minus one, as a mask): about 0.1 ms of work. */
const CLOCK_EVERY = 31;

export interface InputHooks {
  /** True once the run stops or fails: nothing more is fed. */
  halted(): boolean;
  /** Awaited before each batch (back-pressure while sink records pile up). */
  beforeBatch(): Promise<void>;
  /** After each slice of records: the wall clock moves processing time on. */
  afterSlice(): void;
  /** Partitions were assigned: the run is consuming. */
  assigned(): void;
  failed(err: unknown): void;
}

export interface InputOptions {
  groupId: string;
  sessionTimeoutMs: number;
  sources: SourceInfo[];
  /** Engine sources by the topic they read (two sources may read one topic). */
  sourcesByTopic: Map<string, KafkaSourceOperator[]>;
}

export class KafkaInput {
  private readonly positions = new Map<string, Map<number, number>>();
  private readonly highWatermarks = new Map<string, Map<number, number>>();
  private consumer: Consumer | null = null;
  private lastYield = 0;

  constructor(private readonly kafka: Kafka, private readonly options: InputOptions, private readonly hooks: InputHooks) {}

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
    const { sessionTimeoutMs, sourcesByTopic } = this.options;
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
        for (const source of sourcesByTopic.get(topic) ?? []) source.declarePartitions(partitions);
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
    for (const topic of sourcesByTopic.keys()) {
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
    const sources = this.options.sourcesByTopic.get(topic);
    if (sources === undefined) return;
    const positions = this.positionsOf(topic);
    const messages = batch.messages;
    let m = 0;
    while (m < messages.length) {
      if (performance.now() - this.lastYield > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        this.lastYield = performance.now();
      }
      if (this.hooks.halted() || !isRunning() || isStale()) return;
      m = this.processSlice(partition, messages, m, sources, positions);
    }
    let marks = this.highWatermarks.get(topic);
    if (marks === undefined) this.highWatermarks.set(topic, (marks = new Map()));
    marks.set(partition, Number(batch.highWatermark));
  }

  /**
   * Feeds messages from `start` on until the time slice is used up; returns where it stopped. The partition's
   * position is updated before returning, so a checkpoint taken while processing yields matches the engine's state.
   */
  private processSlice(partition: number, messages: KafkaMessage[], start: number, sources: KafkaSourceOperator[], positions: Map<number, number>): number {
    let next = positions.get(partition) ?? -1;
    const deadline = this.lastYield + YIELD_AFTER_MS;
    let m = start;
    try {
      for (; m < messages.length; m++) {
        if (m > start && (m & CLOCK_EVERY) === 0 && performance.now() > deadline) break;
        const message = messages[m]!;
        const offset = Number(message.offset);
        if (offset < next) continue;
        const key = message.key === null ? null : message.key.toString('utf8');
        const value = message.value === null ? null : message.value.toString('utf8');
        const headers = decodeHeaders(message.headers);
        const timestamp = Number(message.timestamp);
        for (let s = 0; s < sources.length; s++) sources[s]!.ingestKafka(partition, offset, key, value, timestamp, headers);
        next = offset + 1;
      }
      this.hooks.afterSlice();
    } catch (err) {
      this.hooks.failed(err);
      m = messages.length;
    } finally {
      if (next >= 0) positions.set(partition, next);
    }
    return m;
  }
}
