/**
 * One deployment at work, inside its worker thread: the shared engine fed by a Kafka consumer, its sink records
 * and state committed at every checkpoint (DESIGN "The server"; SPEC §6).
 *
 * A checkpoint is cut between two slices of input — engine snapshot, the sink records emitted since the last one,
 * the input positions (run-engine.ts) — so the three always describe the same point of the input. Committing it runs
 * asynchronously while processing goes on into the next checkpoint's buffer:
 * - exactly-once: one Kafka transaction holds the sink records, the changed state (changelog.ts) and the input
 *   offsets (`sendOffsets` to the deployment's consumer group). The stable transactional id fences any earlier
 *   instance (its open transaction is aborted) before anything is read.
 * - at-least-once: sink records, then state, then the group offsets, each acknowledged before the next.
 * A checkpoint that fails to commit fails the deployment: its output is gone with the aborted transaction, so the
 * only consistent way on is a restart from the last committed checkpoint.
 *
 * Restore (run-restore.ts) reads the changelog with read_committed, restores the engine by node id, and seeks every
 * partition to the position stored with that state. The producer side, and how each checkpoint is written, are
 * checkpoint-producer.ts's; how a failed run is reported, run-failures.ts's.
 *
 * The consumer and the producer are kafkajs's, or librdkafka's when the Kafka settings say `client: 'librdkafka'`
 * (rdkafka-input.ts, kafka/rdkafka.ts): there the transaction's offsets carry the consumer's group metadata.
 * Admin steps (topics, the changelog's read at restore) use kafkajs either way.
 */
import type { Admin, Kafka } from 'kafkajs';
import { errorMessage } from '../../../shared/engine/operator.ts';
import type { Json, PipelineDoc } from '../../../shared/pipeline/types.ts';
import { Changelog, type InputOffsets } from '../kafka/changelog.ts';
import { createKafka, kafkaClientFromEnv, type KafkaConfig } from '../kafka/config.ts';
import { changelogTopic, changelogTopicConfig, ensureTopics, missingTopics } from '../kafka/topics.ts';
import { retryTransient } from '../kafka/transient.ts';
import type { CheckpointWrite } from './checkpoint-commit.ts';
import { CheckpointProducer } from './checkpoint-producer.ts';
import { GuestCallError } from '../isolate/engine-isolate.ts';
import { KafkaInput, type InputHooks } from './kafka-input.ts';
import { RdKafkaInput } from './rdkafka-input.ts';
import { NodeCounts } from './node-counts.ts';
import { planDeployment, type DeploymentPlan } from './pipeline-plan.ts';
import { RunEngine } from './run-engine.ts';
import { MissingTopicsError, PermanentFailure, runFailure } from './run-failures.ts';
import { readChangelog, restoreRun } from './run-restore.ts';
import type { RuntimeCheckpointMetrics, RuntimeMetrics } from './types.ts';
import { finishedWithin } from '../settle.ts';
import { noCheckpoints } from '../../../shared/api/deployments.ts';

export interface RuntimeConfig {
  deploymentId: string;
  pipeline: PipelineDoc;
  kafka: KafkaConfig;
  allowStateLoss: boolean;
  udfBudgetMs: number;
  sessionTimeoutMs: number;
  /** The engine's script for the isolate user code runs in (server/src/isolate/guest-script.ts). */
  guestScript: string;
  /** Memory limit of that isolate: state, user code and their ArrayBuffers. */
  memoryMb: number;
}

/** What the runtime tells its host (the worker, which forwards it to the manager). */
export interface RuntimeHost {
  running(): void;
  /**
   * The deployment cannot go on; `retriable` false when a restart would fail the same way (a build error).
   * `maxRetryDelayMs` caps the restart backoff when the cause is one the user fixes outside Weir (a missing topic).
   */
  failed(message: string, retriable: boolean, maxRetryDelayMs?: number): void;
  log(level: 'info' | 'warn' | 'error', message: string, nodeId?: string): void;
  /** Kafka cannot be reached and the run is retrying (`reason`), or it can again (null). Called on changes only. */
  connection(reconnecting: string | null): void;
}

/** Sink records buffered beyond this start a checkpoint early (or wait for the one in flight) before more input. */
const MAX_BUFFERED_RECORDS = 200_000;
const PROCESSING_TIME_TICK_MS = 200;

export class DeploymentRuntime {
  readonly config: RuntimeConfig;
  private readonly host: RuntimeHost;

  private readonly plan: DeploymentPlan;
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private readonly transactionalId: string;
  private readonly changelogTopic: string;
  private readonly changelog: Changelog;
  /** The client of the consumer and the producer (`WEIR_KAFKA_CLIENT` when the settings do not say). */
  private readonly client: 'kafkajs' | 'librdkafka';
  private admin: Admin | null = null;
  private output: CheckpointProducer | null = null;
  private input: KafkaInput | RdKafkaInput | null = null;
  private engine: RunEngine | null = null;
  /** Why Kafka is being reconnected to, while it is. */
  private reconnecting: string | null = null;
  private committedOffsets: InputOffsets = {};
  private readonly counts = new NodeCounts();
  private inFlight: Promise<void> | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  /** Set when stopping or failed: no more records are processed. */
  private halted = false;
  private starting: Promise<void> | null = null;
  /** Set once the state is restored and the consumer runs: only then may a savepoint be written. */
  private started = false;
  private failure: string | null = null;
  private readonly checkpoints: RuntimeCheckpointMetrics = noCheckpoints();

  constructor(config: RuntimeConfig, host: RuntimeHost) {
    this.config = config;
    this.host = host;
    this.plan = planDeployment(config.pipeline);
    this.kafka = createKafka(config.kafka, `deploy-${config.deploymentId}`, (message) =>
      this.connectionTrouble(message),
    );
    this.groupId = `weir-${config.deploymentId}`;
    this.transactionalId = `weir-${config.deploymentId}-0`;
    this.changelogTopic = changelogTopic(config.deploymentId);
    this.changelog = new Changelog(config.pipeline.id);
    this.client = config.kafka.client ?? kafkaClientFromEnv() ?? 'kafkajs';
  }

  private get exactlyOnce(): boolean {
    return this.plan.delivery === 'exactly-once';
  }

  start(): Promise<void> {
    this.starting = this.startRun();
    return this.starting;
  }

  private async startRun(): Promise<void> {
    const admin = (this.admin = this.kafka.admin());
    await this.untilKafkaAnswers('connecting to Kafka', () => admin.connect());
    const missing = await this.untilKafkaAnswers('looking up the source topics', () =>
      missingTopics(admin, [...new Set(this.plan.sources.map((s) => s.topic))]),
    );
    if (missing.length > 0) throw new MissingTopicsError(missing);
    const sinkTopics = [...new Set([...this.plan.sinks.values()].map((s) => s.topic))];
    await this.untilKafkaAnswers('creating the sink and changelog topics', () =>
      ensureTopics(admin, [changelogTopicConfig(this.config.deploymentId), ...sinkTopics.map((topic) => ({ topic }))]),
    );

    this.output = new CheckpointProducer({
      client: this.client,
      exactlyOnce: this.exactlyOnce,
      deploymentId: this.config.deploymentId,
      transactionalId: this.transactionalId,
      groupId: this.groupId,
    });
    await this.output.connect(this.kafka, this.config.kafka, (step, action) => this.untilKafkaAnswers(step, action));

    const contents = await this.untilKafkaAnswers('reading the changelog', () =>
      readChangelog(this.kafka, this.changelogTopic, `weir-${this.config.deploymentId}-restore`),
    );
    if (this.halted) return;
    const engine = (this.engine = await this.buildEngine());
    if (this.halted) return;
    const hooks: InputHooks = {
      halted: () => this.halted,
      beforeBatch: () => (engine.buffered > MAX_BUFFERED_RECORDS ? this.checkpointEarly() : Promise.resolve()),
      declare: (topic, partitions) => engine.declarePartitions(topic, partitions),
      feed: (batch, fed) =>
        engine.feed(batch, () => {
          fed();
          this.connectionFine();
        }),
      assigned: () => this.host.running(),
      failed: (err) => this.fail(err),
    };
    const { deploymentId } = this.config;
    this.input =
      this.client === 'librdkafka'
        ? new RdKafkaInput(
            this.config.kafka,
            { groupId: this.groupId, sources: this.plan.sources, clientIdSuffix: `deploy-${deploymentId}` },
            {
              ...hooks,
              trouble: (message) => this.connectionTrouble(message),
            },
          )
        : new KafkaInput(
            this.kafka,
            {
              groupId: this.groupId,
              sessionTimeoutMs: this.config.sessionTimeoutMs,
              sources: this.plan.sources,
              figuresKafka: createKafka(this.config.kafka, `deploy-${deploymentId}-figures`),
            },
            hooks,
          );
    const restored = await restoreRun(this.plan, this.config.allowStateLoss, contents, {
      engine,
      input: this.input,
      counts: this.counts,
    });
    if (restored.offsets !== null) this.committedOffsets = restored.offsets;
    if (restored.note !== null) this.host.log('info', restored.note);
    this.changelog.resume(contents, restored.keep);
    this.checkpoints.lastId = this.changelog.lastCommittedId;

    const input = this.input;
    await this.untilKafkaAnswers('joining the consumer group', () =>
      input.start().catch(async (err: unknown) => {
        await input.disconnect();
        throw err;
      }),
    );
    if (this.halted) return;
    this.started = true;
    this.tickTimer = setInterval(() => this.advanceProcessingTime(), PROCESSING_TIME_TICK_MS);
    this.scheduleCheckpoint(this.plan.checkpointIntervalMs);
  }

  /** A step of the run against Kafka, retried while Kafka answers with transient errors (kafka/transient.ts). */
  private async untilKafkaAnswers<T>(step: string, action: () => Promise<T>): Promise<T> {
    const result = await retryTransient(action, {
      step,
      abandoned: () => this.halted,
      onRetry: (err, delayMs) => {
        this.connectionTrouble(`${step}: ${errorMessage(err)}`);
        this.host.log('warn', `${step}: ${errorMessage(err)}; retrying in ${delayMs} ms`);
      },
    });
    this.connectionFine();
    return result;
  }

  /** Kafka did not answer (kafkajs retries, or ours): the status says the run is reconnecting. */
  private connectionTrouble(reason: string): void {
    if (this.reconnecting !== null || this.halted) return;
    this.reconnecting = reason;
    this.host.connection(reason);
  }

  /** Kafka answered: a step of the run, a checkpoint's commit or a batch of input went through. */
  private connectionFine(): void {
    if (this.reconnecting === null) return;
    this.reconnecting = null;
    this.host.connection(null);
  }

  /** Starts the engine in an isolate of its own (server/src/isolate): the only place user code runs. */
  private async buildEngine(): Promise<RunEngine> {
    try {
      return await RunEngine.start(this.plan, {
        guestScript: this.config.guestScript,
        memoryMb: this.config.memoryMb,
        udfBudgetMs: this.config.udfBudgetMs,
        log: (message, nodeId) => this.host.log('info', message, nodeId),
      });
    } catch (err) {
      if (err instanceof GuestCallError && err.error.kind === 'build')
        throw new PermanentFailure(`the pipeline does not build: ${err.message}`);
      throw err;
    }
  }

  /** Moves processing time on (timers fire) and refreshes the node metrics. */
  private advanceProcessingTime(): void {
    if (this.halted || this.engine === null) return;
    this.engine.tick().catch((err: unknown) => this.fail(err));
  }

  private scheduleCheckpoint(delayMs: number): void {
    if (this.halted) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = null;
      void this.runCheckpoint();
    }, delayMs);
  }

  /** A checkpoint from the schedule (or an early one); schedules the next, or fails the run. */
  private async runCheckpoint(): Promise<void> {
    const started = Date.now();
    try {
      await this.checkpoint();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.checkpointTimer === null)
      this.scheduleCheckpoint(Math.max(0, this.plan.checkpointIntervalMs - (Date.now() - started)));
  }

  /** Too many sink records wait for the next checkpoint: take it now (or wait for the one in flight). */
  private async checkpointEarly(): Promise<void> {
    if (this.inFlight) {
      await this.inFlight.catch(() => {});
      return;
    }
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    await this.runCheckpoint();
  }

  /** Takes a checkpoint now and resolves when it is committed (after the one in flight, if any). */
  async checkpoint(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.failure !== null) throw new Error(this.failure);
    const engine = this.engine!;
    const started = performance.now();
    // The snapshot, the input positions and the sink records since the last checkpoint are taken with no slice of
    // input in between, so all three describe the same point of the input.
    const { snapshot, metrics, records, also: offsets } = await engine.cut(() => this.input!.currentOffsets());
    const counts = this.counts.totals(metrics);
    const sources: Record<string, string> = {};
    for (const s of this.plan.sources) sources[s.id] = s.topic;
    const plan = this.changelog.plan(snapshot, offsets, sources, counts as unknown as Json, Date.now());
    const write: CheckpointWrite = {
      groups: [...records, { topic: this.changelogTopic, messages: plan.messages }],
      offsets,
    };
    const step = `committing checkpoint ${plan.id}`;
    const output = this.output!;
    const input = this.input!;
    const commit = retryTransient(() => output.commit(write, input), {
      step,
      // A failed run commits nothing more; a stopping one still wants its savepoint.
      abandoned: () => this.failure !== null,
      onRetry: (err, delayMs) => {
        this.connectionTrouble(`${step}: ${errorMessage(err)}`);
        this.host.log('warn', `${step}: ${errorMessage(err)}; retrying in ${delayMs} ms`);
      },
    }).then(() => {
      this.connectionFine();
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

  metrics(): RuntimeMetrics {
    const now = Date.now();
    const nodes = this.engine ? this.counts.reading(this.engine.metrics, now) : {};
    const { partitions, lag } = this.input
      ? this.input.partitionMetrics(this.committedOffsets)
      : { partitions: [], lag: {} };
    return { at: now, nodes, lag, checkpoints: { ...this.checkpoints }, partitions };
  }

  /** Stops processing; with `savepoint`, commits a final checkpoint first. Leaves the consumer group. */
  async stop(savepoint: boolean): Promise<void> {
    this.halted = true;
    this.clearTimers();
    await this.starting?.catch(() => {});
    try {
      if (savepoint && this.started && this.failure === null) await this.checkpoint();
    } finally {
      await this.disconnect();
    }
  }

  private clearTimers(): void {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.checkpointTimer = null;
    this.tickTimer = null;
  }

  private async disconnect(): Promise<void> {
    const { output, admin } = this;
    // The input first: a librdkafka transaction's offsets need its consumer until the last commit has settled.
    await this.input?.disconnect();
    await Promise.all([output?.disconnect(), admin?.disconnect().catch(() => {})]);
    this.engine?.dispose();
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
    const { message, retriable, maxRetryDelayMs } = runFailure(err);
    void finishedWithin(this.disconnect(), 5000)
      .catch(() => false)
      .finally(() => this.host.failed(message, retriable, maxRetryDelayMs));
  }
}
