/**
 * A Flink job's figures in the shape the deployments panel shows for every deployment (shared/api DeploymentMetrics),
 * read from Flink's REST API:
 *
 * - per node: records in, out per port and errors from the `weirNode` gauge each node's operator publishes (the
 *   engine's own counts; the value names the node, so nothing depends on how Flink names operators or chains them
 *   into vertices), summed over subtasks, with rates from the difference between two readings;
 * - per node: the back pressure Flink reports for the job vertex the node runs in;
 * - per source: the lag (`pendingRecords` of the KafkaSource in the source's vertex);
 * - checkpoints from `/jobs/:id/checkpoints`.
 *
 * A subtask that restarts counts from zero again; its earlier count is kept, so totals only grow (records replayed
 * from the last checkpoint after a restart count twice, as in Flink's own numRecordsIn).
 */
import type {
  BackpressureLevel,
  CheckpointMetrics,
  DeploymentMetrics,
  NodeRuntimeMetrics,
} from '../../../shared/api/deployments.ts';
import type { NodeMetrics } from '../../../shared/engine/engine.ts';
import { addCounts, baseMetrics, type MetricsBase, sumCounts, withBase } from '../deployments/metrics-base.ts';
import type { FlinkCheckpoints, FlinkJob, FlinkMetric, FlinkRestClient } from './rest-client.ts';

export const NODE_GAUGE = 'weirNode';
const LAG_METRIC = 'pendingRecords';
const LEVELS = new Set<string>(['ok', 'low', 'high']);

interface GaugeValue {
  node: string;
  subtask: number;
  at: number;
  counts: NodeMetrics;
}

interface VertexIds {
  gauges: string[];
  lag: string[];
}

interface VertexReading {
  gauges: GaugeValue[];
  lag: number | null;
  backpressure: Pick<NodeRuntimeMetrics, 'backpressure' | 'backpressureRatio'> | null;
  /** The ids listed for this reading (null when they came from the cache). */
  listed: VertexIds | null;
  /** Every node in this vertex showed all its subtasks, and a source its lag. */
  complete: boolean;
}

export class FlinkJobMetrics {
  private readonly client: FlinkRestClient;
  readonly jobId: string;
  /** Every node id of the job's pipeline, dead-letter sinks included. */
  private readonly nodeIds: string[];
  private readonly sourceIds: string[];
  private readonly base: MetricsBase;

  /** Metric ids per vertex, once every node's gauge of every subtask has been seen. */
  private readonly ids = new Map<string, VertexIds>();
  /** Per `node#subtask`: the last value, and what earlier incarnations of the subtask had counted. */
  private readonly subtasks = new Map<string, { last: NodeMetrics; carried: NodeMetrics }>();
  private previous = new Map<
    string,
    { at: number; in: number; out: number; inPerSecond?: number; outPerSecond?: number }
  >();
  private current: DeploymentMetrics;

  constructor(client: FlinkRestClient, jobId: string, nodeIds: string[], sourceIds: string[], base: MetricsBase) {
    this.client = client;
    this.jobId = jobId;
    this.nodeIds = nodeIds;
    this.sourceIds = sourceIds;
    this.base = base;
    this.current = baseMetrics(base, nodeIds);
  }

  /** The figures as last read (with the earlier jobs' counts), for a job that has ended. */
  get last(): DeploymentMetrics {
    return this.current;
  }

  /** Reads everything once; a part Flink cannot answer yet keeps its last value. */
  async read(job: FlinkJob): Promise<DeploymentMetrics> {
    const [readings, checkpoints] = await Promise.all([
      Promise.all(job.vertices.map((v) => this.readVertex(v.id, v.parallelism).catch(() => null))),
      this.client.checkpoints(this.jobId).catch(() => null),
    ]);
    // Flink lists a metric only once it has been reported, and operators open one after another: the lists are
    // kept once every node of the pipeline has shown up with all its subtasks (and each source with its lag).
    const found = new Set(readings.flatMap((r) => r?.gauges.map((g) => g.node) ?? []));
    if (readings.every((r) => r?.complete) && this.nodeIds.every((id) => found.has(id))) {
      for (const [i, reading] of readings.entries())
        if (reading!.listed) this.ids.set(job.vertices[i]!.id, reading!.listed);
    }
    const totals = new Map<string, { counts: NodeMetrics; at: number }>();
    const pressure = new Map<string, Pick<NodeRuntimeMetrics, 'backpressure' | 'backpressureRatio'>>();
    const lag: Record<string, number> = {};
    for (const reading of readings) {
      if (!reading) continue;
      for (const gauge of reading.gauges) {
        const counts = this.grow(gauge);
        const total = totals.get(gauge.node);
        totals.set(
          gauge.node,
          total
            ? { counts: addCounts(total.counts, counts), at: Math.max(total.at, gauge.at) }
            : { counts, at: gauge.at },
        );
      }
      const inVertex = new Set(reading.gauges.map((g) => g.node));
      for (const id of inVertex) {
        if (reading.lag !== null && this.sourceIds.includes(id)) lag[id] = reading.lag;
      }
      if (reading.backpressure) for (const id of inVertex) pressure.set(id, reading.backpressure);
    }
    // In the pipeline's order of nodes, as the Weir target lists them.
    const nodes: Record<string, NodeRuntimeMetrics> = {};
    const counted = this.withBase(Object.fromEntries([...totals].map(([id, t]) => [id, t.counts])));
    for (const [id, counts] of Object.entries(counted)) {
      nodes[id] = {
        in: counts.in,
        out: counts.out,
        errors: counts.errors,
        ...pressure.get(id),
        ...this.rates(id, counts, totals.get(id)?.at),
      };
    }
    this.current = {
      at: Date.now(),
      nodes: Object.keys(nodes).length > 0 ? nodes : this.current.nodes,
      lag: Object.keys(lag).length > 0 ? lag : this.current.lag,
      partitions: [],
      checkpoints: checkpoints ? checkpointFigures(checkpoints, this.base) : this.current.checkpoints,
    };
    return this.current;
  }

  /** Totals to carry into the deployment's next job. */
  carried(): MetricsBase {
    const countsBefore: Record<string, NodeMetrics> = {};
    for (const [id, node] of Object.entries(this.current.nodes))
      countsBefore[id] = { in: node.in, out: { ...node.out }, errors: node.errors };
    for (const [id, counts] of Object.entries(this.base.countsBefore)) countsBefore[id] ??= counts;
    const { completed, failed } = this.current.checkpoints;
    return { countsBefore, checkpointsBefore: { completed, failed } };
  }

  private async readVertex(vertexId: string, parallelism: number): Promise<VertexReading> {
    let ids = this.ids.get(vertexId);
    let listed: VertexIds | null = null;
    if (!ids) {
      const all = await this.client.vertexMetricIds(this.jobId, vertexId);
      listed = {
        gauges: all.filter((id) => id.endsWith(`.${NODE_GAUGE}`)),
        lag: all.filter((id) => id.endsWith(`.${LAG_METRIC}`)),
      };
      ids = listed;
    }
    const [values, pressure] = await Promise.all([
      this.client.vertexMetrics(this.jobId, vertexId, [...ids.gauges, ...ids.lag]),
      this.client.backpressure(this.jobId, vertexId).catch(() => null),
    ]);
    const gauges = values
      .filter((m) => m.id.endsWith(`.${NODE_GAUGE}`))
      .map(parseGauge)
      .filter((g): g is GaugeValue => g !== null);
    const nodes = new Set(gauges.map((g) => g.node));
    const lagListed = ![...nodes].some((id) => this.sourceIds.includes(id)) || ids.lag.length === parallelism;
    const complete = gauges.length > 0 && gauges.length === nodes.size * parallelism && lagListed;
    const lagValues = values.filter((m) => m.id.endsWith(`.${LAG_METRIC}`)).map((m) => Number(m.value));
    const lag = lagValues.length > 0 && lagValues.every(Number.isFinite) ? lagValues.reduce((a, b) => a + b, 0) : null;
    let backpressure: Pick<NodeRuntimeMetrics, 'backpressure' | 'backpressureRatio'> | null = null;
    if (pressure?.level && LEVELS.has(pressure.level)) {
      backpressure = {
        backpressure: pressure.level as BackpressureLevel,
        ...(pressure.ratio !== undefined ? { backpressureRatio: pressure.ratio } : {}),
      };
    }
    return { gauges, lag, backpressure, listed, complete };
  }

  /** The subtask's count since the job started: a value below the last one means the subtask restarted from zero. */
  private grow(gauge: GaugeValue): NodeMetrics {
    const key = `${gauge.node}#${gauge.subtask}`;
    const known = this.subtasks.get(key);
    if (!known) {
      this.subtasks.set(key, { last: gauge.counts, carried: { in: 0, out: {}, errors: 0 } });
      return gauge.counts;
    }
    if (restarted(known.last, gauge.counts)) known.carried = addCounts(known.carried, known.last);
    known.last = gauge.counts;
    return addCounts(known.carried, gauge.counts);
  }

  private withBase(counts: Record<string, NodeMetrics>): Record<string, NodeMetrics> {
    return withBase(this.nodeIds, this.base, counts);
  }

  /** Records per second since the previous reading with a newer gauge time; the last rate while there is none. */
  private rates(
    id: string,
    counts: NodeMetrics,
    at: number | undefined,
  ): Pick<NodeRuntimeMetrics, 'inPerSecond' | 'outPerSecond'> {
    const before = this.previous.get(id);
    const out = sumCounts(counts.out);
    if (at === undefined) return before ? pick(before) : {};
    if (!before) {
      this.previous.set(id, { at, in: counts.in, out });
      return {};
    }
    if (at <= before.at) return pick(before);
    const seconds = (at - before.at) / 1000;
    const next = {
      at,
      in: counts.in,
      out,
      inPerSecond: Math.max(0, Math.round((counts.in - before.in) / seconds)),
      outPerSecond: Math.max(0, Math.round((out - before.out) / seconds)),
    };
    this.previous.set(id, next);
    return pick(next);
  }
}

function pick(r: {
  inPerSecond?: number;
  outPerSecond?: number;
}): Pick<NodeRuntimeMetrics, 'inPerSecond' | 'outPerSecond'> {
  return r.inPerSecond === undefined ? {} : { inPerSecond: r.inPerSecond, outPerSecond: r.outPerSecond ?? 0 };
}

function parseGauge(metric: FlinkMetric): GaugeValue | null {
  try {
    const value = JSON.parse(metric.value) as GaugeValue;
    return typeof value.node === 'string' && typeof value.counts?.in === 'number' ? value : null;
  } catch {
    return null;
  }
}

function restarted(last: NodeMetrics, now: NodeMetrics): boolean {
  if (now.in < last.in || now.errors < last.errors) return true;
  return Object.entries(last.out).some(([port, n]) => (now.out[port] ?? 0) < n);
}

export function checkpointFigures(checkpoints: FlinkCheckpoints, base: MetricsBase): CheckpointMetrics {
  const latest = checkpoints.latest.completed ?? null;
  const failed = checkpoints.latest.failed ?? null;
  const figures: CheckpointMetrics = {
    completed: base.checkpointsBefore.completed + (checkpoints.counts.completed ?? 0),
    failed: base.checkpointsBefore.failed + (checkpoints.counts.failed ?? 0),
    lastCompletedAt: latest?.latest_ack_timestamp ?? null,
    lastDurationMs: latest?.end_to_end_duration ?? null,
    lastId: latest?.id ?? null,
    lastSizeBytes: latest?.state_size ?? latest?.checkpointed_size ?? null,
    lastWrittenBytes: latest?.checkpointed_size ?? null,
    lastRecords: null,
  };
  if (failed?.failure_message) figures.lastError = failed.failure_message.split('\n')[0]!;
  return figures;
}
