/** Messages between the manager (main thread) and a deployment's worker thread. */
import type { RuntimeConfig } from './runtime.ts';
import type { RuntimeMetrics } from './types.ts';

export interface WorkerData {
  /** URL of worker.ts, imported by worker-entry.mjs. */
  module: string;
  config: RuntimeConfig;
  heartbeatIntervalMs: number;
  metricsIntervalMs: number;
}

export type ToWorker = { type: 'stop'; savepoint: boolean };

export type FromWorker =
  | { type: 'heartbeat' }
  | { type: 'running' }
  | { type: 'connection'; reconnecting: string | null }
  | { type: 'metrics'; metrics: RuntimeMetrics }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; nodeId?: string }
  | { type: 'failed'; message: string; retriable: boolean; metrics: RuntimeMetrics | null; maxRetryDelayMs?: number }
  | { type: 'stopped'; metrics: RuntimeMetrics | null; error?: string };
