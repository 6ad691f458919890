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
import { offsetsOf, restoreOffsets, topicOffsets } from './offset-table.ts';

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
  /**
   * The client lag figures are looked up with (lookUpLogEnds): one that does not report connection trouble, since a
   * failed look-up is no reason to say the run is reconnecting. Default: the input's own client.
   */
  figuresKafka?: Kafka;
}

export class KafkaInput {
  private readonly kafka: Kafka;
  private readonly options: InputOptions;
  private readonly hooks: InputHooks;

  private readonly positions = new Map<string, Map<number, number>>();
  private readonly highWatermarks = new Map<string, Map<number, number>>();
  /** Where reading starts in a partition that has no position yet (lag figures only; see lookUpLogEnds). */
  private readonly starts = new Map<string, Map<number, number>>();
  private consumer: Consumer | null = null;
  private readonly topics: Set<string>;

  constructor(kafka: Kafka, options: InputOptions, hooks: InputHooks) {
    this.kafka = kafka;
    this.options = options;
    this.hooks = hooks;
    this.topics = new Set(options.sources.map((s) => s.topic));
  }

  /** Positions stored with the restored checkpoint, for the topics whose sources kept their state. */
  restorePositions(offsets: InputOffsets, topics: ReadonlySet<string>): void {
    restoreOffsets(this.positions, offsets, topics);
  }

  /** The position of every partition read so far: consistent with the engine's state between two slices. */
  currentOffsets(): InputOffsets {
    return offsetsOf(this.positions);
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
        const positions = topicOffsets(this.positions, topic);
        for (const partition of partitions) {
          const next = positions.get(partition);
          if (next !== undefined) consumer.seek({ topic, partition, offset: String(next) });
        }
      }
      this.hooks.assigned();
      void this.lookUpLogEnds(payload.memberAssignment);
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
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** At-least-once: commits group offsets outside any transaction. */
  async commitOffsets(offsets: InputOffsets): Promise<void> {
    const list = Object.entries(offsets).flatMap(([topic, partitions]) =>
      Object.entries(partitions).map(([partition, offset]) => ({
        topic,
        partition: Number(partition),
        offset: String(offset),
      })),
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
    return partitionMetricsOf(
      this.options.sources,
      { positions: this.positions, marks: this.highWatermarks, starts: this.starts },
      committed,
    );
  }

  /**
   * The log end of newly assigned partitions, and where reading starts in those without a position (the group's
   * committed offset, else the log's start or end as the source says), read as kafka-consumer-groups does. kafkajs
   * hands over the batches of one fetch a partition at a time, so with a backlog of small records a partition can
   * wait seconds for its first batch, and its lag would count as 0 until then. Figures only: a failed look-up is
   * left to the batches.
   */
  private async lookUpLogEnds(assignment: Record<string, number[]>): Promise<void> {
    const admin = (this.options.figuresKafka ?? this.kafka).admin();
    try {
      await admin.connect();
      for (const [topic, partitions] of Object.entries(assignment)) {
        if (!this.topics.has(topic)) continue;
        const [ends, group] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId: this.options.groupId, topics: [topic] }),
        ]);
        const committed = new Map(group[0]?.partitions.map((p) => [p.partition, Number(p.offset)]));
        const fromBeginning = this.options.sources.some((s) => s.topic === topic && s.fromBeginning);
        const marks = topicOffsets(this.highWatermarks, topic);
        const starts = topicOffsets(this.starts, topic);
        for (const end of ends) {
          if (!partitions.includes(end.partition)) continue;
          // A batch that arrived meanwhile saw a log end at least as recent.
          if (!marks.has(end.partition)) marks.set(end.partition, Number(end.high));
          const offset = committed.get(end.partition) ?? -1;
          if (!starts.has(end.partition))
            starts.set(end.partition, offset >= 0 ? offset : Number(fromBeginning ? end.low : end.high));
        }
      }
    } catch {
      // The next batch of each partition brings its log end.
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  private async onBatch({ batch, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.hooks.halted()) return;
    const { topic, partition } = batch;
    if (!this.topics.has(topic)) return;
    // The log end as of this fetch, known before the batch's first record is fed: a backlog arrives as batches of
    // tens of thousands of small records, and a lag counted from a mark set only once a batch is done read 0 all
    // through the first one, which is often the whole backlog.
    topicOffsets(this.highWatermarks, topic).set(partition, Number(batch.highWatermark));
    await this.hooks.beforeBatch();
    const positions = topicOffsets(this.positions, topic);
    const messages = batch.messages;
    if (!positions.has(partition) && messages.length > 0)
      topicOffsets(this.starts, topic).set(partition, Number(messages[0]!.offset));
    // One slice is with the engine while the next is decoded here: the engine's thread and this one work at once.
    const inFlight: Promise<void>[] = [];
    try {
      for (let m = 0; m < messages.length; m += SLICE) {
        if (this.hooks.halted() || !isRunning() || isStale()) break;
        const slice = sliceOf(
          topic,
          partition,
          messages,
          m,
          Math.min(messages.length, m + SLICE),
          positions.get(partition) ?? -1,
        );
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
  }
}

/** Per topic and partition: the next offset to process, the log end last seen, where reading started. */
export interface InputPositions {
  positions: ReadonlyMap<string, ReadonlyMap<number, number>>;
  marks: ReadonlyMap<string, ReadonlyMap<number, number>>;
  starts: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

/** Lag and positions of every partition known so far, by source; `committed`: the last checkpoint's offsets. */
export function partitionMetricsOf(
  sources: readonly SourceInfo[],
  { positions: allPositions, marks: allMarks, starts }: InputPositions,
  committed: InputOffsets,
): { partitions: PartitionMetrics[]; lag: Record<string, number> } {
  const partitions: PartitionMetrics[] = [];
  const lag: Record<string, number> = {};
  for (const source of sources) {
    lag[source.id] = 0;
    const positions = allPositions.get(source.topic);
    const marks = allMarks.get(source.topic);
    const done = committed[source.topic] ?? {};
    const known = new Set([...(positions?.keys() ?? []), ...(marks?.keys() ?? [])]);
    for (const partition of [...known].sort((a, b) => a - b)) {
      const position = positions?.get(partition) ?? null;
      const high = marks?.get(partition);
      const from = position ?? starts.get(source.topic)?.get(partition) ?? null;
      const behind = high === undefined || from === null ? 0 : Math.max(0, high - from);
      lag[source.id]! += behind;
      partitions.push({
        source: source.id,
        topic: source.topic,
        partition,
        committedOffset: done[partition] ?? null,
        position,
        lag: behind,
      });
    }
  }
  return { partitions, lag };
}

/** Messages `start` to `end` of a batch as the engine takes them, without those below the partition's position. */
function sliceOf(
  topic: string,
  partition: number,
  messages: KafkaMessage[],
  start: number,
  end: number,
  next: number,
): IngestBatch {
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
