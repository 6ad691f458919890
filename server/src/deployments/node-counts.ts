/**
 * Record counts of a deployment's nodes since it was first deployed: the engine counts from the start of a run,
 * and each checkpoint stores the totals so that a restored run adds on to them. Rates come from the difference
 * between two readings.
 */
import type { NodeMetrics } from '../../../shared/engine/engine.ts';
import type { NodeRuntimeMetrics } from '../../../shared/api/deployments.ts';
import { addCounts, sumCounts } from './metrics-base.ts';
import { isSyntheticNode } from './pipeline-plan.ts';

export class NodeCounts {
  private base: Record<string, NodeMetrics> = {};
  private previous = { at: 0, totals: {} as Record<string, NodeMetrics> };

  /** The totals stored with the restored checkpoint. */
  restore(base: Record<string, NodeMetrics>): void {
    this.base = base;
  }

  /** This run's counts plus the restored totals, for the author's nodes (dead-letter sinks left out). */
  totals(current: Record<string, NodeMetrics>): Record<string, NodeMetrics> {
    const result: Record<string, NodeMetrics> = {};
    for (const [id, m] of Object.entries(current)) {
      if (isSyntheticNode(id)) continue;
      const base = this.base[id];
      result[id] = base ? addCounts(m, base) : m;
    }
    return result;
  }

  /** Totals with records per second since the previous reading. */
  reading(current: Record<string, NodeMetrics>, now: number): Record<string, NodeRuntimeMetrics> {
    const totals = this.totals(current);
    const elapsed = (now - this.previous.at) / 1000;
    const nodes: Record<string, NodeRuntimeMetrics> = {};
    for (const [id, m] of Object.entries(totals)) {
      const before = this.previous.totals[id];
      const node: NodeRuntimeMetrics = { in: m.in, out: m.out, errors: m.errors };
      if (before && elapsed > 0) {
        node.inPerSecond = Math.round((m.in - before.in) / elapsed);
        node.outPerSecond = Math.round((sumCounts(m.out) - sumCounts(before.out)) / elapsed);
      }
      nodes[id] = node;
    }
    this.previous = { at: now, totals };
    return nodes;
  }
}
