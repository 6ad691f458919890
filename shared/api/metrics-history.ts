/**
 * How a deployment's metrics readings become its history (GET /api/deployments/:id/history): the server samples
 * every reading it receives with this rule, and the editor appends the live `metrics` events to the history it
 * loaded with the same rule, so both draw the same points.
 *
 * Time is cut into intervals of `resolutionMs`, aligned on the epoch. A reading in the interval of the last point
 * replaces it (the last reading of an interval stands for it; a reading is a snapshot of counts and gauges, so the
 * latest is the most complete); a reading in a later interval adds a point. Readings older than the last point
 * (a replayed event) are ignored, and so are readings without node figures: the engine is not up yet (a worker
 * starting, or waiting for its source topic), or it is the placeholder a deployment shows before its first reading.
 */
import type { DeploymentMetrics, HistoryPoint, NodeHistory } from './deployments.ts';

/** One point per 5 s: Weir's readings come every second, Flink's every 2 s, so each point sums up a few. */
export const HISTORY_RESOLUTION_MS = 5000;
/** 240 points of 5 s: 20 minutes, comfortably over the 15 the charts promise. */
export const HISTORY_CAPACITY = 240;
/** Per-partition lag kept per point: a bound on memory for topics of many partitions (their sources' sums stay). */
export const HISTORY_PARTITIONS = 64;

export interface Sampled {
  point: HistoryPoint;
  /** The point takes the place of the series' last one (same interval) instead of following it. */
  replaces: boolean;
}

/**
 * The point `metrics` makes after `last` (the series' last point) and `previous` (the one before it), or null when
 * it makes none. `restarts` is the deployment's restart count at the reading.
 */
export function samplePoint(
  metrics: DeploymentMetrics,
  restarts: number,
  last: HistoryPoint | null,
  previous: HistoryPoint | null,
  resolutionMs: number,
): Sampled | null {
  if ((last !== null && metrics.at < last.at) || Object.keys(metrics.nodes).length === 0) return null;
  const replaces = last !== null && Math.floor(last.at / resolutionMs) === Math.floor(metrics.at / resolutionMs);
  // Rates are counted from the point that closed the interval before this one.
  const base = replaces ? previous : last;
  const near = base !== null && metrics.at > base.at && metrics.at - base.at <= 2 * resolutionMs;
  const seconds = near ? (metrics.at - base.at) / 1000 : 0;
  const nodes: Record<string, NodeHistory> = {};
  for (const [id, node] of Object.entries(metrics.nodes)) {
    const out = sum(node.out);
    const before = near ? base.nodes[id] : undefined;
    nodes[id] = {
      in: node.in,
      out,
      inPerSecond: rate(node.in, before?.in, seconds, node.inPerSecond),
      outPerSecond: rate(out, before?.out, seconds, node.outPerSecond),
    };
  }
  const c = metrics.checkpoints;
  const point: HistoryPoint = {
    at: metrics.at,
    nodes,
    lag: { ...metrics.lag },
    partitions: metrics.partitions
      .slice(0, HISTORY_PARTITIONS)
      .map((p) => ({ source: p.source, partition: p.partition, lag: p.lag })),
    checkpoints: {
      completed: c.completed,
      failed: c.failed,
      lastDurationMs: c.lastDurationMs,
      lastSizeBytes: c.lastSizeBytes,
    },
    restarts,
  };
  return { point, replaces };
}

/** `points` with the reading sampled in, as a new array of at most `capacity` points (the editor's side). */
export function appendReading(
  points: readonly HistoryPoint[],
  metrics: DeploymentMetrics,
  restarts: number,
  resolutionMs: number,
  capacity: number,
): HistoryPoint[] {
  const sampled = samplePoint(metrics, restarts, points.at(-1) ?? null, points.at(-2) ?? null, resolutionMs);
  if (sampled === null) return points as HistoryPoint[];
  const kept = sampled.replaces ? points.slice(0, -1) : points.slice();
  kept.push(sampled.point);
  return kept.length > capacity ? kept.slice(kept.length - capacity) : kept;
}

/** Records per second from two counts `seconds` apart, one decimal; else the reading's own rate, else null. */
function rate(count: number, before: number | undefined, seconds: number, reported: number | undefined): number | null {
  if (before !== undefined && seconds > 0 && count >= before) return Math.round(((count - before) / seconds) * 10) / 10;
  return reported ?? null;
}

function sum(counts: Record<string, number>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n;
  return total;
}
