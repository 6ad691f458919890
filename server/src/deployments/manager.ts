/**
 * The deployment manager (DESIGN "The server"): runs each deployed pipeline in its own worker thread against Kafka,
 * remembers what should run across restarts of the server (even after kill -9), restarts failed deployments from
 * their last checkpoint with exponential backoff, and upgrades a running pipeline by stopping it with a savepoint
 * and restoring the new version's state by node id. The main thread never runs user code. Each deployment is a
 * WeirRun (weir-run.ts: its runs, status, figures and restarts); this class keeps their records, answers for the set
 * of them, and runs the actions on each one after another.
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
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';
import { guestScript } from '../isolate/guest-script.ts';
import { createKafka } from '../kafka/config.ts';
import type { Logger } from '../log.ts';
import { MetricsHistories } from './metrics-history.ts';
import { snapshotShape, stateProblems } from './pipeline-plan.ts';
import { SinkTails } from './sink-tail.ts';
import { DeploymentStore, type StoredDeployment } from './store.ts';
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
  type DeploymentManagerOptions,
  type DeploymentRuntimeInfo,
  type DeploymentStatus,
  type DeployOptions,
  deploymentLogger,
} from './types.ts';
import { WeirRun, type WeirRunContext } from './weir-run.ts';

export class DeploymentManager {
  readonly options: DeploymentManagerOptions;

  private readonly runs = new Map<string, WeirRun>();
  private readonly store: DeploymentStore;
  private readonly tails: SinkTails;
  /** Every reading of every deployment, sampled for GET /api/deployments/:id/history. */
  private readonly histories: MetricsHistories;
  private readonly context: WeirRunContext;
  private readonly logger: Logger;
  private closed = false;
  /** The engine's script for the isolates user code runs in; loaded before the first run is launched. */
  private script: string | null = null;

  constructor(options: DeploymentManagerOptions) {
    this.options = options;
    this.store = new DeploymentStore(options.dataDir);
    this.tails = new SinkTails(createKafka(options.kafka, 'server'));
    this.histories = new MetricsHistories(options.history);
    this.logger = deploymentLogger(options.log);
    this.context = {
      options,
      store: this.store,
      histories: this.histories,
      guestScript: () => this.script,
      closed: () => this.closed,
      logger: this.logger,
    };
  }

  /**
   * Reads `<dataDir>/deployments/` and starts every Weir-target deployment recorded as running (Flink ones are
   * flink-deployment.ts's). Call once, before the rest.
   */
  async start(): Promise<void> {
    await this.loadScript();
    for (const stored of this.store.load((message) => this.logger.warn(message))) {
      if ((stored.target ?? 'weir') !== 'weir') continue;
      const run = this.add(stored);
      if (stored.desired === 'running') run.launch();
      else {
        run.status = stored.desired;
        if (typeof stored.error === 'string') {
          if (stored.desired === 'failed') run.error = stored.error;
          else run.lastError = stored.error;
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
    const existing = this.runs.get(id);
    const deploy = async () => {
      const run = this.runs.get(id);
      if (run) {
        const problems = stateProblems(doc, snapshotShape(run.stored.pipeline));
        if ((problems.removed.length > 0 || problems.retyped.length > 0) && !allowStateLoss)
          throw new StateLossError(problems.removed, problems.retyped);
        await run.halt('upgrading to a new version');
      }
      const stored: StoredDeployment = {
        id,
        pipeline: doc,
        desired: 'running',
        version: (run?.stored.version ?? 0) + 1,
        deployedAt: Date.now(),
        allowStateLoss,
      };
      this.store.save(stored);
      const target = run ?? this.add(stored);
      target.stored = stored;
      target.restarts = 0;
      target.attempt = 0;
      delete target.error;
      delete target.lastError;
      target.launch();
      return { id, status: target.status };
    };
    return existing ? this.enqueue(existing, deploy) : deploy();
  }

  list(): DeploymentRuntimeInfo[] {
    return [...this.runs.values()].map((r) => r.info());
  }

  /** `DeploymentNotFoundError` (E_NOT_FOUND) when there is no such deployment. */
  get(id: string): DeploymentRuntimeInfo {
    return this.of(id).info();
  }

  /** Takes a savepoint (a final checkpoint), stops, and remembers the deployment as stopped. */
  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const run = this.of(id);
    return this.enqueue(run, async () => {
      const { error: _error, ...rest } = run.stored;
      run.stored = { ...rest, desired: 'stopped' };
      run.save({});
      await run.halt('stopped on request');
      run.retireError();
      run.setStatus('stopped');
      return run.info();
    });
  }

  /** Starts a stopped or failed deployment from its last checkpoint. `DeploymentStateError` if it is running. */
  async resume(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const run = this.of(id);
    await this.loadScript();
    return this.enqueue(run, async () => {
      if (run.status !== 'stopped' && run.status !== 'failed')
        throw new DeploymentStateError(
          `deployment "${id}" is ${run.status}; only a stopped or failed deployment can be resumed`,
        );
      const { error: _error, ...rest } = run.stored;
      run.stored = { ...rest, desired: 'running' };
      run.save({});
      run.attempt = 0;
      run.failures = [];
      run.launch();
      return run.info();
    });
  }

  /** The deployment's metrics over time (metrics-history.ts). `DeploymentNotFoundError` when there is no such deployment. */
  history(id: string): DeploymentHistory {
    this.of(id);
    return this.histories.series(id);
  }

  /** Status and metrics events of one deployment; returns the unsubscribe function. */
  subscribe(id: string, listener: DeploymentListener): () => void {
    const run = this.of(id);
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  /**
   * Reads a sink's topic (read_committed, so only checkpointed output) from a little before its end and calls
   * `listener` for each record as it arrives. Resolves once reading has started, with the unsubscribe function.
   */
  async tail(id: string, sinkId: string, listener: (record: TailRecord) => void): Promise<() => Promise<void>> {
    this.ensureOpen();
    return this.tails.start(id, this.of(id).stored.pipeline, sinkId, listener);
  }

  /** Whether a deployment of this id runs (or ran) on the Weir server. */
  has(id: string): boolean {
    return this.runs.has(id);
  }

  /**
   * Forgets a stopped or failed deployment, so that its pipeline id can be deployed to another target (which writes
   * its own record in place of this one's). `DeploymentStateError` while it runs.
   */
  release(id: string): void {
    const run = this.of(id);
    if (run.status !== 'stopped' && run.status !== 'failed')
      throw new DeploymentStateError(`deployment "${id}" is ${run.status}; stop it first`);
    this.runs.delete(id);
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
    const run = this.of(id);
    try {
      await this.enqueue(run, async () => {
        // The record first: a server that dies while the worker stops does not bring the deployment back.
        this.store.remove(id);
        await run.discard();
        this.runs.delete(id);
        this.histories.delete(id);
        run.setStatus('stopped');
        run.log.info('deleted');
        run.listeners.clear();
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
      ...[...this.runs.values()].map((run) =>
        this.enqueue(run, () => run.halt('server shutting down')).catch(() => {}),
      ),
    ]);
  }

  private ensureOpen(): void {
    if (this.closed) throw new DeploymentStateError('the deployment manager is shut down');
  }

  private of(id: string): WeirRun {
    const run = this.runs.get(id);
    if (!run) throw new DeploymentNotFoundError(id);
    return run;
  }

  private add(stored: StoredDeployment): WeirRun {
    const run = new WeirRun(this.context, stored);
    this.runs.set(stored.id, run);
    return run;
  }

  private enqueue<T>(run: WeirRun, work: () => Promise<T>): Promise<T> {
    // An action that waited behind the deployment's deletion (or release) must not act on a record that is gone.
    const action = () =>
      this.runs.get(run.stored.id) === run ? work() : Promise.reject(new DeploymentDeletedError(run.stored.id));
    const result = run.queue.then(action, action);
    run.queue = result.catch(() => {});
    return result;
  }

  private async loadScript(): Promise<void> {
    this.script ??= await guestScript();
  }
}
