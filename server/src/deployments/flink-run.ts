/**
 * One deployment on Flink over its life: its record (target, parallelism, job id, what the next job restores), its
 * status as the job's state reads (flink-status.ts), its figures (flink/job-metrics.ts), and its job — submitted
 * (again while a source topic is missing), read every poll interval, stopped with a savepoint. FlinkDeployments
 * (flink-deployment.ts) holds one per deployment and runs the actions on each one after another.
 */
import type { DeploymentMetrics, DeploymentStatus } from '../../../shared/api/deployments.ts';
import { FlinkClusterError, MissingTopicError, type FlinkCluster } from '../flink/cluster.ts';
import { FlinkJobMetrics } from '../flink/job-metrics.ts';
import { baseMetrics } from './metrics-base.ts';
import { createKafka, type KafkaConfig } from '../kafka/config.ts';
import type { Logger } from '../log.ts';
import { ensureTopics } from '../kafka/topics.ts';
import { lastRetainedCheckpoint, untilJobOver } from './flink-job-end.ts';
import { jobStatus, TERMINAL_JOB_STATES } from './flink-status.ts';
import { MetricsHistory, type HistoryOptions } from './metrics-history.ts';
import { planDeployment } from './pipeline-plan.ts';
import { MissingTopicsError } from './run-failures.ts';
import { runInfo } from './run-info.ts';
import type { DeploymentStore, StoredDeployment, StoredFlinkJob } from './store.ts';
import {
  DeploymentDeletedError,
  DeploymentError,
  type DeploymentListener,
  type DeploymentRuntimeInfo,
} from './types.ts';

/** A full cluster is asked again this long (slots an upgraded job held are free a moment after it stopped). */
const FULL_RETRY_MS = 30_000;

export type FlinkStored = StoredDeployment & { target: 'flink'; parallelism: number; flink: StoredFlinkJob };

export interface FlinkRunContext {
  cluster: FlinkCluster;
  kafka: KafkaConfig;
  store: DeploymentStore;
  udfBudgetMs: number;
  pollIntervalMs: number;
  history: HistoryOptions;
  logger: Logger;
  /** The owner is shut down: nothing new is submitted or read. */
  closed(): boolean;
}

export class FlinkRun {
  private readonly context: FlinkRunContext;
  public stored: FlinkStored;

  status: DeploymentStatus = 'starting';
  error?: string;
  lastError?: string;
  /** Flink's count of the current job's restarts. */
  restarts = 0;
  /** Flink's state of the job as last seen. */
  jobState: string | null = null;
  metrics: DeploymentMetrics;
  /** Every reading of the job's figures, sampled for GET /api/deployments/:id/history. */
  readonly history: MetricsHistory;
  /** The deployment's log: its job's lifecycle and failures. */
  readonly log: Logger;
  readonly listeners = new Set<DeploymentListener>();
  private reader: FlinkJobMetrics | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** Every job start, stop and upgrade takes the next number; work begun under an older one drops its result. */
  private run = 0;
  /** What the last status event said, so that an unchanged poll sends none. */
  private shown = '';

  constructor(context: FlinkRunContext, stored: FlinkStored) {
    this.context = context;
    this.stored = stored;
    this.metrics = baseMetrics({
      countsBefore: stored.flink.countsBefore,
      checkpointsBefore: stored.flink.checkpointsBefore,
    });
    this.history = new MetricsHistory(context.history);
    this.log = context.logger.child({ deployment: stored.id });
  }

  private get client() {
    return this.context.cluster.client;
  }

  /** A job of this run may hold task slots (it has not ended as far as Weir knows). */
  get holdsSlots(): boolean {
    return (
      this.stored.flink.jobId !== null &&
      this.status !== 'stopped' &&
      this.status !== 'failed' &&
      !TERMINAL_JOB_STATES.has(this.jobState ?? '')
    );
  }

  /** Set by FlinkDeployments.remove: the deployment is deleted, and actions queued behind that are refused. */
  removed = false;

  /** Runs `action` after every action queued before it. */
  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const action = () => (this.removed ? Promise.reject(new DeploymentDeletedError(this.stored.id)) : work());
    const result = this.queue.then(action, action);
    this.queue = result.catch(() => {});
    return result;
  }

  save(changes: Partial<FlinkStored>): void {
    this.stored = { ...this.stored, ...changes };
    this.context.store.save(this.stored);
  }

  info(): DeploymentRuntimeInfo {
    const jobId = this.stored.flink.jobId;
    return runInfo(this.stored, this, {
      target: 'flink',
      parallelism: this.stored.parallelism,
      flink: {
        restUrl: this.stored.flink.restUrl,
        jobId,
        dashboardUrl:
          jobId === null ? null : this.client.dashboardUrl(jobId, TERMINAL_JOB_STATES.has(this.jobState ?? '')),
        state: this.jobState,
        savepointPath: this.stored.flink.savepointPath,
      },
    });
  }

  /** Sets the status (and the error, when given; `null` retires it) and tells the listeners if anything changed. */
  show(status: DeploymentStatus, error?: string | null): void {
    const was = this.status;
    this.status = status;
    if (error === null) this.retireError();
    else if (error !== undefined) this.error = error;
    // Failures say more where they happen (fail()).
    if (status !== was && status === 'restarting') this.log.warn(`restarting: ${this.error ?? 'the job restarts'}`);
    else if (status !== was && status !== 'failed') this.log.info(`status: ${status}`);
    const info = this.info();
    const shown = JSON.stringify({ ...info, metrics: undefined });
    if (shown === this.shown) return;
    this.shown = shown;
    this.emit({ type: 'status', data: info });
  }

  /** The error no longer describes what the deployment does: keep it as history. */
  retireError(): void {
    if (this.error === undefined) return;
    this.lastError = this.error;
    delete this.error;
  }

  /** Submits the deployment's job, then watches it. */
  launch(): void {
    if (this.context.closed()) return;
    const run = ++this.run;
    this.restarts = 0;
    this.jobState = null;
    this.reader = null;
    // The last run's job is over: nothing may take it for the new one's (halt must not stop it again).
    this.save({ flink: { ...this.stored.flink, jobId: null } });
    this.retireError();
    this.show('starting');
    void this.submit(run);
  }

  /** Watches the job a server that started again found in the record. */
  resumeWatching(): void {
    if (this.stored.flink.jobId) this.watch(this.stored.flink.jobId, this.run);
    else this.launch();
  }

  /** Stops reading the job (the server shuts down; the job goes on). */
  stopWatching(): void {
    this.run++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Ends the current run: a submission in flight is dropped, the job stops with a savepoint (or, when it cannot
   * take one, is cancelled and its last checkpoint stands), and the record says what the next job restores.
   */
  async halt(reason: string): Promise<void> {
    const holdsSlots = this.holdsSlots;
    this.stopWatching();
    const run = this.run;
    const jobId = this.stored.flink.jobId;
    if (jobId === null || !holdsSlots) return;
    this.show('stopping');
    let savepoint: string | null = null;
    try {
      savepoint = await this.client.stopWithSavepoint(jobId);
      this.log.info(`${reason}: savepoint ${savepoint}`);
    } catch (err) {
      const message = `${reason}: the savepoint failed (${(err as Error).message}); the job is cancelled and its last completed checkpoint stands`;
      this.log.warn(message);
      await this.client.cancel(jobId).catch(() => {});
      this.lastError = message;
    }
    // Stopped means over, its task slots free for what comes next (a resume, the new version).
    await untilJobOver(this.client, jobId);
    const resumeFrom =
      savepoint ?? (await lastRetainedCheckpoint(this.client, jobId, true)) ?? this.stored.flink.resumeFrom;
    this.jobState = savepoint ? 'FINISHED' : 'CANCELED';
    if (this.run === run) this.settle({ savepointPath: savepoint ?? this.stored.flink.savepointPath, resumeFrom });
  }

  /**
   * Ends the current run at once, without a savepoint, as Flink's `cancel` does (DELETE): the job is cancelled and
   * waited for, and the record is not written again. When the cluster cannot be told while the job still runs, the
   * deployment is kept, watched again, and E_FLINK_UNAVAILABLE says why: a job nobody watches must not run on.
   */
  async cancel(): Promise<void> {
    const holdsSlots = this.holdsSlots;
    this.stopWatching(); // also drops a submission in flight: its job is cancelled as it arrives
    const jobId = this.stored.flink.jobId;
    if (jobId === null || !holdsSlots) return;
    try {
      await this.client.cancel(jobId);
    } catch (err) {
      const state = await this.client.job(jobId).then(
        (job) => job.state as string,
        (e: unknown) => ((e as { status?: number }).status === 404 ? 'UNKNOWN' : null),
      );
      if (state === null || !(TERMINAL_JOB_STATES.has(state) || state === 'UNKNOWN')) {
        this.watch(jobId, this.run);
        throw new DeploymentError(
          'E_FLINK_UNAVAILABLE',
          `the Flink job ${jobId} could not be cancelled, so the deployment is kept: ${(err as Error).message}`,
        );
      }
      return;
    }
    this.show('stopping');
    await untilJobOver(this.client, jobId);
    this.jobState = 'CANCELED';
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

  private publish(metrics: DeploymentMetrics): void {
    this.metrics = metrics;
    this.history.record(metrics, this.restarts);
    this.emit({ type: 'metrics', data: metrics });
  }

  private fail(message: string): void {
    this.log.error(message);
    this.save({ desired: 'failed', error: message });
    this.show('failed', message);
  }

  private async submit(run: number): Promise<void> {
    const stored = this.stored;
    const plan = planDeployment(stored.pipeline);
    const fullUntil = Date.now() + FULL_RETRY_MS;
    for (;;) {
      if (this.run !== run || this.context.closed()) return;
      try {
        await this.ensureSinkTopics([...new Set([...plan.sinks.values()].map((s) => s.topic))]);
        const resumeFrom = stored.flink.resumeFrom;
        const jobId = await this.context.cluster.submit({
          pipeline: plan.pipeline,
          deploymentId: stored.id,
          parallelism: stored.parallelism,
          kafka: this.context.kafka,
          udfBudgetMs: this.context.udfBudgetMs,
          ...(resumeFrom ? { savepointPath: resumeFrom, allowNonRestoredState: stored.allowStateLoss } : {}),
        });
        if (this.run !== run) {
          // Stopped or upgraded while the submission was on its way: that job must not run.
          await this.client.cancel(jobId).catch(() => {});
          return;
        }
        this.save({ flink: { ...this.stored.flink, jobId } });
        this.log.info(`submitted as Flink job ${jobId}${resumeFrom ? ` from ${resumeFrom}` : ''}`);
        this.watch(jobId, run);
        return;
      } catch (err) {
        if (this.run !== run) return;
        if (err instanceof MissingTopicError) {
          this.show('restarting', new MissingTopicsError(err.topics).message);
          await new Promise((resolve) => setTimeout(resolve, MissingTopicsError.RETRY_DELAY_MS));
          continue;
        }
        if (err instanceof FlinkClusterError && err.reason === 'full' && Date.now() < fullUntil) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        this.fail(
          `the job could not be submitted to the Flink cluster at ${this.context.cluster.restUrl}: ${(err as Error).message}`,
        );
        return;
      }
    }
  }

  private async ensureSinkTopics(topics: string[]): Promise<void> {
    const admin = createKafka(this.context.kafka, 'flink-topics').admin();
    await admin.connect();
    try {
      await ensureTopics(
        admin,
        topics.map((topic) => ({ topic })),
      );
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the job's state and figures every poll interval until it ends or the run changes. */
  private watch(jobId: string, run: number): void {
    const plan = planDeployment(this.stored.pipeline);
    const base = {
      countsBefore: this.stored.flink.countsBefore,
      checkpointsBefore: this.stored.flink.checkpointsBefore,
    };
    this.reader = new FlinkJobMetrics(
      this.client,
      jobId,
      plan.pipeline.nodes.map((n) => n.id),
      plan.sources.map((s) => s.id),
      base,
    );
    const tick = async () => {
      this.timer = null;
      if (this.run !== run || this.context.closed()) return;
      const again = await this.poll(jobId, run).catch((err: unknown) => {
        this.log.warn(`reading the Flink job's state failed: ${(err as Error).message}`);
        return true;
      });
      if (again && this.run === run && !this.context.closed())
        this.timer = setTimeout(() => void tick(), this.context.pollIntervalMs);
    };
    void tick();
  }

  /** One look at the job; false once it has ended (failed, cancelled or finished outside Weir). */
  private async poll(jobId: string, run: number): Promise<boolean> {
    const client = this.client;
    let job;
    try {
      job = await client.job(jobId);
    } catch (err) {
      if (this.run !== run) return false;
      if ((err as { status?: number }).status === 404) {
        await this.ended(jobId, run);
        this.fail(
          `the Flink cluster at ${this.context.cluster.restUrl} no longer knows job ${jobId} (a session cluster without high availability forgets its jobs when its JobManager restarts); Resume submits it again`,
        );
        return false;
      }
      this.show(this.status, `cannot read job ${jobId} from the Flink cluster: ${(err as Error).message}`);
      return true;
    }
    if (this.run !== run) return false;
    this.jobState = job.state;
    const verdict = jobStatus(job);
    if (verdict.ended) {
      const reason = verdict.failed
        ? ((await client.rootException(jobId).catch(() => undefined)) ?? 'no reason given')
        : undefined;
      await this.ended(jobId, run);
      if (this.run !== run) return false;
      if (verdict.status === 'stopped') {
        this.save({ desired: 'stopped' });
        delete this.error;
        this.lastError = `the Flink job ${jobId} was stopped outside Weir (in Flink's dashboard, REST API or CLI)`;
        this.show('stopped');
      } else if (verdict.failed) this.fail(`the Flink job failed: ${reason}`);
      else
        this.fail(
          `the Flink job ${jobId} was cancelled outside Weir (in Flink's dashboard or REST API); Resume starts it again from its last checkpoint`,
        );
      return false;
    }
    const [metrics, restarts, reason] = await Promise.all([
      this.reader!.read(job),
      client.jobMetrics(jobId, ['numRestarts']).then(
        (m) => Number(m[0]?.value),
        () => NaN,
      ),
      verdict.status === 'restarting' ? client.rootException(jobId).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    if (this.run !== run) return false;
    if (Number.isInteger(restarts)) this.restarts = restarts;
    this.show(verdict.status, verdict.status === 'restarting' ? (reason ?? `the Flink job is ${job.state}`) : null);
    this.publish(metrics);
    return true;
  }

  /** A job that ended by itself: keep its figures, and its last checkpoint as what Resume starts from. */
  private async ended(jobId: string, run: number): Promise<void> {
    const checkpoint = await lastRetainedCheckpoint(this.client, jobId, this.jobState !== 'FAILED');
    if (this.run !== run) return;
    this.settle({ resumeFrom: checkpoint ?? this.stored.flink.resumeFrom });
  }

  /** Folds the job's figures into the record (for the next job) and notes what the next job restores. */
  private settle(flink: Partial<StoredFlinkJob>): void {
    const carried = this.reader?.carried();
    if (this.reader) {
      // Rates and back pressure describe a job that runs: the counts stay, they go.
      const nodes = Object.fromEntries(
        Object.entries(this.reader.last.nodes).map(([id, n]) => [id, { in: n.in, out: n.out, errors: n.errors }]),
      );
      this.publish({ ...this.reader.last, at: Date.now(), nodes });
    }
    this.reader = null;
    this.save({ flink: { ...this.stored.flink, ...(carried ?? {}), ...flink } });
  }
}
