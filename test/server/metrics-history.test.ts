/**
 * A deployment's metrics history: readings sampled into one point per interval, kept in a ring of fixed length,
 * oldest first; the editor's appendReading follows the same rule as the server's ring.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentMetrics, HistoryPoint } from '../../shared/api/deployments.ts';
import {
  appendReading,
  HISTORY_CAPACITY,
  HISTORY_PARTITIONS,
  HISTORY_RESOLUTION_MS,
} from '../../shared/api/metrics-history.ts';
import { MetricsHistories, MetricsHistory } from '../../server/src/deployments/metrics-history.ts';
import { noCheckpoints } from '../../shared/api/deployments.ts';

const T0 = 1_700_000_000_000; // a multiple of 5000: intervals start here

/** A reading at `at` in which node `events` has read `count` records and written as many. */
function reading(at: number, count = 0, extra: Partial<DeploymentMetrics> = {}): DeploymentMetrics {
  return {
    at,
    nodes: { events: { in: count, out: { out: count }, errors: 0, inPerSecond: 7, outPerSecond: 7 } },
    lag: {},
    partitions: [],
    checkpoints: noCheckpoints(),
    ...extra,
  };
}

describe('MetricsHistory', () => {
  it('keeps one point per interval: the last reading of an interval stands for it', () => {
    const history = new MetricsHistory({ resolutionMs: 5000, capacity: 10 });
    for (const offset of [0, 1000, 2000, 4999]) history.record(reading(T0 + offset, offset), 0);
    expect(history.points().map((p) => p.at)).toEqual([T0 + 4999]);
    history.record(reading(T0 + 5000, 5000), 0);
    history.record(reading(T0 + 12_000, 12_000), 0);
    expect(history.points().map((p) => p.at)).toEqual([T0 + 4999, T0 + 5000, T0 + 12_000]);
  });

  it('computes rates from the counts since the point that closed the interval before', () => {
    const history = new MetricsHistory({ resolutionMs: 5000, capacity: 10 });
    history.record(reading(T0 + 4000, 1000), 0);
    history.record(reading(T0 + 6000, 1400), 0); // 400 records in 2 s
    expect(history.points()[1]!.nodes.events).toEqual({ in: 1400, out: 1400, inPerSecond: 200, outPerSecond: 200 });
    history.record(reading(T0 + 9000, 3000), 0); // replaces it: 2000 records in 5 s since the point before
    expect(history.points()[1]!.nodes.events!.inPerSecond).toBe(400);
    // The first point has no point before it: the reading's own rate.
    expect(history.points()[0]!.nodes.events!.inPerSecond).toBe(7);
  });

  it("takes the reading's own rate after a gap, and when the counts went back (a restore from a checkpoint)", () => {
    const history = new MetricsHistory({ resolutionMs: 5000, capacity: 10 });
    history.record(reading(T0, 1000), 0);
    history.record(reading(T0 + 60_000, 9000), 1); // a minute without readings: the deployment was restarting
    history.record(reading(T0 + 65_000, 8000), 1); // counts restored from an older checkpoint
    expect(history.points().map((p) => p.nodes.events!.inPerSecond)).toEqual([7, 7, 7]);
  });

  it('keeps the last `capacity` points, oldest first, when the ring has wrapped round', () => {
    const history = new MetricsHistory({ resolutionMs: 1000, capacity: 4 });
    for (let i = 0; i < 11; i++) history.record(reading(T0 + i * 1000, i), 0);
    expect(history.length).toBe(4);
    expect(history.points().map((p) => p.at - T0)).toEqual([7000, 8000, 9000, 10_000]);
    // The newest point is still replaced in place after the wrap.
    history.record(reading(T0 + 10_500, 10), 0);
    expect(history.points().map((p) => p.at - T0)).toEqual([7000, 8000, 9000, 10_500]);
    history.record(reading(T0 + 11_000, 11), 0);
    expect(history.points().map((p) => p.at - T0)).toEqual([8000, 9000, 10_500, 11_000]);
  });

  it('ignores a reading older than its newest point', () => {
    const history = new MetricsHistory({ resolutionMs: 1000, capacity: 4 });
    history.record(reading(T0 + 3000, 3), 0);
    history.record(reading(T0 + 1000, 1), 0);
    history.record(reading(T0 + 2999, 1), 0);
    expect(history.points().map((p) => p.at - T0)).toEqual([3000]);
  });

  it('makes no point of a reading without node figures (the engine is not up yet)', () => {
    const history = new MetricsHistory({ resolutionMs: 1000, capacity: 4 });
    history.record(reading(T0, 0, { nodes: {} }), 0);
    expect(history.length).toBe(0);
    history.record(reading(T0 + 1000, 5), 1);
    history.record(reading(T0 + 1500, 0, { nodes: {} }), 1);
    expect(history.points().map((p) => p.at - T0)).toEqual([1000]);
  });

  it('holds lag per source and per partition, checkpoint figures and restarts, and no more partitions than the bound', () => {
    const history = new MetricsHistory();
    const partitions = Array.from({ length: HISTORY_PARTITIONS + 6 }, (_, partition) => ({
      source: 'events',
      topic: 'clicks',
      partition,
      committedOffset: 10,
      position: 20,
      lag: partition,
    }));
    const metrics = reading(T0, 5, { lag: { events: 2415 }, partitions });
    metrics.checkpoints = {
      ...metrics.checkpoints,
      completed: 4,
      failed: 1,
      lastDurationMs: 120,
      lastSizeBytes: 2048,
      lastId: 4,
    };
    history.record(metrics, 2);
    const [point] = history.points() as [HistoryPoint];
    expect(point.lag).toEqual({ events: 2415 });
    expect(point.partitions).toHaveLength(HISTORY_PARTITIONS);
    expect(point.partitions[3]).toEqual({ source: 'events', partition: 3, lag: 3 });
    expect(point.checkpoints).toEqual({ completed: 4, failed: 1, lastDurationMs: 120, lastSizeBytes: 2048 });
    expect(point.restarts).toBe(2);
  });

  it('defaults to one point per 5 s and 240 points: 20 minutes', () => {
    const history = new MetricsHistory();
    expect([history.resolutionMs, history.capacity]).toEqual([HISTORY_RESOLUTION_MS, HISTORY_CAPACITY]);
    expect(HISTORY_RESOLUTION_MS * HISTORY_CAPACITY).toBeGreaterThanOrEqual(15 * 60_000);
    for (let i = 0; i < 25 * 60; i++) history.record(reading(T0 + i * 1000, i), 0);
    const points = history.points();
    expect(points).toHaveLength(240);
    expect(points.at(-1)!.at - points[0]!.at).toBe(239 * 5000);
    for (let i = 1; i < points.length; i++) expect(points[i]!.at - points[i - 1]!.at).toBe(5000);
  });

  it('refuses a resolution or a capacity it cannot work with', () => {
    expect(() => new MetricsHistory({ resolutionMs: 0 })).toThrow(/positive resolution/);
    expect(() => new MetricsHistory({ capacity: 1 })).toThrow(/two points/);
  });
});

describe('MetricsHistories', () => {
  it('keeps one history per deployment and forgets a deleted one', () => {
    const histories = new MetricsHistories({ resolutionMs: 1000, capacity: 5 });
    histories.record('a', reading(T0), 0);
    histories.record('a', reading(T0 + 1000), 0);
    histories.record('b', reading(T0), 0);
    expect(histories.series('a')).toMatchObject({ id: 'a', resolutionMs: 1000, capacity: 5 });
    expect(histories.series('a').points).toHaveLength(2);
    expect(histories.series('b').points).toHaveLength(1);
    histories.delete('a');
    expect(histories.series('a').points).toEqual([]);
  });
});

describe("the editor's appendReading", () => {
  it('makes the same points as the server from the same readings, within the same bound', () => {
    const server = new MetricsHistory({ resolutionMs: 2000, capacity: 6 });
    let editor: HistoryPoint[] = [];
    for (let i = 0; i < 40; i++) {
      const metrics = reading(T0 + i * 700, i * 13);
      server.record(metrics, Math.floor(i / 10));
      editor = appendReading(editor, metrics, Math.floor(i / 10), 2000, 6);
    }
    expect(editor).toHaveLength(6);
    expect(editor).toEqual(server.points());
  });

  it('goes on from a loaded history with the live readings, the first of which may repeat its last point', () => {
    const server = new MetricsHistory({ resolutionMs: 5000, capacity: 10 });
    for (let i = 0; i < 12; i++) server.record(reading(T0 + i * 1000, i * 100), 0);
    const loaded = server.points();
    const again = appendReading(loaded, reading(T0 + 11_000, 1100), 0, 5000, 10);
    expect(again).toEqual(loaded);
    const next = appendReading(loaded, reading(T0 + 15_000, 1500), 0, 5000, 10);
    expect(next.map((p) => p.at - T0)).toEqual([4000, 9000, 11_000, 15_000]);
    expect(next.at(-1)!.nodes.events!.inPerSecond).toBe(100);
  });
});
