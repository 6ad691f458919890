/**
 * One deployment on the Weir server over its life: its record, its status and error, its figures (checkpoint counts
 * go on across runs), and its runs — each a worker thread (worker-handle.ts) — started, restarted after a failure by
 * the restart policy (restart-policy.ts), and ended with a savepoint (a stop, an upgrade, a shutdown) or without one
 * (a delete). DeploymentManager (manager.ts) holds one per deployment and runs the actions on each one after another;
 * FlinkRun (flink-run.ts) is the same for the Flink target.
 */
import { baseMetrics } from './metrics-base.ts';
import type { Logger } from '../log.ts';
import type { MetricsHistories } from './metrics-history.ts';
import { afterFailure } from './restart-policy.ts';
import { runInfo } from './run-info.ts';
import type { DeploymentStore, StoredDeployment } from './store.ts';
import type {
  DeploymentListener,
  DeploymentManagerOptions,
  DeploymentRuntimeInfo,
  DeploymentStatus,
  RuntimeMetrics,
} from './types.ts';
import { DeploymentWorker, type RunEnd } from './worker-handle.ts';

const STOP_TIMEOUT_MS = 30_000;

export interface WeirRunContext {
  options: DeploymentManagerOptions;
  store: DeploymentStore;
  /** Every reading of every deployment, sampled for GET /api/deployments/:id/history. */
  histories: MetricsHistories;
  /** The engine's script for the isolates user code runs in; null until the manager has loaded it. */
  guestScript(): string | null;
  /** The manager is shut down: nothing new is launched or restarted. */
  closed(): boolean;
  logger: Logger;
}

export class WeirRun {
  private readonly context: WeirRunContext;
  stored: StoredDeployment;

  status: DeploymentStatus = 'starting';
  /** What keeps the deployment from running now (failed, restarting); cleared when a new run starts or it stops. */
  error?: string;
  /** The error of an earlier run, kept for the record once it no longer describes the current state. */
  lastError?: string;
  metrics: RuntimeMetrics = baseMetrics();
  restarts = 0;
  /** Failures in a row without a completed checkpoint in between: the exponent of the backoff. */
  attempt = 0;
  /** When the recent failures happened (the restart policy's failure rate). */
  failures: number[] = [];
  readonly listeners = new Set<DeploymentListener>();
  /** deploy/stop/resume of the deployment run one after another (DeploymentManager.enqueue). */
  queue: Promise<unknown> = Promise.resolve();
  /** The deployment's log: its lifecycle, its runs' warnings and its user code's `ctx.log` lines. */
  readonly log: Logger;
  private worker: DeploymentWorker | null = null;
  /** Checkpoints of earlier runs, so the counts go on across restarts. */
  private checkpointsBefore = { completed: 0, failed: 0 };
  /** Set while the run cannot reach Kafka and retries. */
  private reconnecting?: { since: number; reason: string };
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(context: WeirRunContext, stored: StoredDeployment) {
    this.context = context;
    this.stored = stored;
    this.log = context.logger.child({ deployment: stored.id });
  }

  info(): DeploymentRuntimeInfo {
    const info = runInfo(this.stored, this, { target: 'weir', parallelism: 1 });
    if (this.reconnecting !== undefined && this.worker !== null) info.reconnecting = { ...this.reconnecting };
    return info;
  }

  save(changes: Partial<StoredDeployment>): void {
    this.stored = { ...this.stored, ...changes };
    this.context.store.save(this.stored);
  }

  setStatus(status: DeploymentStatus, error?: string): void {
    this.status = status;
    if (error !== undefined) this.error = error;
    this.emit({ type: 'status', data: this.info() });
  }

  /** The error no longer describes what the deployment is doing (a new run starts, or it stopped): keep it as history. */
  retireError(): void {
    if (this.error === undefined) return;
    this.lastError = this.error;
    delete this.error;
  }

  /** Starts a run of the stored version in a worker thread, from the last checkpoint. */
  launch(): void {
    if (this.context.closed()) return;
    const script = this.context.guestScript();
    if (script === null) throw new Error('the engine script is not loaded: call start() first');
    const stored = this.stored;
    const options = this.context.options;
    const limits = options.limits ?? {};
    this.retireError();
    this.setStatus('starting');
    this.log.info(`starting version ${stored.version}`);
    const worker: DeploymentWorker = new DeploymentWorker(
      {
        deploymentId: stored.id,
        pipeline: stored.pipeline,
        kafka: options.kafka,
        allowStateLoss: stored.allowStateLoss,
        udfBudgetMs: limits.udfBudgetMs ?? 1000,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
        guestScript: script,
        memoryMb: limits.workerMemoryMb ?? 512,
      },
      {
        memoryMb: limits.workerMemoryMb ?? 512,
        heartbeatTimeoutMs: limits.heartbeatTimeoutMs ?? 60_000,
        metricsIntervalMs: options.metricsIntervalMs ?? 1000,
      },
      {
        running: () => {
          if (this.worker !== worker || this.status !== 'starting') return;
          this.log.info(`running version ${stored.version}`);
          this.setStatus('running');
        },
        connection: (reason) => {
          if (this.worker !== worker) return;
          if (reason === null) {
            delete this.reconnecting;
            this.log.info('Kafka answers again');
          } else {
            this.reconnecting = { since: Date.now(), reason };
            this.log.warn(`reconnecting to Kafka: ${reason}`);
          }
          this.setStatus(this.status);
        },
        metrics: (metrics) => {
          if (this.worker !== worker) return;
          this.updateMetrics(metrics);
          if (metrics.checkpoints.completed > 0 && this.attempt > 0) {
            // Healthy again: the next failure starts the backoff from the beginning.
            this.attempt = 0;
            delete this.error;
            this.setStatus(this.status);
          }
        },
        log: (level, message, nodeId) =>
          nodeId === undefined ? this.log[level](message) : this.log[level]({ nodeId }, message),
        ended: (end) => this.onRunEnded(worker, end),
      },
    );
    this.worker = worker;
  }

  /** Ends the current run, if any, with a savepoint; a pending restart is cancelled. */
  async halt(reason: string): Promise<void> {
    const end = await this.endCurrent(true);
    if (end === null) return;
    this.endRun(end);
    if (end.kind === 'failed')
      this.log.warn(`${reason}: ${end.message ?? 'failed'}; the last completed checkpoint stands`);
    else this.log.info(`${reason}: stopped with a savepoint`);
  }

  /**
   * Ends the current run, if any, at once and without a savepoint (a delete: the last completed checkpoint stands in
   * Kafka); a pending restart is cancelled.
   */
  async discard(): Promise<void> {
    const end = await this.endCurrent(false);
    if (end?.kind === 'failed') this.log.warn(`deleted: ${end.message ?? 'the run failed as it ended'}`);
  }

  /** Cancels a pending restart and stops the current run (null when there is none), with a savepoint or not. */
  private async endCurrent(savepoint: boolean): Promise<RunEnd | null> {
    this.cancelRestart();
    const worker = this.worker;
    if (!worker) return null;
    // Detached first, so the end of this run is not taken for a failure to restart from.
    this.worker = null;
    this.setStatus('stopping');
    return worker.stop(savepoint, STOP_TIMEOUT_MS);
  }

  private cancelRestart(): void {
    if (!this.restartTimer) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private emit(event: Parameters<DeploymentListener>[0]): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error(`a status listener threw: ${(err as Error).message}`);
      }
    }
  }

  private updateMetrics(metrics: RuntimeMetrics): void {
    const before = this.checkpointsBefore;
    this.metrics = {
      ...metrics,
      checkpoints: {
        ...metrics.checkpoints,
        completed: metrics.checkpoints.completed + before.completed,
        failed: metrics.checkpoints.failed + before.failed,
      },
    };
    this.context.histories.record(this.stored.id, this.metrics, this.restarts);
    this.emit({ type: 'metrics', data: this.metrics });
  }

  /** The last figures of a run that ended; the next run's checkpoint counts continue from them. */
  private endRun(end: RunEnd): void {
    if (end.metrics) this.updateMetrics(end.metrics);
    this.checkpointsBefore = {
      completed: this.metrics.checkpoints.completed,
      failed: this.metrics.checkpoints.failed,
    };
  }

  /** A run ended by itself: failed for good, or restarted from the last checkpoint after the policy's delay. */
  private onRunEnded(worker: DeploymentWorker, end: RunEnd): void {
    if (this.worker !== worker) return;
    this.worker = null;
    delete this.reconnecting;
    this.endRun(end);
    if (end.kind === 'stopped' || this.context.closed()) return;
    const message = end.message ?? 'the deployment ended';
    this.log.error(message);
    if (!end.retriable) {
      this.save({ desired: 'failed', error: message });
      this.setStatus('failed', message);
      return;
    }
    const decision = afterFailure(this.context.options.restart ?? {}, this.failures, this.attempt, {
      message,
      ...(end.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: end.maxRetryDelayMs }),
    });
    if (decision.kind === 'fail') {
      this.log.error(decision.message);
      this.save({ desired: 'failed', error: decision.message });
      this.setStatus('failed', decision.message);
      return;
    }
    const delay = decision.delayMs;
    this.attempt++;
    this.restarts++;
    this.setStatus('restarting', message);
    this.log.warn(`restarting from the last checkpoint in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stored.desired === 'running' && this.worker === null) this.launch();
    }, delay);
  }
}
