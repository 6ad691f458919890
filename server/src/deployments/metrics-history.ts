/**
 * Each deployment's metrics over time, for the charts of the deployments panel (GET /api/deployments/:id/history):
 * every reading the manager (or a Flink run) receives is sampled into a ring buffer by the rule of
 * shared/api/metrics-history.ts — one point per `resolutionMs`, default 5 s — which keeps the last `capacity`
 * points, default 240 (20 minutes).
 *
 * Memory is bounded per deployment: `capacity` points, each holding four numbers per node, one per source and one
 * per source partition (at most HISTORY_PARTITIONS of them), a few checkpoint figures and the restart count: about
 * 1.6 KB a point, 400 KB in all, for ten nodes and a dozen partitions (measured on Node 24). The history lives in
 * the server process: it outlasts page reloads, runs, restarts and upgrades of the deployment, but not a restart of
 * the server, and is dropped with the deployment.
 */
import type { DeploymentHistory, DeploymentMetrics, HistoryPoint } from '../../../shared/api/deployments.ts';
import { HISTORY_CAPACITY, HISTORY_RESOLUTION_MS, samplePoint } from '../../../shared/api/metrics-history.ts';

export interface HistoryOptions {
  /** Default HISTORY_RESOLUTION_MS (5000). */
  resolutionMs?: number;
  /** Default HISTORY_CAPACITY (240). */
  capacity?: number;
}

/** One deployment's points, in a fixed array used as a ring: the oldest is overwritten once it is full. */
export class MetricsHistory {
  readonly resolutionMs: number;
  readonly capacity: number;
  private readonly ring: HistoryPoint[] = [];
  /** Index of the oldest point once the ring is full. */
  private head = 0;

  constructor(options: HistoryOptions = {}) {
    this.resolutionMs = options.resolutionMs ?? HISTORY_RESOLUTION_MS;
    this.capacity = options.capacity ?? HISTORY_CAPACITY;
    if (!(this.resolutionMs > 0) || !Number.isInteger(this.capacity) || this.capacity < 2) {
      throw new Error(
        `a metrics history needs a positive resolution and room for two points, got ${this.resolutionMs} ms and ${this.capacity}`,
      );
    }
  }

  get length(): number {
    return this.ring.length;
  }

  /** Samples one reading; `restarts` is the deployment's restart count at the time. */
  record(metrics: DeploymentMetrics, restarts: number): void {
    const sampled = samplePoint(metrics, restarts, this.from(-1), this.from(-2), this.resolutionMs);
    if (sampled === null) return;
    if (sampled.replaces) this.ring[this.index(-1)] = sampled.point;
    else if (this.ring.length < this.capacity) this.ring.push(sampled.point);
    else {
      this.ring[this.head] = sampled.point;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** The points, oldest first, in a new array (a point is replaced, never changed, so callers may keep them). */
  points(): HistoryPoint[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  /** The point `offset` from the newest (-1 is the newest), or null. */
  private from(offset: number): HistoryPoint | null {
    return -offset <= this.ring.length ? this.ring[this.index(offset)]! : null;
  }

  private index(offset: number): number {
    return (this.head + this.ring.length + offset) % this.ring.length;
  }
}

/** The histories of every deployment of one owner (the DeploymentManager), by deployment id. */
export class MetricsHistories {
  private readonly options: HistoryOptions;

  private readonly byId = new Map<string, MetricsHistory>();

  constructor(options: HistoryOptions = {}) {
    this.options = options;
  }

  record(id: string, metrics: DeploymentMetrics, restarts: number): void {
    let history = this.byId.get(id);
    if (history === undefined) this.byId.set(id, (history = new MetricsHistory(this.options)));
    history.record(metrics, restarts);
  }

  /** The series of `id`; no points for a deployment that has had no reading yet. */
  series(id: string): DeploymentHistory {
    return seriesOf(id, this.byId.get(id) ?? new MetricsHistory(this.options));
  }

  delete(id: string): void {
    this.byId.delete(id);
  }
}

export function seriesOf(id: string, history: MetricsHistory): DeploymentHistory {
  return { id, resolutionMs: history.resolutionMs, capacity: history.capacity, points: history.points() };
}
