/**
 * The engine side of one deployment run: the engine in its isolate (server/src/isolate), fed slices of input, and
 * what it produced since the last checkpoint — sink messages by topic, ready for the checkpoint's commit. Every call
 * into the engine and the bookkeeping of its answer run as one exclusive step, so a checkpoint's cut (snapshot, sink
 * records, input positions) never falls between a slice and its positions.
 */
import type { Message } from 'kafkajs';
import type { EngineSnapshot, NodeMetrics } from '../../../shared/engine/engine.ts';
import { EngineIsolate, hangCpuMsFor } from '../isolate/engine-isolate.ts';
import type { IngestBatch, Slice } from '../isolate/protocol.ts';
import type { TopicMessages } from '../kafka/sends.ts';
import type { DeploymentPlan, SinkInfo } from './pipeline-plan.ts';

interface SinkBuffer extends SinkInfo {
  messages: Message[];
}

export interface RunEngineOptions {
  guestScript: string;
  memoryMb: number;
  udfBudgetMs: number;
  /** Log lines of user code (`ctx.log`) and of records skipped or routed. */
  log(message: string, nodeId?: string): void;
}

/** What a checkpoint takes from the engine, all of one moment. */
export interface EngineCut<T> {
  snapshot: EngineSnapshot;
  metrics: Record<string, NodeMetrics>;
  /** Sink records since the last cut, by topic. */
  records: TopicMessages[];
  /** What the caller read at the same moment (the input positions). */
  also: T;
}

export class RunEngine {
  private readonly engine: EngineIsolate;
  private readonly options: RunEngineOptions;

  private readonly sinkBuffers = new Map<string, SinkBuffer>();
  private bufferedRecords = 0;
  private nodeMetrics: Record<string, NodeMetrics> = {};
  private ticking = false;
  /**
   * Set when a slice failed part-way: the engine's state then holds some of its records but not their positions, so
   * nothing may be taken from it any more (a cut queued behind the failed slice must not become a checkpoint).
   */
  private broken: unknown = null;

  private constructor(
    engine: EngineIsolate,
    plan: DeploymentPlan,
    options: RunEngineOptions,
    metrics: Record<string, NodeMetrics>,
  ) {
    this.engine = engine;
    this.options = options;
    for (const sink of plan.sinks.values()) this.sinkBuffers.set(sink.id, { ...sink, messages: [] });
    this.nodeMetrics = metrics;
  }

  /** Starts the engine for the plan's pipeline; a pipeline that does not build rejects with its GuestCallError. */
  static async start(plan: DeploymentPlan, options: RunEngineOptions): Promise<RunEngine> {
    const limits = { memoryMb: options.memoryMb, hangCpuMs: hangCpuMsFor(options.udfBudgetMs) };
    const engine = await EngineIsolate.create(options.guestScript, limits, plan.pipeline);
    const sinkJson: Record<string, boolean> = {};
    for (const sink of plan.sinks.values()) sinkJson[sink.id] = sink.json;
    const sourceTopics: Record<string, string> = {};
    for (const source of plan.sources) sourceTopics[source.id] = source.topic;
    let answer: { metrics: Record<string, NodeMetrics> };
    try {
      answer = await engine.call('init', plan.pipeline, { budgetMs: options.udfBudgetMs, sinkJson, sourceTopics });
    } catch (err) {
      engine.dispose();
      throw err;
    }
    // Every node's counts from the start (zero; a restored run's totals are added by node-counts.ts).
    return new RunEngine(engine, plan, options, answer.metrics);
  }

  /** Sink records waiting for the next checkpoint. */
  get buffered(): number {
    return this.bufferedRecords;
  }

  /** The node metrics as of the engine's last answer (the engine itself answers asynchronously). */
  get metrics(): Record<string, NodeMetrics> {
    return this.nodeMetrics;
  }

  /** Restores a snapshot decoded from the changelog (unknown nodes' state dropped). */
  async restore(snapshot: EngineSnapshot): Promise<void> {
    await this.engine.exclusive(() => this.engine.call('restore', snapshot));
  }

  async declarePartitions(topic: string, partitions: number[]): Promise<void> {
    await this.engine.exclusive(() => this.engine.call('declarePartitions', topic, partitions));
  }

  /** Feeds a slice; `fed` runs as soon as the engine took it, before anything else may use the engine. */
  feed(batch: IngestBatch, fed: () => void): Promise<void> {
    return this.engine.exclusive(async () => {
      this.ensureWhole();
      let slice: Slice;
      try {
        slice = await this.engine.call<Slice>('ingest', batch, Date.now());
      } catch (err) {
        this.broken = err;
        throw err;
      }
      fed();
      this.take(slice);
    });
  }

  /** Moves processing time on (timers fire) and refreshes the metrics; skipped while the last tick is pending. */
  tick(): Promise<void> {
    if (this.ticking) return Promise.resolve();
    this.ticking = true;
    return this.engine
      .exclusive(async () => {
        this.ensureWhole();
        let answer: Slice & { metrics: Record<string, NodeMetrics> };
        try {
          answer = await this.engine.call<Slice & { metrics: Record<string, NodeMetrics> }>('advance', Date.now());
        } catch (err) {
          this.broken = err;
          throw err;
        }
        this.take(answer);
        this.nodeMetrics = answer.metrics;
      })
      .finally(() => (this.ticking = false));
  }

  /** The snapshot, the sink records since the last cut and whatever `read` reads, all of one moment. */
  cut<T>(read: () => T): Promise<EngineCut<T>> {
    return this.engine.exclusive(async () => {
      this.ensureWhole();
      const answer = await this.engine.call<{ snapshot: EngineSnapshot; metrics: Record<string, NodeMetrics> }>(
        'snapshot',
      );
      this.nodeMetrics = answer.metrics;
      return { snapshot: answer.snapshot, metrics: answer.metrics, records: this.takeBuffered(), also: read() };
    });
  }

  dispose(): void {
    this.engine.dispose();
  }

  private ensureWhole(): void {
    if (this.broken !== null) throw this.broken;
  }

  /** Books what the engine produced: sink messages into the next checkpoint's buffers, log lines to the host. */
  private take(slice: Slice): void {
    for (const [sinkId, messages] of Object.entries(slice.sinks)) {
      const buffer = this.sinkBuffers.get(sinkId);
      if (buffer === undefined) continue;
      for (const m of messages) buffer.messages.push(m as Message);
      this.bufferedRecords += messages.length;
    }
    for (const [nodeId, line] of slice.logs) this.options.log(line, nodeId ?? undefined);
  }

  private takeBuffered(): TopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    for (const buffer of this.sinkBuffers.values()) {
      if (buffer.messages.length === 0) continue;
      const list = byTopic.get(buffer.topic);
      if (list === undefined) byTopic.set(buffer.topic, buffer.messages);
      else for (const m of buffer.messages) list.push(m);
      buffer.messages = [];
    }
    this.bufferedRecords = 0;
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }
}
