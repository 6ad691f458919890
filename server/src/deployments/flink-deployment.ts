/**
 * Deployments on a Flink session cluster (DESIGN "Outgrowing one machine"): the pipeline runs as a job of the Flink
 * runner, submitted and watched through Flink's REST API. Flink runs it — checkpoints, restarts after a failure,
 * exactly-once Kafka output — and the Weir server keeps the record (target, parallelism, job id, the savepoint to
 * resume from) in the same deployment files as its own deployments, reads the job's state and figures every
 * `pollIntervalMs`, and offers the same actions:
 *
 *   Deploy   check the cluster (E_FLINK_FULL, E_FLINK_UNAVAILABLE), submit; an upgrade stops the running job with a
 *            savepoint first and starts the new version from it (Weir's state-loss rule holds: E_STATE_LOSS unless
 *            allowStateLoss, which then submits with allowNonRestoredState)
 *   Stop     stop with a savepoint, remembered for Resume
 *   Resume   submit again from that savepoint (or from the last checkpoint of a job that failed)
 *   Delete   cancel the job (no savepoint) and forget the deployment
 *
 * A job outlives the Weir server: shutdown() only stops watching, and start() finds the job again by its id.
 */
import type { DeploymentHistory, DeploymentStatus, TailRecord } from '../../../shared/api/deployments.ts';
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import { FlinkClusterError, type FlinkCluster } from '../flink/cluster.ts';
import { nothingBefore, type MetricsBase } from './metrics-base.ts';
import { createKafka, type KafkaConfig } from '../kafka/config.ts';
import { ParallelismChangeError } from './flink-status.ts';
import { FlinkRun, type FlinkRunContext, type FlinkStored } from './flink-run.ts';
import { seriesOf, type HistoryOptions } from './metrics-history.ts';
import { snapshotShape, stateProblems } from './pipeline-plan.ts';
import { SinkTails } from './sink-tail.ts';
import { DeploymentStore } from './store.ts';
import {
  DeploymentDeletedError,
  DeploymentError,
  DeploymentNotFoundError,
  DeploymentStateError,
  DeploymentValidationError,
  StateLossError,
  type DeploymentListener,
  type DeploymentRuntimeInfo,
  type DeploymentLogLine,
  type DeployOptions,
  deploymentLogger,
} from './types.ts';

/** How long a resume or an upgrade waits for slots its own job held (a stop returns once the job is over). */
const SLOTS_FREED_MS = 10_000;

export interface FlinkDeploymentsOptions {
  /** The same directory as the DeploymentManager's: `<dataDir>/deployments/<id>.json`. */
  dataDir: string;
  /** How the server reaches Kafka; the cluster's jobs get the same settings. */
  kafka: KafkaConfig;
  cluster: FlinkCluster;
  udfBudgetMs?: number;
  /** How often each job's state and figures are read; default 2000 ms. */
  pollIntervalMs?: number;
  /** Resolution and length of each deployment's metrics history (metrics-history.ts); default 5 s × 240 points. */
  history?: HistoryOptions;
  /** Where deployment log lines go instead of the server's log (log.ts), as DeploymentManagerOptions.log. */
  log?: (line: DeploymentLogLine) => void;
}

export class FlinkDeployments {
  readonly options: FlinkDeploymentsOptions;

  private readonly runs = new Map<string, FlinkRun>();
  private readonly tails: SinkTails;
  private readonly context: FlinkRunContext;
  private closed = false;

  constructor(options: FlinkDeploymentsOptions) {
    this.options = options;
    this.tails = new SinkTails(createKafka(options.kafka, 'server'));
    this.context = {
      cluster: options.cluster,
      kafka: options.kafka,
      store: new DeploymentStore(options.dataDir),
      udfBudgetMs: options.udfBudgetMs ?? 1000,
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      history: options.history ?? {},
      logger: deploymentLogger(options.log),
      closed: () => this.closed,
    };
  }

  get restUrl(): string {
    return this.options.cluster.restUrl;
  }

  /** Reads the Flink deployments of `<dataDir>/deployments/` and watches the jobs of those recorded as running. */
  async start(): Promise<void> {
    for (const stored of this.context.store.load((message) => this.context.logger.warn(message))) {
      if (stored.target !== 'flink' || !stored.flink) continue;
      const run = this.add(stored as FlinkStored);
      if (stored.desired === 'running') run.resumeWatching();
      else {
        run.status = stored.desired;
        if (typeof stored.error === 'string') {
          if (stored.desired === 'failed') run.error = stored.error;
          else run.lastError = stored.error;
        }
      }
    }
  }

  has(id: string): boolean {
    return this.runs.has(id);
  }

  list(): DeploymentRuntimeInfo[] {
    return [...this.runs.values()].map((r) => r.info());
  }

  get(id: string): DeploymentRuntimeInfo {
    return this.of(id).info();
  }

  /** The job's figures over time, as its polls read them (metrics-history.ts). */
  history(id: string): DeploymentHistory {
    return seriesOf(id, this.of(id).history);
  }

  subscribe(id: string, listener: DeploymentListener): () => void {
    const run = this.of(id);
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  tail(id: string, sinkId: string, listener: (record: TailRecord) => void): Promise<() => Promise<void>> {
    this.ensureOpen();
    return this.tails.start(id, this.of(id).stored.pipeline, sinkId, listener);
  }

  /** Forgets a stopped or failed deployment, so that its id can move to the Weir target. */
  release(id: string): void {
    const run = this.of(id);
    if (run.status !== 'stopped' && run.status !== 'failed')
      throw new DeploymentStateError(`deployment "${id}" is ${run.status}; stop it first`);
    this.runs.delete(id);
  }

  async deploy(pipeline: PipelineDoc, options: DeployOptions = {}): Promise<{ id: string; status: DeploymentStatus }> {
    this.ensureOpen();
    const parallelism = options.parallelism ?? 1;
    if (!Number.isInteger(parallelism) || parallelism < 1)
      throw new DeploymentError(
        'E_BAD_REQUEST',
        `parallelism must be a whole number of at least 1, got ${parallelism}`,
      );
    const validation = validatePipeline(pipeline);
    if (!validation.ok) throw new DeploymentValidationError(validation.problems);
    const doc = validation.pipeline;
    const id = doc.id;
    const allowStateLoss = options.allowStateLoss === true;
    const existing = this.runs.get(id);
    const deploy = async () => {
      const run = this.runs.get(id);
      let resumeFrom: string | null = null;
      if (run) {
        const problems = stateProblems(doc, snapshotShape(run.stored.pipeline));
        if ((problems.removed.length > 0 || problems.retyped.length > 0) && !allowStateLoss)
          throw new StateLossError(problems.removed, problems.retyped);
        const old = run.stored.parallelism;
        const hasState = run.holdsSlots || run.stored.flink.resumeFrom !== null;
        if (parallelism !== old && hasState && !allowStateLoss)
          throw new ParallelismChangeError(
            id,
            doc.nodes.map((n) => n.id),
            old,
            parallelism,
          );
        await this.checkCluster(Math.max(0, parallelism - (run.holdsSlots ? old : 0)), SLOTS_FREED_MS);
        await run.halt('upgrading to a new version');
        // A node that changed type cannot restore its old state, and Flink cannot be told to skip one that is
        // still there: such an upgrade, like one to another parallelism, starts without the savepoint.
        if (parallelism === old && problems.retyped.length === 0) resumeFrom = run.stored.flink.resumeFrom;
      } else {
        await this.checkCluster(parallelism);
      }
      const carried: MetricsBase = run
        ? { countsBefore: run.stored.flink.countsBefore, checkpointsBefore: run.stored.flink.checkpointsBefore }
        : nothingBefore();
      const stored: FlinkStored = {
        id,
        pipeline: doc,
        desired: 'running',
        version: (run?.stored.version ?? 0) + 1,
        deployedAt: Date.now(),
        allowStateLoss,
        target: 'flink',
        parallelism,
        flink: {
          restUrl: this.restUrl,
          jobId: null,
          savepointPath: run?.stored.flink.savepointPath ?? null,
          resumeFrom,
          ...carried,
        },
      };
      const target = run ?? this.add(stored);
      target.stored = stored;
      target.save({});
      delete target.error;
      delete target.lastError;
      target.launch();
      return { id, status: target.status };
    };
    return existing ? existing.enqueue(deploy) : deploy();
  }

  /** Stops the job with a savepoint (the next Resume starts from it) and remembers the deployment as stopped. */
  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const run = this.of(id);
    return run.enqueue(async () => {
      await run.halt('stopped on request');
      const { error: _error, ...rest } = run.stored;
      run.stored = { ...rest, desired: 'stopped' };
      run.save({});
      run.retireError();
      run.show('stopped');
      return run.info();
    });
  }

  /** Submits a stopped or failed deployment again, from its savepoint or last checkpoint. */
  async resume(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const run = this.of(id);
    return run.enqueue(async () => {
      if (run.status !== 'stopped' && run.status !== 'failed')
        throw new DeploymentStateError(
          `deployment "${id}" is ${run.status}; only a stopped or failed deployment can be resumed`,
        );
      await this.checkCluster(run.stored.parallelism, SLOTS_FREED_MS);
      const { error: _error, ...rest } = run.stored;
      run.stored = { ...rest, desired: 'running' };
      run.save({});
      run.launch();
      return run.info();
    });
  }

  /**
   * Deletes a deployment: its job is cancelled (no savepoint, as Flink's `cancel`) and its record removed. When the
   * cluster cannot cancel a job that still runs, E_FLINK_UNAVAILABLE and the deployment stays. Savepoints and
   * retained checkpoints stay where the cluster keeps them; the sinks' topics stay in Kafka.
   */
  async remove(id: string): Promise<void> {
    this.ensureOpen();
    const run = this.of(id);
    try {
      await run.enqueue(async () => {
        await run.cancel();
        run.removed = true;
        this.context.store.remove(id);
        if (this.runs.get(id) === run) this.runs.delete(id);
        run.show('stopped');
        run.listeners.clear();
      });
    } catch (err) {
      // Two deletions at once: the second finds it gone.
      if (err instanceof DeploymentDeletedError) throw new DeploymentNotFoundError(id);
      throw err;
    }
  }

  /** Stops watching; the jobs go on running on the cluster and start() finds them again. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of this.runs.values()) run.stopWatching();
    await this.tails.stopAll();
  }

  private ensureOpen(): void {
    if (this.closed) throw new DeploymentStateError('the deployment manager is shut down');
  }

  private of(id: string): FlinkRun {
    const run = this.runs.get(id);
    if (!run) throw new DeploymentNotFoundError(id);
    return run;
  }

  private add(stored: FlinkStored): FlinkRun {
    const run = new FlinkRun(this.context, stored);
    this.runs.set(stored.id, run);
    return run;
  }

  /**
   * FlinkCluster.check as the API's errors. A deployment's own job that just ended may hold its slots a moment
   * longer: a full cluster is asked again for `fullRetryMs`.
   */
  private async checkCluster(parallelism: number, fullRetryMs = 0): Promise<void> {
    const until = Date.now() + fullRetryMs;
    for (;;) {
      try {
        await this.options.cluster.check(parallelism);
        return;
      } catch (err) {
        if (!(err instanceof FlinkClusterError)) throw err;
        if (err.reason === 'full' && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        throw new DeploymentError(err.reason === 'full' ? 'E_FLINK_FULL' : 'E_FLINK_UNAVAILABLE', err.message);
      }
    }
  }
}
