/**
 * What a deployment counted before its current run or job, and the figures it shows before the current one has
 * counted anything: both targets start from here (a restored Weir run from its checkpoint's totals, a restarted
 * Flink job from the jobs before it).
 */
import { type DeploymentMetrics, noCheckpoints } from '../../../shared/api/deployments.ts';
import type { NodeMetrics } from '../../../shared/engine/engine.ts';
import { isSyntheticNode } from './pipeline-plan.ts';

/** What earlier runs or jobs of the same deployment counted, carried over. */
export interface MetricsBase {
  countsBefore: Record<string, NodeMetrics>;
  checkpointsBefore: { completed: number; failed: number };
}

/** The base of a deployment's first run or job: nothing counted before. */
export function nothingBefore(): MetricsBase {
  return { countsBefore: {}, checkpointsBefore: { completed: 0, failed: 0 } };
}

/** The figures before the current run or job has counted anything: the base's, for `nodeIds`. */
export function baseMetrics(
  base: MetricsBase = nothingBefore(),
  nodeIds: string[] = Object.keys(base.countsBefore),
): DeploymentMetrics {
  return {
    at: Date.now(),
    nodes: withBase(nodeIds, base, {}),
    lag: {},
    partitions: [],
    checkpoints: { ...noCheckpoints(), ...base.checkpointsBefore },
  };
}

/** `counts` plus the base's, for the author's nodes among `nodeIds` (dead-letter sinks left out). */
export function withBase(
  nodeIds: string[],
  base: MetricsBase,
  counts: Record<string, NodeMetrics>,
): Record<string, NodeMetrics> {
  const result: Record<string, NodeMetrics> = {};
  for (const id of nodeIds) {
    if (isSyntheticNode(id)) continue;
    const before = base.countsBefore[id];
    const now = counts[id];
    if (before && now) result[id] = addCounts(before, now);
    else if (before ?? now) result[id] = (before ?? now)!;
  }
  return result;
}

export function addCounts(a: NodeMetrics, b: NodeMetrics): NodeMetrics {
  const out: Record<string, number> = { ...a.out };
  for (const [port, n] of Object.entries(b.out)) out[port] = (out[port] ?? 0) + n;
  return { in: a.in + b.in, out, errors: a.errors + b.errors };
}

export function sumCounts(values: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(values)) total += v;
  return total;
}
