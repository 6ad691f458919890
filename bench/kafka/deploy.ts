/**
 * Weir deployed as a user deploys it: the tumbling-count pipeline with its topics renamed, run by a
 * DeploymentManager in this process (the engine in the deployment's worker thread), watched through the manager's
 * status and metrics events (every 100 ms here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentManager } from '../../server/src/deployments/manager.ts';
import type { DeploymentStatus, RuntimeMetrics } from '../../server/src/deployments/types.ts';
import type { Delivery, PipelineDoc } from '../../shared/pipeline/types.ts';
import { loadWorkload } from '../workloads.ts';
import { waitUntil } from './latency.ts';

const SOURCE = 'events';
const SINK = 'out';
export const METRICS_INTERVAL_MS = 100;

export interface WeirJobOptions {
  brokers: string[];
  /** Pipeline id: also names the deployment's group, transactional id and changelog topic. */
  id: string;
  input: string;
  output: string;
  delivery: Delivery;
  checkpointIntervalMs: number;
  workerMemoryMb?: number;
  /** Another pipeline, its topics already set (bench/kafka/jobs.ts); `input` names its source topic, whose node id must be `events`. */
  pipeline?: PipelineDoc;
  /** The deployment's consumer and producer (server/src/kafka/config.ts); default kafkajs. */
  client?: 'kafkajs' | 'librdkafka';
}

export function benchPipeline(options: WeirJobOptions): PipelineDoc {
  if (options.pipeline !== undefined) return options.pipeline;
  const doc = loadWorkload('tumbling-count');
  const topics: Record<string, string> = { [SOURCE]: options.input, [SINK]: options.output };
  return {
    ...doc,
    id: options.id,
    settings: { ...doc.settings, checkpointIntervalMs: options.checkpointIntervalMs, delivery: options.delivery },
    nodes: doc.nodes.map((n) => (topics[n.id] ? { ...n, params: { ...n.params, topic: topics[n.id] } } : n)),
  };
}

export class WeirJob {
  private readonly options: WeirJobOptions;

  private readonly manager: DeploymentManager;
  private readonly dataDir: string;
  status: DeploymentStatus = 'starting';
  metrics: RuntimeMetrics | null = null;
  /**
   * The last moment the source was known to have read nothing: the latest metrics reading that says so, or the
   * consumer's assignment. The start of the measured interval (it errs early by at most one metrics interval).
   */
  idleAt = 0;
  runningAt = 0;
  private error: string | null = null;
  readonly logs: string[] = [];

  constructor(options: WeirJobOptions) {
    this.options = options;
    this.dataDir = mkdtempSync(join(tmpdir(), 'weir-bench-'));
    this.manager = new DeploymentManager({
      dataDir: this.dataDir,
      kafka: { brokers: options.brokers, client: options.client ?? 'kafkajs' },
      metricsIntervalMs: METRICS_INTERVAL_MS,
      sessionTimeoutMs: 10_000,
      ...(options.workerMemoryMb === undefined ? {} : { limits: { workerMemoryMb: options.workerMemoryMb } }),
      log: (line) => {
        this.logs.push(`${Date.now()} ${line.level} ${line.message}`);
      },
    });
  }

  get id(): string {
    return this.options.id;
  }

  /** Deploys and resolves once the deployment's consumer has its partitions. */
  async start(): Promise<void> {
    await this.manager.start();
    const deploying = this.manager.deploy(benchPipeline(this.options));
    await deploying;
    this.manager.subscribe(this.id, (event) => {
      if (event.type === 'status') {
        this.status = event.data.status;
        if (event.data.status === 'running') this.runningAt = Date.now();
        if (event.data.status === 'failed' || event.data.status === 'restarting')
          this.error ??= event.data.error ?? event.data.status;
        return;
      }
      this.metrics = event.data;
      if (this.consumed() === 0) this.idleAt = Math.max(this.idleAt, event.data.at);
    });
    await this.waitFor(() => this.status === 'running', 120_000, 'the deployment to run');
    this.idleAt = Math.max(this.idleAt, this.runningAt);
  }

  /** Records the source has read (every port, errors included). */
  consumed(): number {
    const node = this.metrics?.nodes[SOURCE];
    if (node === undefined) return 0;
    let n = node.errors;
    for (const count of Object.values(node.out)) n += count;
    return n;
  }

  /** Whether the last completed checkpoint covers every offset below `ends` of the input topic. */
  covers(ends: readonly number[]): boolean {
    const partitions = this.metrics?.partitions.filter((p) => p.topic === this.options.input) ?? [];
    return ends.every((end, p) => end === 0 || partitions.find((x) => x.partition === p)?.committedOffset === end);
  }

  /** Resolves with the completion time of the first checkpoint that covers `ends`. */
  async checkpointCovering(ends: readonly number[], timeoutMs: number): Promise<number> {
    await this.waitFor(() => this.covers(ends), timeoutMs, 'a checkpoint covering the whole input');
    return this.metrics!.checkpoints.lastCompletedAt!;
  }

  async waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitUntil(
      () => {
        if (this.error !== null)
          throw new Error(`the deployment ${this.id} failed: ${this.error}\n${this.logs.slice(-5).join('\n')}`);
        return condition();
      },
      timeoutMs,
      what,
    );
  }

  /** Stops with a savepoint, as the manager's stop does. */
  async stop(): Promise<void> {
    await this.manager.stop(this.id);
    this.status = 'stopped';
  }

  /** Resumes from the last checkpoint; resolves with the ms from the call to the consumer running again. */
  async resume(): Promise<number> {
    this.metrics = null;
    const started = Date.now();
    await this.manager.resume(this.id);
    await this.waitFor(() => this.status === 'running', 600_000, 'the resumed deployment to run');
    const ms = Date.now() - started;
    // Metrics sent while it restored are older than the run: its figures are those of the next reading.
    this.metrics = null;
    return ms;
  }

  async close(): Promise<void> {
    await this.manager.shutdown();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
