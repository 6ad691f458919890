/**
 * The main thread's side of one deployment run: spawns the worker thread with its heap limit, watches its heartbeats,
 * and turns everything that can end a run — a reported failure, an uncaught error, running out of memory, silence,
 * an exit — into one `ended` call.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerData } from './protocol.ts';
import type { RuntimeConfig } from './runtime.ts';
import type { RuntimeMetrics } from './types.ts';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
const WORKER_MODULE = new URL('./worker.ts', import.meta.url).href;

/**
 * Until the run reports running: loading the worker's modules, then reading and decoding the last checkpoint, which
 * for a million keys of window state held the worker's event loop for more than 15 s on a loaded machine.
 */
const STARTUP_GRACE_MS = 60_000;

export interface RunEnd {
  kind: 'stopped' | 'failed';
  message?: string;
  /** False when restarting would fail the same way. */
  retriable: boolean;
  /** Caps the restart backoff: the cause is fixed outside Weir and a restart should follow soon after. */
  maxRetryDelayMs?: number;
  metrics: RuntimeMetrics | null;
}

export interface WorkerCallbacks {
  running(): void;
  /** The run is reconnecting to Kafka (why), or connected again (null). */
  connection(reconnecting: string | null): void;
  metrics(metrics: RuntimeMetrics): void;
  log(level: 'info' | 'warn' | 'error', message: string, nodeId?: string): void;
  /** Called exactly once per run. */
  ended(end: RunEnd): void;
}

export interface WorkerLimits {
  memoryMb: number;
  heartbeatTimeoutMs: number;
  metricsIntervalMs: number;
}

export class DeploymentWorker {
  private readonly callbacks: WorkerCallbacks;

  private readonly worker: Worker;
  private lastBeat = 0;
  private running = false;
  private readonly watchdog: NodeJS.Timeout;
  private end: RunEnd | null = null;
  private readonly exited: Promise<void>;
  private stopRequested = false;

  constructor(config: RuntimeConfig, limits: WorkerLimits, callbacks: WorkerCallbacks) {
    this.callbacks = callbacks;
    const heartbeatIntervalMs = Math.max(50, Math.min(1000, Math.floor(limits.heartbeatTimeoutMs / 5)));
    const data: WorkerData = {
      module: WORKER_MODULE,
      config,
      heartbeatIntervalMs,
      metricsIntervalMs: limits.metricsIntervalMs,
    };
    this.worker = new Worker(ENTRY, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb },
      name: `weir-deployment-${config.deploymentId}`,
      stdout: false,
      stderr: false,
    });
    const started = Date.now();
    this.watchdog = setInterval(
      () => {
        const silentFor = Date.now() - (this.lastBeat || started);
        const limit = this.running ? limits.heartbeatTimeoutMs : STARTUP_GRACE_MS;
        if (silentFor > limit) {
          this.finish({
            kind: 'failed',
            retriable: true,
            metrics: null,
            message: `the deployment's worker stopped responding for ${Math.round(silentFor / 1000)} s and was terminated`,
          });
          void this.worker.terminate();
        }
      },
      Math.max(50, Math.floor(limits.heartbeatTimeoutMs / 4)),
    );
    this.worker.on('message', (message: FromWorker) => this.onMessage(message));
    this.worker.on('error', (err: Error & { code?: string }) => {
      const message =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the deployment ran out of memory (limit ${limits.memoryMb} MB)`
          : `the deployment crashed: ${err.message}`;
      this.finish({ kind: 'failed', retriable: true, metrics: null, message });
    });
    this.exited = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        clearInterval(this.watchdog);
        if (this.stopRequested) this.finish({ kind: 'stopped', retriable: true, metrics: null });
        else
          this.finish({
            kind: 'failed',
            retriable: true,
            metrics: null,
            message: `the deployment's worker exited (code ${code})`,
          });
        resolve();
      });
    });
  }

  private onMessage(message: FromWorker): void {
    this.lastBeat = Date.now();
    switch (message.type) {
      case 'heartbeat':
        return;
      case 'running':
        this.running = true;
        return this.callbacks.running();
      case 'connection':
        return this.callbacks.connection(message.reconnecting);
      case 'metrics':
        return this.callbacks.metrics(message.metrics);
      case 'log':
        return this.callbacks.log(message.level, message.message, message.nodeId);
      case 'failed':
        this.finish({
          kind: 'failed',
          message: message.message,
          retriable: message.retriable,
          metrics: message.metrics,
          ...(message.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: message.maxRetryDelayMs }),
        });
        void this.worker.terminate();
        return;
      case 'stopped':
        this.finish(
          message.error === undefined
            ? { kind: 'stopped', retriable: true, metrics: message.metrics }
            : {
                kind: 'failed',
                retriable: true,
                metrics: message.metrics,
                message: `the savepoint failed: ${message.error}`,
              },
        );
        void this.worker.terminate();
        return;
    }
  }

  private finish(end: RunEnd): void {
    if (this.end !== null) return;
    this.end = end;
    clearInterval(this.watchdog);
    this.callbacks.ended(end);
  }

  /**
   * Asks the worker to stop (with a final checkpoint when `savepoint`), and terminates it if it has not finished
   * within `timeoutMs`. Resolves with how the run ended once the thread is gone.
   */
  async stop(savepoint: boolean, timeoutMs: number): Promise<RunEnd> {
    if (this.end === null) {
      this.stopRequested = true;
      this.worker.postMessage({ type: 'stop', savepoint } satisfies ToWorker);
      const timer = setTimeout(() => {
        this.finish({
          kind: 'failed',
          retriable: true,
          metrics: null,
          message: `the deployment did not stop within ${timeoutMs} ms and was terminated`,
        });
        void this.worker.terminate();
      }, timeoutMs);
      await this.exited;
      clearTimeout(timer);
    } else {
      await this.worker.terminate();
      await this.exited;
    }
    return this.end!;
  }
}
