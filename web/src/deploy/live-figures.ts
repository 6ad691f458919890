/**
 * What the canvas shows of a running deployment of the open pipeline (pure: the live-canvas store feeds it the
 * server's metrics events). Per node its rate in, its errors and, for sources, the consumer lag; per output port its
 * rate out (every edge of a port carries all of its records, SPEC §1, so that is each edge's rate); and the one node
 * that holds the job back, if any, with the reason in words.
 */
import type { BackpressureLevel, DeploymentMetrics, NodeRuntimeMetrics } from '../../../shared/api/deployments.ts';
import { nodeRates } from './format.ts';

export interface LiveNodeFigures {
  inPerSecond?: number;
  outPerSecond?: number;
  /** Records that failed since the deployment started. */
  errors: number;
  /** Sources only: records behind the log end, summed over the source's partitions. */
  lag?: number;
  /** Records per second per output port; absent until two readings (or the server's own rate) tell. */
  ports: Record<string, number>;
}

export interface HoldingBack {
  nodeId: string;
  /** Which rule picked it: Flink's back pressure, or a source's growing lag. */
  rule: 'backpressure' | 'lag';
  /** One sentence for the tooltip. */
  reason: string;
}

export interface LiveFigures {
  at: number;
  nodes: Record<string, LiveNodeFigures>;
  holdingBack: HoldingBack | null;
}

/**
 * A source's lag counts as growing only above this many records: a burst of a few records shows as lag for one
 * reading and is read away by the next; that holds nothing back.
 */
export const LAG_THRESHOLD = 1000;

/** Flink's own bands: back-pressured ≥ 10 % of the time is "low", ≥ 50 % is "high". */
const LEVEL_RATIO: Record<BackpressureLevel, number> = { ok: 0, low: 0.1, high: 0.5 };

export function liveFigures(previous: DeploymentMetrics | null, current: DeploymentMetrics): LiveFigures {
  const rates = nodeRates(previous, current);
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const nodes: Record<string, LiveNodeFigures> = {};
  for (const [id, node] of Object.entries(current.nodes)) {
    const { inPerSecond, outPerSecond } = rates[id] ?? {};
    const figures: LiveNodeFigures = {
      errors: node.errors,
      ports: portRates(previous?.nodes[id], node, seconds, outPerSecond),
    };
    if (inPerSecond !== undefined) figures.inPerSecond = inPerSecond;
    if (outPerSecond !== undefined) figures.outPerSecond = outPerSecond;
    const lag = current.lag[id];
    if (lag !== undefined) figures.lag = lag;
    nodes[id] = figures;
  }
  return { at: current.at, nodes, holdingBack: holdingBack(previous, current) };
}

/**
 * Each output port's share of the node's rate out: the ports' counts since the reading before split the rate (the
 * server's when it sends one); without a reading before, a node with one port has all of it.
 */
function portRates(
  before: NodeRuntimeMetrics | undefined,
  node: NodeRuntimeMetrics,
  seconds: number,
  outPerSecond: number | undefined,
): Record<string, number> {
  const ports = Object.keys(node.out);
  const result: Record<string, number> = {};
  if (before && seconds > 0) {
    const deltas = ports.map((p) => Math.max(0, (node.out[p] ?? 0) - (before.out[p] ?? 0)));
    const total = deltas.reduce((a, b) => a + b, 0);
    ports.forEach((p, i) => {
      result[p] =
        outPerSecond === undefined || total === 0 ? deltas[i]! / seconds : (outPerSecond * deltas[i]!) / total;
    });
  } else if (ports.length === 1 && outPerSecond !== undefined) {
    result[ports[0]!] = outPerSecond;
  }
  return result;
}

/**
 * The node that holds the job back, by the first of two rules that picks one:
 *
 * 1. Flink: the node whose job vertex Flink rates most back-pressured (`backpressureRatio`, else its level), when
 *    Flink rates it "low" or "high" — records wait there to be handed on, so the job goes no faster than that point
 *    (or the operator right after it) lets them through.
 * 2. Any target: the source whose consumer lag grew the most per second since the reading before, when its lag is
 *    above LAG_THRESHOLD — the job reads that topic more slowly than records arrive. (The Weir target runs a pipeline
 *    in one loop, so a slow node anywhere shows there, as the source's lag, and nowhere else.)
 *
 * Null when neither picks a node: the job keeps up.
 */
export function holdingBack(previous: DeploymentMetrics | null, current: DeploymentMetrics): HoldingBack | null {
  let worst: { id: string; ratio: number; level: BackpressureLevel } | null = null;
  for (const [id, node] of Object.entries(current.nodes)) {
    const level =
      node.backpressure ?? (node.backpressureRatio === undefined ? undefined : levelOf(node.backpressureRatio));
    if (level === undefined || level === 'ok') continue;
    const ratio = node.backpressureRatio ?? LEVEL_RATIO[level];
    if (worst === null || ratio > worst.ratio) worst = { id, ratio, level };
  }
  if (worst !== null) {
    return {
      nodeId: worst.id,
      rule: 'backpressure',
      reason:
        `Back-pressured ${Math.round(worst.ratio * 100)}% of the time (Flink rates it ${worst.level}): records wait here ` +
        'to be handed on, so the job goes no faster than this node, or the one right after it, lets them through.',
    };
  }
  if (previous === null) return null;
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return null;
  let growing: { id: string; perSecond: number; lag: number } | null = null;
  for (const [id, lag] of Object.entries(current.lag)) {
    const before = previous.lag[id];
    if (before === undefined || lag <= LAG_THRESHOLD || lag <= before) continue;
    const perSecond = (lag - before) / seconds;
    if (growing === null || perSecond > growing.perSecond) growing = { id, perSecond, lag };
  }
  if (growing === null) return null;
  return {
    nodeId: growing.id,
    rule: 'lag',
    reason:
      `Lag grew by ${formatLiveRate(growing.perSecond)} to ${formatLag(growing.lag)} records: the job reads this source ` +
      'more slowly than records arrive.',
  };
}

function levelOf(ratio: number): BackpressureLevel {
  return ratio >= LEVEL_RATIO.high ? 'high' : ratio >= LEVEL_RATIO.low ? 'low' : 'ok';
}

/** "0.4/s", "12/s", "1.2k/s", "35k/s", "2.1M/s". */
export function formatLiveRate(perSecond: number): string {
  return `${compact(perSecond)}/s`;
}

function compact(n: number): string {
  const trim = (s: string) => s.replace(/\.0$/, '');
  if (n < 10) return trim(n.toFixed(1));
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${trim((n / 1000).toFixed(n < 10_000 ? 1 : 0))}k`;
  return `${trim((n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0))}M`;
}

/** A record count grouped by thousands with a narrow space, whatever the locale: "4 500". */
export function formatLag(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/**
 * The node's line on the canvas: "1.2k/s in · 3 err · lag 4 500" (errors only when there are some, lag for sources).
 * A source has no input: its line gives the records it sends on, "1.2k/s out · lag 4 500".
 */
export function nodeLine(figures: LiveNodeFigures, source = false): string {
  const [rate, direction] = source ? [figures.outPerSecond, 'out'] : [figures.inPerSecond, 'in'];
  const parts = [rate === undefined ? `–/s ${direction}` : `${formatLiveRate(rate)} ${direction}`];
  if (figures.errors > 0) parts.push(`${formatLag(figures.errors)} err`);
  if (figures.lag !== undefined) parts.push(`lag ${formatLag(figures.lag)}`);
  return parts.join(' · ');
}
