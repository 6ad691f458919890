/**
 * A Flink job's figures mapped back to Weir's nodes (server/src/flink/job-metrics.ts) and its state to a deployment
 * status (flink-status.ts), on answers shaped like those of Flink's REST API.
 */
import { describe, expect, it } from 'vitest';
import { FlinkJobMetrics } from '../../server/src/flink/job-metrics.ts';
import type { FlinkCheckpoints, FlinkJob, FlinkMetric, FlinkRestClient } from '../../server/src/flink/rest-client.ts';
import { jobStatus } from '../../server/src/deployments/flink-status.ts';

interface Gauge {
  node: string;
  subtask: number;
  at: number;
  in: number;
  out: Record<string, number>;
  errors?: number;
}

/** One job: vertex id → its metrics (the gauges under `<subtask>.<operator name>.weirNode`). */
class StubFlink {
  gauges = new Map<string, Gauge[]>();
  lag = new Map<string, number[]>();
  pressure = new Map<string, { level?: string; ratio?: number }>();
  checkpoints: FlinkCheckpoints = {
    counts: { completed: 0, failed: 0, in_progress: 0, restored: 0, total: 0 },
    latest: { completed: null, restored: null },
  };

  metricIds(vertex: string): string[] {
    const gauges = (this.gauges.get(vertex) ?? []).map((g) => `${g.subtask}.Operator_${g.node}.weirNode`);
    const lag = (this.lag.get(vertex) ?? []).map((_, i) => `${i}.Source__${vertex}.pendingRecords`);
    return [...gauges, ...lag, `0.numRecordsIn`];
  }

  client(): FlinkRestClient {
    const values = (vertex: string): FlinkMetric[] => [
      ...(this.gauges.get(vertex) ?? []).map((g) => ({
        id: `${g.subtask}.Operator_${g.node}.weirNode`,
        value: JSON.stringify({
          node: g.node,
          subtask: g.subtask,
          at: g.at,
          counts: { in: g.in, out: g.out, errors: g.errors ?? 0 },
        }),
      })),
      ...(this.lag.get(vertex) ?? []).map((n, i) => ({
        id: `${i}.Source__${vertex}.pendingRecords`,
        value: String(n),
      })),
    ];
    return {
      checkpoints: async () => this.checkpoints,
      vertexMetricIds: async (_job: string, vertex: string) => this.metricIds(vertex),
      vertexMetrics: async (_job: string, vertex: string, ids: string[]) =>
        values(vertex).filter((m) => ids.includes(m.id)),
      backpressure: async (_job: string, vertex: string) => this.pressure.get(vertex) ?? {},
    } as unknown as FlinkRestClient;
  }
}

function job(vertices: Array<[string, number]>, state: FlinkJob['state'] = 'RUNNING', status = 'RUNNING'): FlinkJob {
  return {
    jid: 'j1',
    name: 'weir: p (p)',
    state,
    'start-time': 0,
    duration: 0,
    vertices: vertices.map(([id, parallelism]) => ({
      id,
      name: id,
      parallelism,
      status,
      metrics: { 'read-records': 0, 'write-records': 0, 'read-records-complete': true, 'write-records-complete': true },
    })),
  };
}

const NODES = ['events', 'views', 'out', '$dlq:events'];
const noBase = { countsBefore: {}, checkpointsBefore: { completed: 0, failed: 0 } };

describe('FlinkJobMetrics', () => {
  it('sums each node over its subtasks, whatever vertex it was chained into, and leaves dead-letter sinks out', async () => {
    const flink = new StubFlink();
    flink.gauges.set('A', [
      { node: 'events', subtask: 0, at: 1000, in: 0, out: { out: 5, error: 1 } },
      { node: 'events', subtask: 1, at: 1000, in: 0, out: { out: 7, error: 0 } },
      { node: 'views', subtask: 0, at: 1000, in: 5, out: { out: 4 }, errors: 1 },
      { node: 'views', subtask: 1, at: 1000, in: 7, out: { out: 6 } },
      { node: '$dlq:events', subtask: 0, at: 1000, in: 1, out: {} },
      { node: '$dlq:events', subtask: 1, at: 1000, in: 0, out: {} },
    ]);
    flink.gauges.set('B', [
      { node: 'out', subtask: 0, at: 1000, in: 4, out: {} },
      { node: 'out', subtask: 1, at: 1000, in: 6, out: {} },
    ]);
    flink.lag.set('A', [3, 4]);
    flink.pressure.set('A', { level: 'high', ratio: 0.7 });
    flink.pressure.set('B', { level: 'ok', ratio: 0 });
    const metrics = await new FlinkJobMetrics(flink.client(), 'j1', NODES, ['events'], noBase).read(
      job([
        ['A', 2],
        ['B', 2],
      ]),
    );
    expect(metrics.nodes).toEqual({
      events: { in: 0, out: { out: 12, error: 1 }, errors: 0, backpressure: 'high', backpressureRatio: 0.7 },
      views: { in: 12, out: { out: 10 }, errors: 1, backpressure: 'high', backpressureRatio: 0.7 },
      out: { in: 10, out: {}, errors: 0, backpressure: 'ok', backpressureRatio: 0 },
    });
    expect(metrics.lag).toEqual({ events: 7 });
    expect(metrics.partitions).toEqual([]);
  });

  it('finds a node whose operator reported after the others in its vertex (operators open one after another)', async () => {
    const flink = new StubFlink();
    const reader = new FlinkJobMetrics(flink.client(), 'j1', ['events', 'views'], ['events'], noBase);
    flink.gauges.set('A', [{ node: 'views', subtask: 0, at: 1, in: 1, out: { out: 1 } }]);
    flink.lag.set('A', [0]);
    expect(Object.keys((await reader.read(job([['A', 1]]))).nodes)).toEqual(['views']);
    flink.gauges.set('A', [
      { node: 'events', subtask: 0, at: 2, in: 0, out: { out: 3 } },
      { node: 'views', subtask: 0, at: 2, in: 3, out: { out: 3 } },
    ]);
    const metrics = await reader.read(job([['A', 1]]));
    expect(metrics.nodes.events).toMatchObject({ in: 0, out: { out: 3 } });
    expect(metrics.lag).toEqual({ events: 0 });
  });

  it("gives records per second from the gauges' own times, and keeps counting when a subtask restarts from zero", async () => {
    const flink = new StubFlink();
    const reader = new FlinkJobMetrics(flink.client(), 'j1', NODES, ['events'], noBase);
    const read = async (gauges: Gauge[]) => {
      flink.gauges.set('A', gauges);
      return (await reader.read(job([['A', 1]]))).nodes.views!;
    };
    const first = await read([{ node: 'views', subtask: 0, at: 10_000, in: 100, out: { out: 50 } }]);
    expect(first).toEqual({ in: 100, out: { out: 50 }, errors: 0 });
    const second = await read([{ node: 'views', subtask: 0, at: 12_000, in: 300, out: { out: 150 } }]);
    expect(second).toEqual({ in: 300, out: { out: 150 }, errors: 0, inPerSecond: 100, outPerSecond: 50 });
    // The same reading again (Flink's metric cache not refreshed yet): the figures and the rate stand.
    expect(await read([{ node: 'views', subtask: 0, at: 12_000, in: 300, out: { out: 150 } }])).toEqual(second);
    // The subtask restarted: it counts from zero, the total goes on from 300.
    const restarted = await read([{ node: 'views', subtask: 0, at: 20_000, in: 20, out: { out: 10 } }]);
    expect(restarted.in).toBe(320);
    expect(restarted.out).toEqual({ out: 160 });
  });

  it("adds what the deployment's earlier jobs counted, nodes and checkpoints both", async () => {
    const flink = new StubFlink();
    flink.gauges.set('A', [{ node: 'views', subtask: 0, at: 1, in: 5, out: { out: 5 } }]);
    flink.checkpoints = {
      counts: { completed: 3, failed: 1, in_progress: 0, restored: 1, total: 4 },
      latest: {
        completed: {
          id: 12,
          latest_ack_timestamp: 5000,
          state_size: 2048,
          checkpointed_size: 512,
          end_to_end_duration: 40,
        },
        restored: { id: 9, is_savepoint: true },
        failed: { id: 11, failure_message: 'Checkpoint expired before completing.\nmore' },
      },
    };
    const base = {
      countsBefore: { views: { in: 100, out: { out: 90, late: 2 }, errors: 3 } },
      checkpointsBefore: { completed: 10, failed: 2 },
    };
    const reader = new FlinkJobMetrics(flink.client(), 'j1', NODES, ['events'], base);
    expect(reader.last.nodes).toEqual({ views: { in: 100, out: { out: 90, late: 2 }, errors: 3 } });
    const metrics = await reader.read(job([['A', 1]]));
    expect(metrics.nodes.views).toEqual({ in: 105, out: { out: 95, late: 2 }, errors: 3 });
    expect(metrics.checkpoints).toEqual({
      completed: 13,
      failed: 3,
      lastCompletedAt: 5000,
      lastDurationMs: 40,
      lastId: 12,
      lastSizeBytes: 2048,
      lastWrittenBytes: 512,
      lastRecords: null,
      lastError: 'Checkpoint expired before completing.',
    });
    expect(reader.carried()).toEqual({
      countsBefore: { views: { in: 105, out: { out: 95, late: 2 }, errors: 3 } },
      checkpointsBefore: { completed: 13, failed: 3 },
    });
  });
});

describe('jobStatus', () => {
  const cases: Array<[FlinkJob['state'], string, string, boolean]> = [
    ['INITIALIZING', 'CREATED', 'starting', false],
    ['CREATED', 'CREATED', 'starting', false],
    ['RUNNING', 'DEPLOYING', 'starting', false],
    ['RUNNING', 'RUNNING', 'running', false],
    ['RESTARTING', 'CANCELING', 'restarting', false],
    ['FAILING', 'FAILED', 'restarting', false],
    ['CANCELLING', 'CANCELING', 'stopping', false],
    ['FAILED', 'FAILED', 'failed', true],
    ['CANCELED', 'CANCELED', 'failed', true],
    ['FINISHED', 'FINISHED', 'stopped', true],
  ];
  for (const [state, vertex, status, ended] of cases) {
    it(`reads a ${state} job whose vertices are ${vertex} as ${status}`, () => {
      const verdict = jobStatus(job([['A', 1]], state, vertex));
      expect(verdict.status).toBe(status);
      expect(verdict.ended).toBe(ended);
      expect(verdict.failed).toBe(state === 'FAILED');
    });
  }
});
