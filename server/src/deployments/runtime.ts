/**
 * One deployment at work, inside its worker thread: the shared engine fed by a Kafka consumer, its sink records
 * and state committed at every checkpoint (DESIGN "The server"; SPEC §6).
 *
 * A checkpoint is taken synchronously between two batches — engine snapshot, the sink records emitted since the
 * last one, the input positions — so the three always describe the same point of the input. Committing it runs
 * asynchronously while processing goes on into the next checkpoint's buffer:
 * - exactly-once: one Kafka transaction holds the sink records, the changed state (changelog.ts) and the input
 *   offsets (`sendOffsets` to the deployment's consumer group). The stable transactional id fences any earlier
 *   instance (its open transaction is aborted) before anything is read.
 * - at-least-once: sink records, then state, then the group offsets, each acknowledged before the next.
 * A checkpoint that fails to commit fails the deployment: its output is gone with the aborted transaction, so the
 * only consistent way on is a restart from the last committed checkpoint.
 *
 * Restore reads the changelog with read_committed, restores the engine by node id, and seeks every partition to the
 * position stored with that state; records below it that the consumer still delivers (the group's offsets can be
 * older under at-least-once) are skipped, so no record is counted twice in state.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer, Transaction } from 'kafkajs';
import { Engine, PipelineBuildError, RestoreError, type NodeMetrics } from '../../../shared/engine/engine.ts';
import { PipelineFailure, errorMessage } from '../../../shared/engine/operator.ts';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import type { KafkaSourceOperator } from '../../../shared/operators/source-kafka.ts';
import type { Json, PipelineDoc } from '../../../shared/pipeline/types.ts';
import { Changelog, ChangelogError, decodeChangelog, type CheckpointPlan, type InputOffsets } from '../kafka/changelog.ts';
import { createKafka, type KafkaConfig } from '../kafka/config.ts';
import { readToEnd } from '../kafka/read-topic.ts';
import { decodeHeaders, sinkMessage } from '../kafka/records.ts';
import { changelogTopic, changelogTopicConfig, ensureTopics, missingTopics } from '../kafka/topics.ts';
import { evaluateInSandbox } from './sandbox.ts';
import { isSyntheticNode, keepableSnapshot, planDeployment, stateProblems, type DeploymentPlan, type SinkInfo } from './pipeline-plan.ts';
import type { PartitionMetrics, RuntimeCheckpointMetrics, RuntimeMetrics } from './types.ts';

export interface RuntimeConfig {
  deploymentId: string;
  pipeline: PipelineDoc;
  kafka: KafkaConfig;
  allowStateLoss: boolean;
  udfBudgetMs: number;
  sessionTimeoutMs: number;
}

/** What the runtime tells its host (the worker, which forwards it to the manager). */
export interface RuntimeHost {
  running(): void;
  /** The deployment cannot go on; `retriable` false when a restart would fail the same way (a build error). */
  failed(message: string, retriable: boolean): void;
  log(level: 'info' | 'warn' | 'error', message: string, nodeId?: string): void;
}

/** A failure that a restart cannot cure: the pipeline does not build, or its state cannot be restored. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

interface SinkBuffer extends SinkInfo {
  messages: Message[];
}

/** Sink records buffered beyond this make processing wait for the checkpoint in flight. */
const MAX_BUFFERED_RECORDS = 200_000;
const PROCESSING_TIME_TICK_MS = 200;
/**
 * kafkajs hands over the batches of one fetch one after another with nothing but promise continuations in between,
 * so timers (checkpoints, heartbeats to the manager) would wait for a whole fetch — tens of thousands of records.
 * Processing gives the event loop a turn when it has held it this long.
 */
const YIELD_AFTER_MS = 50;

export class DeploymentRuntime {
  private readonly plan: DeploymentPlan;
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private readonly transactionalId: string;
  private readonly changelogTopic: string;
  private readonly changelog: Changelog;
  private admin: Admin | null = null;
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private engine: Engine | null = null;
  private readonly sinkBuffers = new Map<string, SinkBuffer>();
  private buffered = 0;
  private readonly sourcesByTopic = new Map<string, KafkaSourceOperator[]>();
  /** Next offset to process, by topic and partition. */
  private readonly positions = new Map<string, Map<number, number>>();
  private readonly highWatermarks = new Map<string, Map<number, number>>();
  private committedOffsets: InputOffsets = {};
  private baseCounts: Record<string, NodeMetrics> = {};
  private inFlight: Promise<void> | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  /** Set when stopping or failed: no more records are processed. */
  private halted = false;
  private starting: Promise<void> | null = null;
  /** Set once the state is restored and the consumer runs: only then may a savepoint be written. */
  private started = false;
  private failure: string | null = null;
  private readonly checkpoints: RuntimeCheckpointMetrics = {
    completed: 0,
    failed: 0,
    lastCompletedAt: null,
    lastDurationMs: null,
    lastId: null,
    lastSizeBytes: null,
    lastWrittenBytes: null,
    lastRecords: null,
  };
  private lastYield = 0;
  private rates = { at: 0, counts: {} as Record<string, NodeMetrics> };

  constructor(readonly config: RuntimeConfig, private readonly host: RuntimeHost) {
    this.plan = planDeployment(config.pipeline);
    this.kafka = createKafka(config.kafka, `deploy-${config.deploymentId}`);
    this.groupId = `weir-${config.deploymentId}`;
    this.transactionalId = `weir-${config.deploymentId}-0`;
    this.changelogTopic = changelogTopic(config.deploymentId);
    this.changelog = new Changelog(config.pipeline.id);
    for (const sink of this.plan.sinks.values()) this.sinkBuffers.set(sink.id, { ...sink, messages: [] });
  }

  get exactlyOnce(): boolean {
    return this.plan.delivery === 'exactly-once';
  }

  start(): Promise<void> {
    this.starting = this.startRun();
    return this.starting;
  }

  private async startRun(): Promise<void> {
    const admin = (this.admin = this.kafka.admin());
    await admin.connect();
    const missing = await missingTopics(admin, [...new Set(this.plan.sources.map((s) => s.topic))]);
    if (missing.length > 0) throw new Error(`the source topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`);
    const sinkTopics = [...new Set([...this.plan.sinks.values()].map((s) => s.topic))];
    await ensureTopics(admin, [changelogTopicConfig(this.config.deploymentId), ...sinkTopics.map((topic) => ({ topic }))]);

    this.producer = this.exactlyOnce
      ? this.kafka.producer({
          transactionalId: this.transactionalId,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: 60_000,
          retry: { initialRetryTime: 25, maxRetryTime: 2000, retries: 12 },
        })
      : this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { initialRetryTime: 100, retries: 12 } });
    await this.producer.connect();
    if (this.exactlyOnce) {
      // kafkajs initialises the transactional producer id lazily, on the first transaction. Doing it now fences a
      // previous instance and completes its open transaction before the changelog and the offsets are read.
      const fence = await this.producer.transaction();
      await fence.abort();
    }

    const contents = await this.readChangelog();
    if (this.halted) return;
    this.engine = this.buildEngine();
    const keep = new Set(this.plan.pipeline.nodes.map((n) => n.id));
    if (contents.restored) {
      const { marker, snapshot } = contents.restored;
      const problems = stateProblems(this.plan.pipeline, snapshot);
      const lost = [...problems.removed.map((id) => `${id} (removed)`), ...problems.retyped];
      if (lost.length > 0 && !this.config.allowStateLoss)
        throw new PermanentFailure(`the last checkpoint holds state this version cannot keep: ${lost.join(', ')}; deploy with allowStateLoss to drop it`);
      const kept = keepableSnapshot(this.plan.pipeline, snapshot, marker.sources);
      for (const id of keep) if (!(id in kept.nodes)) keep.delete(id);
      try {
        this.engine.restore(kept, { dropUnknownState: true });
      } catch (err) {
        if (err instanceof RestoreError) throw new PermanentFailure(err.message);
        throw err;
      }
      const keptTopics = new Set(this.plan.sources.filter((s) => s.id in kept.nodes || !(s.id in marker.sources)).map((s) => s.topic));
      for (const [topic, partitions] of Object.entries(marker.offsets)) {
        if (!keptTopics.has(topic)) continue;
        const positions = this.positionsOf(topic);
        for (const [partition, offset] of Object.entries(partitions)) positions.set(Number(partition), offset);
      }
      this.committedOffsets = marker.offsets;
      this.baseCounts = (marker.counts ?? {}) as unknown as Record<string, NodeMetrics>;
      this.host.log('info', `restored checkpoint ${marker.id} (${Object.keys(kept.nodes).length} nodes)`);
    }
    this.changelog.resume(contents, keep);
    this.checkpoints.lastId = this.changelog.lastCommittedId;

    await this.startConsumer();
    if (this.halted) return;
    this.started = true;
    this.tickTimer = setInterval(() => this.advanceProcessingTime(), PROCESSING_TIME_TICK_MS);
    this.scheduleCheckpoint(this.plan.checkpointIntervalMs);
  }

  private async readChangelog(): Promise<ReturnType<typeof decodeChangelog>> {
    const latest = new Map<string, Buffer>();
    await readToEnd(this.kafka, this.changelogTopic, `weir-${this.config.deploymentId}-restore`, (_partition, message) => {
      const key = message.key?.toString('utf8');
      if (key === undefined) return;
      if (message.value === null) latest.delete(key);
      else latest.set(key, message.value);
    });
    try {
      return decodeChangelog(latest);
    } catch (err) {
      if (err instanceof ChangelogError) throw new PermanentFailure(err.message);
      throw err;
    }
  }

  private buildEngine(): Engine {
    const sinkBuffers = this.sinkBuffers;
    const sink = (sinkId: string, record: StreamRecord): void => {
      const buffer = sinkBuffers.get(sinkId)!;
      buffer.messages.push(sinkMessage(record, buffer.json));
      this.buffered++;
    };
    const logLimiter = new LogLimiter((message, nodeId) => this.host.log('info', message, nodeId));
    let engine: Engine;
    try {
      engine = new Engine(this.plan.pipeline, {
        mode: 'deployed',
        wallClock: Date.now,
        evaluate: evaluateInSandbox,
        udfBudgetMs: this.config.udfBudgetMs,
        sink,
        observer: {
          log: (nodeId, args) => logLimiter.line(args.map(formatLogArg).join(' '), nodeId),
          error: (nodeId, message, _input, policy) => {
            if (policy !== 'fail') logLimiter.line(`${policy === 'skip' ? 'skipped' : 'routed'} a record: ${message}`, nodeId);
          },
        },
      });
    } catch (err) {
      if (err instanceof PipelineBuildError) throw new PermanentFailure(`the pipeline does not build: ${err.message}`);
      throw err;
    }
    for (const source of engine.sources) {
      const info = this.plan.sources.find((s) => s.id === source.id)!;
      const list = this.sourcesByTopic.get(info.topic) ?? [];
      list.push(source);
      this.sourcesByTopic.set(info.topic, list);
    }
    return engine;
  }

  private async startConsumer(): Promise<void> {
    const consumer = (this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.config.sessionTimeoutMs / 5)),
      rebalanceTimeout: Math.max(this.config.sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, retries: 10 },
    }));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const source of this.sourcesByTopic.get(topic) ?? []) source.declarePartitions(partitions);
        const positions = this.positionsOf(topic);
        for (const partition of partitions) {
          const next = positions.get(partition);
          if (next !== undefined) consumer.seek({ topic, partition, offset: String(next) });
        }
      }
      this.host.running();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after retriable errors (rejoining from the committed offsets, which the position
      // filter makes harmless); anything else ends this run.
      if (!payload.restart) this.fail(payload.error);
    });
    await consumer.connect();
    const byStart = new Map<boolean, string[]>();
    for (const topic of this.sourcesByTopic.keys()) {
      const fromBeginning = this.plan.sources.some((s) => s.topic === topic && s.fromBeginning);
      byStart.set(fromBeginning, [...(byStart.get(fromBeginning) ?? []), topic]);
    }
    for (const [fromBeginning, topics] of byStart) await consumer.subscribe({ topics, fromBeginning });
    await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 1, eachBatch: (payload) => this.onBatch(payload) });
  }

  private positionsOf(topic: string): Map<number, number> {
    let map = this.positions.get(topic);
    if (map === undefined) this.positions.set(topic, (map = new Map()));
    return map;
  }

  private async onBatch({ batch, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.halted) return;
    if (this.buffered > MAX_BUFFERED_RECORDS && this.inFlight) await this.inFlight.catch(() => {});
    const { topic, partition } = batch;
    const sources = this.sourcesByTopic.get(topic);
    if (sources === undefined) return;
    const positions = this.positionsOf(topic);
    const messages = batch.messages;
    let m = 0;
    while (m < messages.length) {
      if (performance.now() - this.lastYield > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        this.lastYield = performance.now();
      }
      if (this.halted || !isRunning() || isStale()) return;
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
        if (m > start && (m & 255) === 0 && performance.now() > deadline) break;
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
      this.engine!.advanceProcessingTime(Date.now());
    } catch (err) {
      this.fail(err);
      m = messages.length;
    } finally {
      if (next >= 0) positions.set(partition, next);
    }
    return m;
  }

  private advanceProcessingTime(): void {
    if (this.halted || this.engine === null) return;
    try {
      this.engine.advanceProcessingTime(Date.now());
    } catch (err) {
      this.fail(err);
    }
  }

  private scheduleCheckpoint(delayMs: number): void {
    if (this.halted) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null;
      const started = Date.now();
      this.checkpoint().then(
        () => this.scheduleCheckpoint(Math.max(0, this.plan.checkpointIntervalMs - (Date.now() - started))),
        (err: unknown) => this.fail(err),
      );
    }, delayMs);
  }

  /** Takes a checkpoint now and resolves when it is committed (after the one in flight, if any). */
  async checkpoint(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.failure !== null) throw new Error(this.failure);
    const engine = this.engine!;
    const started = performance.now();
    const snapshot = engine.snapshot();
    const counts = this.counts();
    const offsets = this.currentOffsets();
    const records = this.takeBuffered();
    const sources: Record<string, string> = {};
    for (const s of this.plan.sources) sources[s.id] = s.topic;
    const plan = this.changelog.plan(snapshot, offsets, sources, counts as unknown as Json, Date.now());
    const commit = this.commit(plan, records, offsets).then(() => {
      this.changelog.committed(plan);
      this.committedOffsets = offsets;
      const c = this.checkpoints;
      c.completed++;
      c.lastCompletedAt = Date.now();
      c.lastDurationMs = Math.round(performance.now() - started);
      c.lastId = plan.id;
      c.lastSizeBytes = plan.stateBytes;
      c.lastWrittenBytes = plan.writtenBytes;
      c.lastRecords = records.reduce((n, r) => n + r.messages.length, 0);
    });
    this.inFlight = commit;
    try {
      await commit;
    } catch (err) {
      this.checkpoints.failed++;
      this.checkpoints.lastError = errorMessage(err);
      throw err;
    } finally {
      this.inFlight = null;
    }
  }

  private async commit(plan: CheckpointPlan, records: Array<{ topic: string; messages: Message[] }>, offsets: InputOffsets): Promise<void> {
    const producer = this.producer!;
    const groups = [...records, { topic: this.changelogTopic, messages: plan.messages }];
    const offsetTopics = Object.entries(offsets).map(([topic, partitions]) => ({
      topic,
      partitions: Object.entries(partitions).map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) })),
    }));
    if (!this.exactlyOnce) {
      for (const topicMessages of planSends(groups)) await producer.sendBatch({ topicMessages });
      if (offsetTopics.length > 0)
        await this.consumer!.commitOffsets(offsetTopics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset }))));
      return;
    }
    const transaction: Transaction = await producer.transaction();
    try {
      for (const topicMessages of planSends(groups)) await transaction.sendBatch({ topicMessages });
      if (offsetTopics.length > 0) await transaction.sendOffsets({ consumerGroupId: this.groupId, topics: offsetTopics });
      await transaction.commit();
    } catch (err) {
      await transaction.abort().catch(() => {});
      throw err;
    }
  }

  private takeBuffered(): Array<{ topic: string; messages: Message[] }> {
    const byTopic = new Map<string, Message[]>();
    for (const buffer of this.sinkBuffers.values()) {
      if (buffer.messages.length === 0) continue;
      const list = byTopic.get(buffer.topic);
      if (list === undefined) byTopic.set(buffer.topic, buffer.messages);
      else for (const m of buffer.messages) list.push(m);
      buffer.messages = [];
    }
    this.buffered = 0;
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  private currentOffsets(): InputOffsets {
    const offsets: InputOffsets = {};
    for (const [topic, partitions] of this.positions) {
      if (partitions.size === 0) continue;
      const entry: Record<string, number> = (offsets[topic] = {});
      for (const [partition, next] of partitions) entry[partition] = next;
    }
    return offsets;
  }

  /** Node metrics since the deployment first started: this run's plus those stored with the restored checkpoint. */
  private counts(): Record<string, NodeMetrics> {
    const current = this.engine!.metrics();
    const result: Record<string, NodeMetrics> = {};
    for (const [id, m] of Object.entries(current)) {
      if (isSyntheticNode(id)) continue;
      const base = this.baseCounts[id];
      if (!base) {
        result[id] = m;
        continue;
      }
      const out: Record<string, number> = { ...m.out };
      for (const [port, n] of Object.entries(base.out)) out[port] = (out[port] ?? 0) + n;
      result[id] = { in: m.in + base.in, out, errors: m.errors + base.errors };
    }
    return result;
  }

  metrics(): RuntimeMetrics {
    const now = Date.now();
    const counts = this.engine ? this.counts() : {};
    const elapsed = (now - this.rates.at) / 1000;
    const nodes: RuntimeMetrics['nodes'] = {};
    for (const [id, m] of Object.entries(counts)) {
      const previous = this.rates.counts[id];
      const out = sum(m.out);
      nodes[id] = { in: m.in, out: m.out, errors: m.errors };
      if (previous && elapsed > 0) {
        nodes[id]!.inPerSecond = Math.round((m.in - previous.in) / elapsed);
        nodes[id]!.outPerSecond = Math.round((out - sum(previous.out)) / elapsed);
      }
    }
    this.rates = { at: now, counts };
    const partitions: PartitionMetrics[] = [];
    const lag: Record<string, number> = {};
    for (const source of this.plan.sources) {
      lag[source.id] = 0;
      const positions = this.positions.get(source.topic);
      const marks = this.highWatermarks.get(source.topic);
      const committed = this.committedOffsets[source.topic] ?? {};
      const known = new Set([...(positions?.keys() ?? []), ...(marks?.keys() ?? [])]);
      for (const partition of [...known].sort((a, b) => a - b)) {
        const position = positions?.get(partition) ?? null;
        const high = marks?.get(partition);
        const behind = high === undefined || position === null ? 0 : Math.max(0, high - position);
        lag[source.id]! += behind;
        partitions.push({ source: source.id, topic: source.topic, partition, committedOffset: committed[partition] ?? null, position, lag: behind });
      }
    }
    return { at: now, nodes, lag, checkpoints: { ...this.checkpoints }, partitions };
  }

  /** Stops processing; with `savepoint`, commits a final checkpoint first. Leaves the consumer group. */
  async stop(savepoint: boolean): Promise<void> {
    this.halted = true;
    this.clearTimers();
    await this.starting?.catch(() => {});
    if (savepoint && this.started && this.failure === null) await this.checkpoint();
    await this.disconnect();
  }

  private clearTimers(): void {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.checkpointTimer = null;
    this.tickTimer = null;
  }

  private async disconnect(): Promise<void> {
    const clients = [this.consumer, this.producer, this.admin];
    this.consumer = null;
    await Promise.all(clients.map((c) => c?.disconnect().catch(() => {})));
  }

  /**
   * Ends this run: nothing more is processed or committed. The consumer leaves its group in the background (it may
   * be inside the batch that failed, and leaving waits for that batch), so a restart gets the partitions at once.
   */
  fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = errorMessage(err);
    this.halted = true;
    this.clearTimers();
    const retriable = !(err instanceof PermanentFailure);
    const message = err instanceof PipelineFailure || err instanceof PermanentFailure ? err.message : `${this.failure}`;
    void withTimeout(this.disconnect(), 5000).finally(() => this.host.failed(message, retriable));
  }
}

/** Groups sends so that no partition gets a record batch larger than a broker takes (1 MiB by default). */
export function planSends(groups: Array<{ topic: string; messages: Message[] }>, maxBytes = 512 * 1024): Array<Array<{ topic: string; messages: Message[] }>> {
  const sends: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let current: Array<{ topic: string; messages: Message[] }> = [];
  let size = 0;
  for (const { topic, messages } of groups) {
    let chunk: Message[] = [];
    for (const message of messages) {
      const bytes = messageBytes(message);
      if (size + bytes > maxBytes && (chunk.length > 0 || current.length > 0)) {
        if (chunk.length > 0) current.push({ topic, messages: chunk });
        sends.push(current);
        current = [];
        chunk = [];
        size = 0;
      }
      chunk.push(message);
      size += bytes;
    }
    if (chunk.length > 0) current.push({ topic, messages: chunk });
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

function messageBytes(message: Message): number {
  const length = (v: Buffer | string | null | undefined) => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  return length(message.key) + length(message.value) + 70;
}

function sum(values: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(values)) total += v;
  return total;
}

function formatLogArg(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

/** At most `perSecond` log lines a second reach the host; the rest are counted and reported once. */
class LogLimiter {
  private windowStart = 0;
  private lines = 0;
  private dropped = 0;

  constructor(private readonly emit: (message: string, nodeId?: string) => void, private readonly perSecond = 50) {}

  line(message: string, nodeId?: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) this.emit(`${this.dropped} log line(s) dropped (more than ${this.perSecond} a second)`);
      this.windowStart = now;
      this.lines = 0;
      this.dropped = 0;
    }
    if (this.lines++ < this.perSecond) this.emit(message.length > 2000 ? message.slice(0, 1997) + '...' : message, nodeId);
    else this.dropped++;
  }
}
