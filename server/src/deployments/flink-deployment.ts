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
 *
 * A job outlives the Weir server: shutdown() only stops watching, and start() finds the job again by its id.
 */
import type { DeploymentMetrics, DeploymentStatus, TailRecord } from '../../../shared/api/deployments.ts';
import { validatePipeline } from '../../../shared/pipeline/validate.ts';
import { settingsOf, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import { FlinkClusterError, MissingTopicError, type FlinkCluster } from '../flink/cluster.ts';
import { baseMetrics, FlinkJobMetrics, type MetricsBase } from '../flink/job-metrics.ts';
import { createKafka, type KafkaConfig } from '../kafka/config.ts';
import { ensureTopics } from '../kafka/topics.ts';
import { jobStatus, ParallelismChangeError, TERMINAL_JOB_STATES } from './flink-status.ts';
import { planDeployment, snapshotShape, stateProblems } from './pipeline-plan.ts';
import { MissingTopicsError } from './runtime.ts';
import { SinkTails } from './sink-tail.ts';
import { DeploymentStore, type StoredDeployment, type StoredFlinkJob } from './store.ts';
import {
  DeploymentError,
  DeploymentNotFoundError,
  DeploymentStateError,
  DeploymentValidationError,
  StateLossError,
  type DeploymentListener,
  type DeploymentLogLine,
  type DeploymentRuntimeInfo,
  type DeployOptions,
} from './types.ts';

export interface FlinkDeploymentsOptions {
  /** The same directory as the DeploymentManager's: `<dataDir>/deployments/<id>.json`. */
  dataDir: string;
  /** How the server reaches Kafka; the cluster's jobs get the same settings. */
  kafka: KafkaConfig;
  cluster: FlinkCluster;
  udfBudgetMs?: number;
  /** How often each job's state and figures are read; default 2000 ms. */
  pollIntervalMs?: number;
  log?: (line: DeploymentLogLine) => void;
}

const FULL_RETRY_MS = 30_000;

type FlinkStored = StoredDeployment & { target: 'flink'; parallelism: number; flink: StoredFlinkJob };

interface Entry {
  stored: FlinkStored;
  status: DeploymentStatus;
  error?: string;
  lastError?: string;
  restarts: number;
  /** Flink's state of the job as last seen. */
  jobState: string | null;
  metrics: DeploymentMetrics;
  reader: FlinkJobMetrics | null;
  listeners: Set<DeploymentListener>;
  queue: Promise<unknown>;
  timer: NodeJS.Timeout | null;
  /** Every job start, stop and upgrade takes the next number; work begun under an older one drops its result. */
  run: number;
  /** What the last status event said, so that an unchanged poll sends none. */
  shown: string;
}

export class FlinkDeployments {
  private readonly entries = new Map<string, Entry>();
  private readonly store: DeploymentStore;
  private readonly tails: SinkTails;
  private readonly log: (line: DeploymentLogLine) => void;
  private closed = false;

  constructor(readonly options: FlinkDeploymentsOptions) {
    this.store = new DeploymentStore(options.dataDir);
    this.tails = new SinkTails(createKafka(options.kafka, 'server'));
    this.log = options.log ?? ((line) => (line.level === 'info' ? console.log : console.error)(`[deployment ${line.deployment}] ${line.message}`));
  }

  get restUrl(): string {
    return this.options.cluster.restUrl;
  }

  private get client() {
    return this.options.cluster.client;
  }

  /** Reads the Flink deployments of `<dataDir>/deployments/` and watches the jobs of those recorded as running. */
  async start(): Promise<void> {
    for (const stored of this.store.load()) {
      if (stored.target !== 'flink' || !stored.flink) continue;
      const entry = this.newEntry(stored as FlinkStored);
      if (stored.desired === 'running') {
        if (stored.flink.jobId) this.watch(entry, stored.flink.jobId, entry.run);
        else this.launch(entry);
      } else {
        entry.status = stored.desired;
        if (typeof stored.error === 'string') {
          if (stored.desired === 'failed') entry.error = stored.error;
          else entry.lastError = stored.error;
        }
      }
    }
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  list(): DeploymentRuntimeInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  get(id: string): DeploymentRuntimeInfo {
    return this.info(this.entry(id));
  }

  subscribe(id: string, listener: DeploymentListener): () => void {
    const entry = this.entry(id);
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  tail(id: string, sinkId: string, listener: (record: TailRecord) => void): Promise<() => Promise<void>> {
    this.ensureOpen();
    return this.tails.start(id, this.entry(id).stored.pipeline, sinkId, listener);
  }

  /** Forgets a stopped or failed deployment, so that its id can move to the Weir target. */
  release(id: string): void {
    const entry = this.entry(id);
    if (entry.status !== 'stopped' && entry.status !== 'failed') throw new DeploymentStateError(`deployment "${id}" is ${entry.status}; stop it first`);
    this.entries.delete(id);
  }

  async deploy(pipeline: PipelineDoc, options: DeployOptions = {}): Promise<{ id: string; status: DeploymentStatus }> {
    this.ensureOpen();
    const parallelism = options.parallelism ?? 1;
    if (!Number.isInteger(parallelism) || parallelism < 1) throw new DeploymentError('E_BAD_REQUEST', `parallelism must be a whole number of at least 1, got ${parallelism}`);
    const validation = validatePipeline(pipeline);
    if (!validation.ok) throw new DeploymentValidationError(validation.problems);
    const doc = validation.pipeline;
    const id = doc.id;
    const allowStateLoss = options.allowStateLoss === true;
    const existing = this.entries.get(id);
    const run = async () => {
      const entry = this.entries.get(id);
      let resumeFrom: string | null = null;
      if (entry) {
        const problems = stateProblems(doc, snapshotShape(entry.stored.pipeline));
        if ((problems.removed.length > 0 || problems.retyped.length > 0) && !allowStateLoss) throw new StateLossError(problems.removed, problems.retyped);
        const old = entry.stored.parallelism;
        const holdsSlots = entry.stored.flink.jobId !== null && !TERMINAL_JOB_STATES.has(entry.jobState ?? '') && entry.status !== 'failed' && entry.status !== 'stopped';
        const hasState = holdsSlots || entry.stored.flink.resumeFrom !== null;
        if (parallelism !== old && hasState && !allowStateLoss) throw new ParallelismChangeError(id, doc.nodes.map((n) => n.id), old, parallelism);
        await this.checkCluster(Math.max(0, parallelism - (holdsSlots ? old : 0)));
        await this.halt(entry, 'upgrading to a new version');
        // A node that changed type cannot restore its old state, and Flink cannot be told to skip one that is
        // still there: such an upgrade, like one to another parallelism, starts without the savepoint.
        if (parallelism === old && problems.retyped.length === 0) resumeFrom = entry.stored.flink.resumeFrom;
      } else {
        await this.checkCluster(parallelism);
      }
      const carried: MetricsBase = entry ? { countsBefore: entry.stored.flink.countsBefore, checkpointsBefore: entry.stored.flink.checkpointsBefore } : { countsBefore: {}, checkpointsBefore: { completed: 0, failed: 0 } };
      const stored: FlinkStored = {
        id,
        pipeline: doc,
        desired: 'running',
        version: (entry?.stored.version ?? 0) + 1,
        deployedAt: Date.now(),
        allowStateLoss,
        target: 'flink',
        parallelism,
        flink: { restUrl: this.restUrl, jobId: null, savepointPath: entry?.stored.flink.savepointPath ?? null, resumeFrom, ...carried },
      };
      this.store.save(stored);
      const target = entry ?? this.newEntry(stored);
      target.stored = stored;
      delete target.error;
      delete target.lastError;
      this.launch(target);
      return { id, status: target.status };
    };
    return existing ? this.enqueue(existing, run) : run();
  }

  /** Stops the job with a savepoint (the next Resume starts from it) and remembers the deployment as stopped. */
  async stop(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const entry = this.entry(id);
    return this.enqueue(entry, async () => {
      await this.halt(entry, 'stopped on request');
      entry.stored = { ...entry.stored, desired: 'stopped' };
      delete entry.stored.error;
      this.store.save(entry.stored);
      this.retireError(entry);
      this.show(entry, 'stopped');
      return this.info(entry);
    });
  }

  /** Submits a stopped or failed deployment again, from its savepoint or last checkpoint. */
  async resume(id: string): Promise<DeploymentRuntimeInfo> {
    this.ensureOpen();
    const entry = this.entry(id);
    return this.enqueue(entry, async () => {
      if (entry.status !== 'stopped' && entry.status !== 'failed')
        throw new DeploymentStateError(`deployment "${id}" is ${entry.status}; only a stopped or failed deployment can be resumed`);
      await this.checkCluster(entry.stored.parallelism);
      entry.stored = { ...entry.stored, desired: 'running' };
      delete entry.stored.error;
      this.store.save(entry.stored);
      this.launch(entry);
      return this.info(entry);
    });
  }

  /** Stops watching; the jobs go on running on the cluster and start() finds them again. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.entries.values()) {
      entry.run++;
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
    }
    await this.tails.stopAll();
  }

  private ensureOpen(): void {
    if (this.closed) throw new DeploymentStateError('the deployment manager is shut down');
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new DeploymentNotFoundError(id);
    return entry;
  }

  private newEntry(stored: FlinkStored): Entry {
    const base = { countsBefore: stored.flink.countsBefore, checkpointsBefore: stored.flink.checkpointsBefore };
    const entry: Entry = {
      stored,
      status: 'starting',
      restarts: 0,
      jobState: null,
      metrics: baseMetrics(base),
      reader: null,
      listeners: new Set(),
      queue: Promise.resolve(),
      timer: null,
      run: 0,
      shown: '',
    };
    this.entries.set(stored.id, entry);
    return entry;
  }

  private enqueue<T>(entry: Entry, action: () => Promise<T>): Promise<T> {
    const result = entry.queue.then(action, action);
    entry.queue = result.catch(() => {});
    return result;
  }

  private async checkCluster(parallelism: number): Promise<void> {
    try {
      await this.options.cluster.check(parallelism);
    } catch (err) {
      if (err instanceof FlinkClusterError) throw new DeploymentError(err.reason === 'full' ? 'E_FLINK_FULL' : 'E_FLINK_UNAVAILABLE', err.message);
      throw err;
    }
  }

  private info(entry: Entry): DeploymentRuntimeInfo {
    const doc = entry.stored.pipeline;
    const sinks: Record<string, string> = {};
    for (const node of doc.nodes) if (node.type === 'sink.kafka') sinks[node.id] = node.params.topic as string;
    const jobId = entry.stored.flink.jobId;
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
      target: 'flink',
      parallelism: entry.stored.parallelism,
      flink: {
        restUrl: entry.stored.flink.restUrl,
        jobId,
        dashboardUrl: jobId === null ? null : this.client.dashboardUrl(jobId, TERMINAL_JOB_STATES.has(entry.jobState ?? '')),
        state: entry.jobState,
        savepointPath: entry.stored.flink.savepointPath,
      },
    };
    if (entry.error !== undefined) info.error = entry.error;
    if (entry.lastError !== undefined) info.lastError = entry.lastError;
    return info;
  }

  private emit(entry: Entry, event: Parameters<DeploymentListener>[0]): void {
    for (const listener of entry.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log({ deployment: entry.stored.id, level: 'error', message: `a status listener threw: ${(err as Error).message}` });
      }
    }
  }

  /** Sets the status (and the error, when given; `null` clears it) and tells the listeners if anything changed. */
  private show(entry: Entry, status: DeploymentStatus, error?: string | null): void {
    entry.status = status;
    if (error === null) this.retireError(entry);
    else if (error !== undefined) entry.error = error;
    const info = this.info(entry);
    const shown = JSON.stringify({ ...info, metrics: undefined });
    if (shown === entry.shown) return;
    entry.shown = shown;
    this.emit(entry, { type: 'status', data: info });
  }

  private retireError(entry: Entry): void {
    if (entry.error === undefined) return;
    entry.lastError = entry.error;
    delete entry.error;
  }

  private fail(entry: Entry, message: string): void {
    this.log({ deployment: entry.stored.id, level: 'error', message });
    entry.stored = { ...entry.stored, desired: 'failed', error: message };
    this.store.save(entry.stored);
    this.show(entry, 'failed', message);
  }

  /** Submits the deployment's job (retrying while a source topic is missing), then watches it. */
  private launch(entry: Entry): void {
    if (this.closed) return;
    const run = ++entry.run;
    entry.restarts = 0;
    entry.jobState = null;
    entry.reader = null;
    // The last run's job is over: nothing may take it for the new one (halt must not stop it again).
    entry.stored = { ...entry.stored, flink: { ...entry.stored.flink, jobId: null } };
    this.store.save(entry.stored);
    this.retireError(entry);
    this.show(entry, 'starting');
    void this.submit(entry, run);
  }

  private async submit(entry: Entry, run: number): Promise<void> {
    const { stored } = entry;
    const plan = planDeployment(stored.pipeline);
    // Slots an upgraded job held are free a moment after it stopped: a full cluster is asked again for a while.
    const fullUntil = Date.now() + FULL_RETRY_MS;
    for (;;) {
      if (entry.run !== run || this.closed) return;
      try {
        await this.ensureSinkTopics([...new Set([...plan.sinks.values()].map((s) => s.topic))]);
        const resumeFrom = stored.flink.resumeFrom;
        const jobId = await this.options.cluster.submit({
          pipeline: plan.pipeline,
          deploymentId: stored.id,
          parallelism: stored.parallelism,
          kafka: this.options.kafka,
          udfBudgetMs: this.options.udfBudgetMs ?? 1000,
          ...(resumeFrom ? { savepointPath: resumeFrom, allowNonRestoredState: stored.allowStateLoss } : {}),
        });
        if (entry.run !== run) {
          // Stopped or upgraded while the submission was on its way: that job must not run.
          await this.client.cancel(jobId).catch(() => {});
          return;
        }
        entry.stored = { ...entry.stored, flink: { ...entry.stored.flink, jobId } };
        this.store.save(entry.stored);
        this.log({ deployment: stored.id, level: 'info', message: `submitted as Flink job ${jobId}${resumeFrom ? ` from ${resumeFrom}` : ''}` });
        this.watch(entry, jobId, run);
        return;
      } catch (err) {
        if (entry.run !== run) return;
        if (err instanceof MissingTopicError) {
          this.show(entry, 'restarting', new MissingTopicsError(err.topics).message);
          await new Promise((resolve) => setTimeout(resolve, MissingTopicsError.RETRY_DELAY_MS));
          continue;
        }
        if (err instanceof FlinkClusterError && err.reason === 'full' && Date.now() < fullUntil) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          continue;
        }
        this.fail(entry, `the job could not be submitted to the Flink cluster at ${this.restUrl}: ${(err as Error).message}`);
        return;
      }
    }
  }

  private async ensureSinkTopics(topics: string[]): Promise<void> {
    const admin = createKafka(this.options.kafka, 'flink-topics').admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topics.map((topic) => ({ topic })));
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the job's state and figures every `pollIntervalMs` until it ends or the run changes. */
  private watch(entry: Entry, jobId: string, run: number): void {
    const plan = planDeployment(entry.stored.pipeline);
    const base = { countsBefore: entry.stored.flink.countsBefore, checkpointsBefore: entry.stored.flink.checkpointsBefore };
    entry.reader = new FlinkJobMetrics(this.client, jobId, plan.pipeline.nodes.map((n) => n.id), plan.sources.map((s) => s.id), base);
    const tick = async () => {
      entry.timer = null;
      if (entry.run !== run || this.closed) return;
      const again = await this.poll(entry, jobId, run).catch((err: unknown) => {
        this.log({ deployment: entry.stored.id, level: 'warn', message: `reading the Flink job's state failed: ${(err as Error).message}` });
        return true;
      });
      if (again && entry.run === run && !this.closed) entry.timer = setTimeout(() => void tick(), this.options.pollIntervalMs ?? 2000);
    };
    void tick();
  }

  /** One look at the job; false once it has ended (failed, cancelled or finished outside Weir). */
  private async poll(entry: Entry, jobId: string, run: number): Promise<boolean> {
    const client = this.client;
    let job;
    try {
      job = await client.job(jobId);
    } catch (err) {
      if (entry.run !== run) return false;
      if ((err as { status?: number }).status === 404) {
        await this.ended(entry, jobId, run);
        this.fail(entry, `the Flink cluster at ${this.restUrl} no longer knows job ${jobId} (a session cluster without high availability forgets its jobs when its JobManager restarts); Resume submits it again`);
        return false;
      }
      this.show(entry, entry.status, `cannot read job ${jobId} from the Flink cluster: ${(err as Error).message}`);
      return true;
    }
    if (entry.run !== run) return false;
    entry.jobState = job.state;
    const verdict = jobStatus(job);
    if (verdict.ended) {
      const reason = verdict.failed ? ((await client.rootException(jobId).catch(() => undefined)) ?? 'no reason given') : undefined;
      await this.ended(entry, jobId, run);
      if (entry.run !== run) return false;
      if (verdict.status === 'stopped') {
        entry.stored = { ...entry.stored, desired: 'stopped' };
        this.store.save(entry.stored);
        delete entry.error;
        entry.lastError = `the Flink job ${jobId} was stopped outside Weir (in Flink's dashboard, REST API or CLI)`;
        this.show(entry, 'stopped');
      } else this.fail(entry, verdict.failed ? `the Flink job failed: ${reason}` : `the Flink job ${jobId} was cancelled outside Weir (in Flink's dashboard or REST API); Resume starts it again from its last checkpoint`);
      return false;
    }
    const [metrics, restarts, reason] = await Promise.all([
      entry.reader!.read(job),
      client.jobMetrics(jobId, ['numRestarts']).then((m) => Number(m[0]?.value), () => NaN),
      verdict.status === 'restarting' ? client.rootException(jobId).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    if (entry.run !== run) return false;
    if (Number.isInteger(restarts)) entry.restarts = restarts;
    this.show(entry, verdict.status, verdict.status === 'restarting' ? (reason ?? `the Flink job is ${job.state}`) : null);
    entry.metrics = metrics;
    this.emit(entry, { type: 'metrics', data: metrics });
    return true;
  }

  /** A job that ended by itself: keep its figures, and its last checkpoint as what Resume starts from. */
  private async ended(entry: Entry, jobId: string, run: number): Promise<void> {
    const checkpoint = await this.lastCheckpoint(jobId);
    if (entry.run !== run) return;
    this.settle(entry, { resumeFrom: checkpoint ?? entry.stored.flink.resumeFrom });
  }

  private async lastCheckpoint(jobId: string): Promise<string | null> {
    const checkpoints = await this.client.checkpoints(jobId).catch(() => null);
    const path = checkpoints?.latest.completed?.external_path;
    // A checkpoint that is not retained has no address ("<checkpoint-not-externally-addressable>").
    return path && /^([a-z][a-z0-9+.-]*:|\/)/i.test(path) ? path : null;
  }

  /** Folds the job's figures into the deployment's record (for its next job) and notes what to resume from. */
  private settle(entry: Entry, flink: Partial<StoredFlinkJob>): void {
    const carried = entry.reader?.carried();
    if (entry.reader) {
      // Rates and back pressure describe a job that runs: the counts stay, they go.
      const nodes = Object.fromEntries(Object.entries(entry.reader.last.nodes).map(([id, n]) => [id, { in: n.in, out: n.out, errors: n.errors }]));
      entry.metrics = { ...entry.reader.last, at: Date.now(), nodes };
      this.emit(entry, { type: 'metrics', data: entry.metrics });
    }
    entry.reader = null;
    entry.stored = { ...entry.stored, flink: { ...entry.stored.flink, ...(carried ?? {}), ...flink } };
    this.store.save(entry.stored);
  }

  /**
   * Ends the current run: a submission in flight is dropped, the job stops with a savepoint (or, when it cannot
   * take one, is cancelled and its last checkpoint stands).
   */
  private async halt(entry: Entry, reason: string): Promise<void> {
    const run = ++entry.run;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    const jobId = entry.stored.flink.jobId;
    if (jobId === null || entry.status === 'stopped' || entry.status === 'failed' || TERMINAL_JOB_STATES.has(entry.jobState ?? '')) return;
    this.show(entry, 'stopping');
    let savepoint: string | null = null;
    try {
      savepoint = await this.client.stopWithSavepoint(jobId);
    } catch (err) {
      const message = `${reason}: the savepoint failed (${(err as Error).message}); the job is cancelled and its last completed checkpoint stands`;
      this.log({ deployment: entry.stored.id, level: 'warn', message });
      await this.client.cancel(jobId).catch(() => {});
      entry.lastError = message;
    }
    const resumeFrom = savepoint ?? (await this.lastCheckpoint(jobId)) ?? entry.stored.flink.resumeFrom;
    entry.jobState = savepoint ? 'FINISHED' : 'CANCELED';
    if (entry.run === run) this.settle(entry, { savepointPath: savepoint ?? entry.stored.flink.savepointPath, resumeFrom });
  }
}
