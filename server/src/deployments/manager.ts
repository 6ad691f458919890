/**
 * The deployment manager (DESIGN "The server"): runs each deployed pipeline in its own worker thread against Kafka,
 * remembers what should run across restarts of the server (even after kill -9), restarts failed deployments from
 * their last checkpoint with exponential backoff, and upgrades a running pipeline by stopping it with a savepoint
 * and restoring the new version's state by node id. The main thread never runs user code.
 *
 *   const manager = new DeploymentManager({ dataDir, kafka: { brokers: ['127.0.0.1:9092'] } });
 *   await manager.start();                               // resumes what was running
 *   const { id } = await manager.deploy(pipeline);       // id = pipeline id
 *   const off = manager.subscribe(id, (e) => …);         // 'status' and 'metrics' events
 *   await manager.stop(id);                              // savepoint, then stopped (remembered)
 *   await manager.shutdown();                            // savepoints everything, leaves it marked running
 *
 * Errors thrown on purpose are `DeploymentError`s (types.ts) with the `code` the HTTP layer answers with.
 */
import type { DeploymentHistory, TailRecord } from '../../../shared/api/deployments.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import { nodesWithRole } from '../../../shared/operators/registry.ts';
import { settingsOf, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import { guestScript } from '../isolate/guest-script.ts';
import { createKafka } from '../kafka/config.ts';
import { MetricsHistories } from './metrics-history.ts';
import { snapshotShape, stateProblems } from './pipeline-plan.ts';
import { SinkTails } from './sink-tail.ts';
import { DeploymentStore, type StoredDeployment } from './store.ts';
import { DeploymentWorker, type RunEnd } from './worker-handle.ts';
import {
  DeploymentDeletedError,
  DeploymentError,
  DeploymentNotFoundError,
  DeploymentStateError,
  DeploymentValidationError,
  FlinkUnconfiguredError,
  StateLossError,
  WEIR_PARALLELISM,
  type DeploymentListener,
  type DeploymentLogLine,
  type DeploymentManagerOptions,
  type DeploymentRuntimeInfo,
  type DeploymentStatus,
  type DeployOptions,
  type RuntimeMetrics,
} from './types.ts';
import { noCheckpoints } from '../../../shared/api/deployments.ts';
import { afterFailure } from './restart-policy.ts';

const STOP_TIMEOUT_MS = 30_000;

interface Entry {
  stored: StoredDeployment;
  status: DeploymentStatus;
  /** What keeps the deployment from running now (failed, restarting); cleared when a new run starts or it stops. */
  error?: string;
  /** The error of an earlier run, kept for the record once it no longer describes the current state. */
  lastError?: string;
  worker: DeploymentWorker | null;
  metrics: RuntimeMetrics;
  /** Checkpoints of earlier runs, so the counts go on across restarts. */
  checkpointsBefore: { completed: number; failed: number };
  restarts: number;
  /** Failures in a row without a completed checkpoint in between: the exponent of the backoff. */
  attempt: number;
  /** When the recent failures happened (the restart policy's failure rate). */
  failures: number[];
  /** Set while the run cannot reach Kafka and retries. */
  reconnecting?: { since: number; reason: string };
  restartTimer: NodeJS.Timeout | null;
  listeners: Set<DeploymentListener>;
  /** deploy/stop/resume of one deployment run one after another. */
  queue: Promise<unknown>;
}

function emptyRuntimeMetrics(): RuntimeMetrics {
  return {
    at: Date.now(),
    nodes: {},
    lag: {},
    partitions: [],
    checkpoints: noCheckpoints(),
  };
}

export class DeploymentManager {
  private readonly entries = new Map<string, Entry>();
  private readonly store: DeploymentStore;
  private readonly tails: SinkTails;
  /** Every reading of every deployment, sampled for GET /api/deployments/:id/history. */
  private readonly histories: MetricsHistories;
  private closed = false;
  private readonly log: (line: DeploymentLogLine) => void;
  /** The engine's script for the isolates user code runs in; loaded before the first run is launched. */
  private script: string | null = null;

  constructor(readonly options: DeploymentManagerOptions) {
    this.store = new DeploymentStore(options.dataDir);
    this.tails = new SinkTails(createKafka(options.kafka, 'server'));
    this.histories = new MetricsHistories(options.history);
    this.log =
      options.log ??
      ((line) => {
        const text = `[deployment ${line.deployment}${line.nodeId ? ` ${line.nodeId}` : ''}] ${line.message}`;
        if (line.level === 'error') console.error(text);
        else if (line.level === 'warn') console.warn(text);
        else console.log(text);
      });
  }

  /**
   * Reads `<dataDir>/deployments/` and starts every Weir-target deployment recorded as running (Flink ones are
   * flink-deployment.ts's). Call once, before the rest.
   */
  async start(): Promise<void> {
    await this.loadScript();
    for (const stored of this.store.load((message) => this.log({ deployment: '-', level: 'error', message }))) {
      if ((stored.target ?? 'weir') !== 'weir') continue;
      const entry = this.newEntry(stored);
      if (stored.desired === 'running') this.launch(entry);
      else {
        entry.status = stored.desired;
        if (typeof stored.error === 'string') {
          if (stored.desired === 'failed') entry.error = stored.error;
          else entry.lastError = stored.error;
        }
      }
    }
  }

  /**
   * Deploys a pipeline (its id is the deployment id) and resolves once its worker is starting. A pipeline id that
   * is already deployed is upgraded: `StateLossError` (E_STATE_LOSS) if the new graph drops state and
   * `allowStateLoss` is not set — the running version is left untouched then; otherwise the running version stops
   * with a savepoint and the new one starts from it. `DeploymentValidationError` (E_VALIDATION) for an invalid
   * document.
   */
  async deploy(pipeline: PipelineDoc, options: DeployOptions = {}): Promise<{ id: string; status: DeploymentStatus }> {
    this.ensureOpen();
    if (options.target === 'flink') throw new FlinkUnconfiguredError();
    if (options.parallelism !== undefined && options.parallelism !== 1)
      throw new DeploymentError('E_BAD_REQUEST', WEIR_PARALLELISM);
    const validation = validatePipeline(pipeline);
    if (!validation.ok) throw new DeploymentValidationError(validation.problems);
    const doc = validation.pipeline;
    const id = doc.id;
    const allowStateLoss = options.allowStateLoss === true;
    const existing = this.entries.get(id);
    const run = async () => {
      const entry = this.entries.get(id);
      if (entry) {
        const problems = stateProblems(doc, snapshotShape(entry.stored.pipeline));
        if ((problems.removed.length > 0 || problems.retyped.length > 0) && !allowStateLoss)
          throw new StateLossError(problems.removed, problems.retyped);
        await this.halt(entry, 'upgrading to a new version');
      }
      const stored: StoredDeployment = {
        id,
        pipeline: doc,
        desired: 'running',
        version: (entry?.stored.version ?? 0) + 1,
        deployedAt: Date.now(),
        allowStateLoss,
      };
      this.store.save(stored);
      const target = entry ?? this.newEntry(stored);
      target.stored = stored;
      target.restarts = 0;
      target.attempt = 0;
      delete target.error;
      delete target.lastError;
      this.launch(target);
      return { id, status: target.status };
    };
    return existing ? this.enqueue(existing, run) : run();
  }

  list(): DeploymentRuntimeInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  /** `DeploymentNotFoundError` (E_NOT_FOUND) when there is no such deployment. */
  get(id: string): DeploymentRuntimeInfo {
    return this.info(this.entry(id));
  }

  /** Takes a savepoint (a final checkpoint), stops, and remembers the deployment as stopped. */
  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const entry = this.entry(id);
    return this.enqueue(entry, async () => {
      entry.stored = { ...entry.stored, desired: 'stopped' };
      delete entry.stored.error;
      this.store.save(entry.stored);
      await this.halt(entry, 'stopped on request');
      this.retireError(entry);
      this.setStatus(entry, 'stopped');
      return this.info(entry);
    });
  }

  /** Starts a stopped or failed deployment from its last checkpoint. `DeploymentStateError` if it is running. */
  async resume(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const entry = this.entry(id);
    await this.loadScript();
    return this.enqueue(entry, async () => {
      if (entry.status !== 'stopped' && entry.status !== 'failed')
        throw new DeploymentStateError(
          `deployment "${id}" is ${entry.status}; only a stopped or failed deployment can be resumed`,
        );
      entry.stored = { ...entry.stored, desired: 'running' };
      delete entry.stored.error;
      this.store.save(entry.stored);
      entry.attempt = 0;
      entry.failures = [];
      this.launch(entry);
      return this.info(entry);
    });
  }

  /** The deployment's metrics over time (metrics-history.ts). `DeploymentNotFoundError` when there is no such deployment. */
  history(id: string): DeploymentHistory {
    this.entry(id);
    return this.histories.series(id);
  }

  /** Status and metrics events of one deployment; returns the unsubscribe function. */
  subscribe(id: string, listener: DeploymentListener): () => void {
    const entry = this.entry(id);
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /**
   * Reads a sink's topic (read_committed, so only checkpointed output) from a little before its end and calls
   * `listener` for each record as it arrives. Resolves once reading has started, with the unsubscribe function.
   */
  async tail(id: string, sinkId: string, listener: (record: TailRecord) => void): Promise<() => Promise<void>> {
    this.ensureOpen();
    return this.tails.start(id, this.entry(id).stored.pipeline, sinkId, listener);
  }

  /** Whether a deployment of this id runs (or ran) on the Weir server. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Forgets a stopped or failed deployment, so that its pipeline id can be deployed to another target (which writes
   * its own record in place of this one's). `DeploymentStateError` while it runs.
   */
  release(id: string): void {
    const entry = this.entry(id);
    if (entry.status !== 'stopped' && entry.status !== 'failed')
      throw new DeploymentStateError(`deployment "${id}" is ${entry.status}; stop it first`);
    this.entries.delete(id);
    this.histories.delete(id);
  }

  /**
   * Deletes a deployment (DELETE /api/deployments/:id): its record leaves `<dataDir>/deployments/`, a pending restart
   * is cancelled, and a run in progress ends at once, without a savepoint (the last completed checkpoint stands in
   * Kafka; see shared/api/deployments.ts for why). Its changelog topic and consumer group stay in Kafka. Actions
   * queued behind the deletion (a stop, a resume, a deploy sent meanwhile) are refused with E_STATE.
   */
  async remove(id: string): Promise<void> {
    this.ensureOpen();
    const entry = this.entry(id);
    try {
      await this.enqueue(entry, async () => {
        // The record first: a server that dies while the worker stops does not bring the deployment back.
        this.store.remove(id);
        if (entry.restartTimer) {
          clearTimeout(entry.restartTimer);
          entry.restartTimer = null;
        }
        const worker = entry.worker;
        // Detached first, so the end of this run is not taken for a failure to restart from.
        entry.worker = null;
        if (worker) {
          this.setStatus(entry, 'stopping');
          const end = await worker.stop(false, STOP_TIMEOUT_MS);
          if (end.kind === 'failed')
            this.log({
              deployment: id,
              level: 'warn',
              message: `deleted: ${end.message ?? 'the run failed as it ended'}`,
            });
        }
        this.entries.delete(id);
        this.histories.delete(id);
        this.setStatus(entry, 'stopped');
        entry.listeners.clear();
      });
    } catch (err) {
      // Two deletions at once: the second finds it gone.
      if (err instanceof DeploymentDeletedError) throw new DeploymentNotFoundError(id);
      throw err;
    }
  }

  /** Stops every worker with a savepoint, leaving each deployment's recorded state as it was (for `start()`). */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([
      this.tails.stopAll(),
      ...[...this.entries.values()].map((entry) =>
        this.enqueue(entry, () => this.halt(entry, 'server shutting down')).catch(() => {}),
      ),
    ]);
  }

  private ensureOpen(): void {
    if (this.closed) throw new DeploymentStateError('the deployment manager is shut down');
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new DeploymentNotFoundError(id);
    return entry;
  }

  private newEntry(stored: StoredDeployment): Entry {
    const entry: Entry = {
      stored,
      status: 'starting',
      worker: null,
      metrics: emptyRuntimeMetrics(),
      checkpointsBefore: { completed: 0, failed: 0 },
      restarts: 0,
      attempt: 0,
      failures: [],
      restartTimer: null,
      listeners: new Set(),
      queue: Promise.resolve(),
    };
    this.entries.set(stored.id, entry);
    return entry;
  }

  private enqueue<T>(entry: Entry, work: () => Promise<T>): Promise<T> {
    // An action that waited behind the deployment's deletion (or release) must not act on a record that is gone.
    const action = () =>
      this.entries.get(entry.stored.id) === entry
        ? work()
        : Promise.reject(new DeploymentDeletedError(entry.stored.id));
    const result = entry.queue.then(action, action);
    entry.queue = result.catch(() => {});
    return result;
  }

  private info(entry: Entry): DeploymentRuntimeInfo {
    const doc = entry.stored.pipeline;
    const sinks: Record<string, string> = {};
    for (const node of nodesWithRole(doc.nodes, 'sink')) sinks[node.id] = node.params.topic as string;
    const info: DeploymentRuntimeInfo = {
      id: entry.stored.id,
      pipelineId: doc.id,
      pipelineName: doc.name,
      status: entry.status,
      sinks,
      metrics: entry.metrics,
      delivery: settingsOf(doc).delivery,
      version: entry.stored.version,
      deployedAt: entry.stored.deployedAt,
      restarts: entry.restarts,
      target: 'weir',
      parallelism: 1,
    };
    if (entry.error !== undefined) info.error = entry.error;
    if (entry.lastError !== undefined) info.lastError = entry.lastError;
    if (entry.reconnecting !== undefined && entry.worker !== null) info.reconnecting = { ...entry.reconnecting };
    return info;
  }

  private emit(entry: Entry, event: Parameters<DeploymentListener>[0]): void {
    for (const listener of entry.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log({
          deployment: entry.stored.id,
          level: 'error',
          message: `a status listener threw: ${(err as Error).message}`,
        });
      }
    }
  }

  private setStatus(entry: Entry, status: DeploymentStatus, error?: string): void {
    entry.status = status;
    if (error !== undefined) entry.error = error;
    this.emit(entry, { type: 'status', data: this.info(entry) });
  }

  /** The error no longer describes what the deployment is doing (a new run starts, or it stopped): keep it as history. */
  private retireError(entry: Entry): void {
    if (entry.error === undefined) return;
    entry.lastError = entry.error;
    delete entry.error;
  }

  private async loadScript(): Promise<void> {
    this.script ??= await guestScript();
  }

  private launch(entry: Entry): void {
    if (this.closed) return;
    if (this.script === null) throw new Error('the engine script is not loaded: call start() first');
    const stored = entry.stored;
    const limits = this.options.limits ?? {};
    this.retireError(entry);
    this.setStatus(entry, 'starting');
    const worker: DeploymentWorker = new DeploymentWorker(
      {
        deploymentId: stored.id,
        pipeline: stored.pipeline,
        kafka: this.options.kafka,
        allowStateLoss: stored.allowStateLoss,
        udfBudgetMs: limits.udfBudgetMs ?? 1000,
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
        guestScript: this.script,
        memoryMb: limits.workerMemoryMb ?? 512,
      },
      {
        memoryMb: limits.workerMemoryMb ?? 512,
        heartbeatTimeoutMs: limits.heartbeatTimeoutMs ?? 60_000,
        metricsIntervalMs: this.options.metricsIntervalMs ?? 1000,
      },
      {
        running: () => {
          if (entry.worker === worker && entry.status === 'starting') this.setStatus(entry, 'running');
        },
        connection: (reason) => {
          if (entry.worker !== worker) return;
          if (reason === null) delete entry.reconnecting;
          else entry.reconnecting = { since: Date.now(), reason };
          this.log({
            deployment: stored.id,
            level: reason === null ? 'info' : 'warn',
            message: reason === null ? 'Kafka answers again' : `reconnecting to Kafka: ${reason}`,
          });
          this.setStatus(entry, entry.status);
        },
        metrics: (metrics) => {
          if (entry.worker !== worker) return;
          this.updateMetrics(entry, metrics);
          if (metrics.checkpoints.completed > 0 && entry.attempt > 0) {
            // Healthy again: the next failure starts the backoff from the beginning.
            entry.attempt = 0;
            delete entry.error;
            this.setStatus(entry, entry.status);
          }
        },
        log: (level, message, nodeId) =>
          this.log({ deployment: stored.id, level, message, ...(nodeId === undefined ? {} : { nodeId }) }),
        ended: (end) => this.onRunEnded(entry, worker, end),
      },
    );
    entry.worker = worker;
  }

  private updateMetrics(entry: Entry, metrics: RuntimeMetrics): void {
    const before = entry.checkpointsBefore;
    entry.metrics = {
      ...metrics,
      checkpoints: {
        ...metrics.checkpoints,
        completed: metrics.checkpoints.completed + before.completed,
        failed: metrics.checkpoints.failed + before.failed,
      },
    };
    this.histories.record(entry.stored.id, entry.metrics, entry.restarts);
    this.emit(entry, { type: 'metrics', data: entry.metrics });
  }

  private onRunEnded(entry: Entry, worker: DeploymentWorker, end: RunEnd): void {
    if (entry.worker !== worker) return;
    entry.worker = null;
    delete entry.reconnecting;
    this.endRun(entry, end);
    if (end.kind === 'stopped' || this.closed) return;
    const message = end.message ?? 'the deployment ended';
    this.log({ deployment: entry.stored.id, level: 'error', message });
    if (!end.retriable) {
      entry.stored = { ...entry.stored, desired: 'failed', error: message };
      this.store.save(entry.stored);
      this.setStatus(entry, 'failed', message);
      return;
    }
    const decision = afterFailure(this.options.restart ?? {}, entry.failures, entry.attempt, {
      message,
      ...(end.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: end.maxRetryDelayMs }),
    });
    if (decision.kind === 'fail') {
      this.log({ deployment: entry.stored.id, level: 'error', message: decision.message });
      entry.stored = { ...entry.stored, desired: 'failed', error: decision.message };
      this.store.save(entry.stored);
      this.setStatus(entry, 'failed', decision.message);
      return;
    }
    const delay = decision.delayMs;
    entry.attempt++;
    entry.restarts++;
    this.setStatus(entry, 'restarting', message);
    this.log({
      deployment: entry.stored.id,
      level: 'warn',
      message: `restarting from the last checkpoint in ${delay} ms`,
    });
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = null;
      if (entry.stored.desired === 'running' && entry.worker === null) this.launch(entry);
    }, delay);
  }

  /** The last figures of a run that ended; the next run's checkpoint counts continue from them. */
  private endRun(entry: Entry, end: RunEnd): void {
    if (end.metrics) this.updateMetrics(entry, end.metrics);
    entry.checkpointsBefore = {
      completed: entry.metrics.checkpoints.completed,
      failed: entry.metrics.checkpoints.failed,
    };
  }

  /** Ends the current run, if any, with a savepoint; a pending restart is cancelled. */
  private async halt(entry: Entry, reason: string): Promise<void> {
    if (entry.restartTimer) {
      clearTimeout(entry.restartTimer);
      entry.restartTimer = null;
    }
    const worker = entry.worker;
    if (!worker) return;
    // Detached first, so the end of this run is not taken for a failure to restart from.
    entry.worker = null;
    this.setStatus(entry, 'stopping');
    const end = await worker.stop(true, STOP_TIMEOUT_MS);
    this.endRun(entry, end);
    if (end.kind === 'failed') {
      this.log({
        deployment: entry.stored.id,
        level: 'warn',
        message: `${reason}: ${end.message ?? 'failed'}; the last completed checkpoint stands`,
      });
    }
  }
}
