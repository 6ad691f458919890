/**
 * The input side of a deployment run on librdkafka (kafka/rdkafka.ts), with the surface of kafka-input.ts: one
 * consumer (group `weir-<id>`, read_committed, no auto-commit) feeding the engine's sources, and the position of
 * every partition. Every partition of the source topics is assigned to it explicitly, at the position the restored
 * checkpoint stores, else the group's committed offset, else the log's start or end as the source says: the
 * binding's rebalance callbacks cannot reach a worker thread (rdkafka.ts), and one run reads all partitions of its
 * deployment anyway. Records below a partition's position are skipped, as in kafka-input.ts.
 */
import type { IngestBatch } from '../isolate/protocol.ts';
import type { InputOffsets } from '../kafka/changelog.ts';
import type { KafkaConfig } from '../kafka/config.ts';
import {
  asError,
  commitOffsets,
  connect,
  consume,
  CONNECTION_CODES,
  createConsumer,
  decodeRdHeaders,
  disconnect,
  type KafkaConsumer,
  partitionsOf,
  rdkafkaConfig,
  type RdMessage,
} from '../kafka/rdkafka.ts';
import { partitionMetricsOf, type InputHooks } from './kafka-input.ts';
import type { SourceInfo } from './pipeline-plan.ts';
import type { PartitionMetrics } from './types.ts';
import { offsetsOf, restoreOffsets, topicOffsets } from './offset-table.ts';

/** Records a consume call returns at most, and records per call into the engine (see kafka-input.ts). */
const CONSUME_MAX = 10_000;
const SLICE = 1000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface RdInputHooks extends InputHooks {
  /** A consume failed because Kafka cannot be reached; librdkafka reconnects by itself. */
  trouble(message: string): void;
}

export interface RdInputOptions {
  groupId: string;
  sources: SourceInfo[];
  clientIdSuffix: string;
}

export class RdKafkaInput {
  private readonly config: KafkaConfig;
  private readonly options: RdInputOptions;
  private readonly hooks: RdInputHooks;

  private readonly positions = new Map<string, Map<number, number>>();
  private readonly highWatermarks = new Map<string, Map<number, number>>();
  private readonly starts = new Map<string, Map<number, number>>();
  private readonly topics: Set<string>;
  private consumerRef: KafkaConsumer | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(config: KafkaConfig, options: RdInputOptions, hooks: RdInputHooks) {
    this.config = config;
    this.options = options;
    this.hooks = hooks;
    this.topics = new Set(options.sources.map((s) => s.topic));
  }

  /** The consumer, for its group metadata in a transaction (`sendOffsetsToTransaction`). */
  get consumer(): KafkaConsumer {
    if (this.consumerRef === null) throw new Error('the input is not started');
    return this.consumerRef;
  }

  restorePositions(offsets: InputOffsets, topics: ReadonlySet<string>): void {
    restoreOffsets(this.positions, offsets, topics);
  }

  currentOffsets(): InputOffsets {
    return offsetsOf(this.positions);
  }

  /** Connects, assigns every partition of the source topics at its starting offset, and starts reading. */
  async start(): Promise<void> {
    const consumer = createConsumer({
      ...rdkafkaConfig(this.config, this.options.clientIdSuffix),
      'group.id': this.options.groupId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 200,
      'allow.auto.create.topics': false,
    });
    consumer.setDefaultConsumeTimeout(200);
    (
      consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(only: boolean): void }
    ).setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.consumerRef = consumer;
    await connect(consumer);
    const assignment: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const topic of this.topics) {
      const partitions = await partitionsOf(consumer, topic, REQUEST_TIMEOUT_MS);
      await this.hooks.declare(topic, partitions);
      const committed = await this.committed(consumer, topic, partitions);
      const fromBeginning = this.options.sources.some((s) => s.topic === topic && s.fromBeginning);
      const positions = topicOffsets(this.positions, topic);
      for (const partition of partitions) {
        const { lowOffset, highOffset } = await this.watermarks(consumer, topic, partition);
        topicOffsets(this.highWatermarks, topic).set(partition, highOffset);
        const stored = positions.get(partition) ?? committed.get(partition);
        const offset = stored ?? (fromBeginning ? lowOffset : highOffset);
        if (!positions.has(partition)) topicOffsets(this.starts, topic).set(partition, offset);
        assignment.push({ topic, partition, offset });
      }
    }
    consumer.assign(assignment);
    this.hooks.assigned();
    this.running = this.readLoop(consumer);
  }

  /** At-least-once: commits group offsets outside any transaction. */
  async commitOffsets(offsets: InputOffsets): Promise<void> {
    const list = Object.entries(offsets).flatMap(([topic, partitions]) =>
      Object.entries(partitions).map(([partition, offset]) => ({ topic, partition: Number(partition), offset })),
    );
    if (list.length > 0) await commitOffsets(this.consumer, list);
  }

  /** Stops reading (after the records in progress) and closes the consumer. */
  async disconnect(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumerRef;
    await this.running?.catch(() => {});
    this.consumerRef = null;
    await disconnect(consumer);
  }

  partitionMetrics(committed: InputOffsets): { partitions: PartitionMetrics[]; lag: Record<string, number> } {
    return partitionMetricsOf(
      this.options.sources,
      { positions: this.positions, marks: this.highWatermarks, starts: this.starts },
      committed,
    );
  }

  private committed(consumer: KafkaConsumer, topic: string, partitions: number[]): Promise<Map<number, number>> {
    return new Promise((resolve, reject) =>
      consumer.committed(
        partitions.map((partition) => ({ topic, partition })),
        REQUEST_TIMEOUT_MS,
        (err, list) => {
          if (err) return reject(asError(err));
          // librdkafka answers -1001 (no offset) for partitions the group never committed.
          resolve(new Map(list.filter((p) => p.offset >= 0).map((p) => [p.partition, p.offset])));
        },
      ),
    );
  }

  private watermarks(
    consumer: KafkaConsumer,
    topic: string,
    partition: number,
  ): Promise<{ lowOffset: number; highOffset: number }> {
    return new Promise((resolve, reject) =>
      consumer.queryWatermarkOffsets(topic, partition, REQUEST_TIMEOUT_MS, (err, offsets) =>
        err ? reject(asError(err)) : resolve(offsets),
      ),
    );
  }

  private async readLoop(consumer: KafkaConsumer): Promise<void> {
    while (!this.stopping && !this.hooks.halted()) {
      let messages: RdMessage[];
      try {
        messages = await consume(consumer, CONSUME_MAX);
      } catch (err) {
        if (this.stopping || this.hooks.halted()) return;
        const code = (err as { code?: number }).code;
        if (code !== undefined && CONNECTION_CODES.has(code)) {
          this.hooks.trouble((err as Error).message);
          continue;
        }
        this.hooks.failed(err);
        return;
      }
      if (messages.length === 0) continue;
      try {
        await this.onMessages(consumer, messages);
      } catch (err) {
        this.hooks.failed(err);
        return;
      }
    }
  }

  /** One consume's records, partition by partition (librdkafka keeps each partition's order within a call). */
  private async onMessages(consumer: KafkaConsumer, messages: RdMessage[]): Promise<void> {
    const byPartition = new Map<string, RdMessage[]>();
    for (const m of messages) {
      const id = `${m.partition}\u0000${m.topic}`;
      const list = byPartition.get(id);
      if (list === undefined) byPartition.set(id, [m]);
      else list.push(m);
    }
    for (const list of byPartition.values()) {
      if (this.stopping || this.hooks.halted()) return;
      const { topic, partition } = list[0]!;
      if (!this.topics.has(topic)) continue;
      // The log end as of the last fetch (librdkafka caches it per partition): lag counts from it at once.
      const { highOffset } = consumer.getWatermarkOffsets(topic, partition);
      if (highOffset >= 0) topicOffsets(this.highWatermarks, topic).set(partition, highOffset);
      await this.hooks.beforeBatch();
      const positions = topicOffsets(this.positions, topic);
      const inFlight: Promise<void>[] = [];
      for (let m = 0; m < list.length; m += SLICE) {
        if (this.stopping || this.hooks.halted()) break;
        const slice = sliceOf(
          topic,
          partition,
          list,
          m,
          Math.min(list.length, m + SLICE),
          positions.get(partition) ?? -1,
        );
        if (slice.offsets.length === 0) continue;
        const next = slice.offsets[slice.offsets.length - 1]! + 1;
        const feeding = this.hooks.feed(slice, () => positions.set(partition, next));
        // Awaited below; only the first failure is reported (kafka-input.ts).
        feeding.catch(() => {});
        inFlight.push(feeding);
        if (inFlight.length > 1) await inFlight.shift();
      }
      while (inFlight.length > 0) await inFlight.shift();
    }
  }
}

function sliceOf(
  topic: string,
  partition: number,
  messages: RdMessage[],
  start: number,
  end: number,
  next: number,
): IngestBatch {
  const batch: IngestBatch = { topic, partition, offsets: [], keys: [], values: [], timestamps: [], headers: [] };
  for (let m = start; m < end; m++) {
    const message = messages[m]!;
    if (message.offset < next) continue;
    const key = message.key;
    batch.offsets.push(message.offset);
    batch.keys.push(key === null || key === undefined ? null : typeof key === 'string' ? key : key.toString('utf8'));
    batch.values.push(message.value === null ? null : message.value.toString('utf8'));
    batch.timestamps.push(message.timestamp ?? 0);
    batch.headers.push(decodeRdHeaders(message.headers) ?? null);
  }
  return batch;
}
