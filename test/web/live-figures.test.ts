/** The running job on the canvas: the figures per node and port, and the rule for the node that holds the job back. */
import { describe, it, expect } from 'vitest';
import type { DeploymentMetrics, NodeRuntimeMetrics } from '../../shared/api/deployments.ts';
import {
  formatLag,
  formatLiveRate,
  holdingBack,
  LAG_THRESHOLD,
  liveFigures,
  nodeLine,
} from '../../web/src/deploy/live-figures.ts';
import { noCheckpoints } from '../../shared/api/deployments.ts';

function reading(
  at: number,
  nodes: Record<string, Partial<NodeRuntimeMetrics>>,
  lag: Record<string, number> = {},
): DeploymentMetrics {
  const full: Record<string, NodeRuntimeMetrics> = {};
  for (const [id, n] of Object.entries(nodes)) full[id] = { in: 0, out: {}, errors: 0, ...n };
  return {
    at,
    nodes: full,
    lag,
    partitions: [],
    checkpoints: noCheckpoints(),
  };
}

describe('live figures', () => {
  it('gives each node its rate in, errors and (sources) lag, and each output port its share of the rate out', () => {
    const before = reading(
      0,
      { events: { in: 0, out: { out: 0 } }, filter: { in: 0, out: { out: 0, error: 0 } } },
      { events: 10 },
    );
    const now = reading(
      2000,
      { events: { in: 2400, out: { out: 2400 } }, filter: { in: 2400, out: { out: 1800, error: 200 }, errors: 3 } },
      { events: 4500 },
    );
    const figures = liveFigures(before, now);
    expect(figures.nodes.events).toEqual({
      inPerSecond: 1200,
      outPerSecond: 1200,
      errors: 0,
      lag: 4500,
      ports: { out: 1200 },
    });
    expect(figures.nodes.filter!.ports).toEqual({ out: 900, error: 100 });
    expect(nodeLine(figures.nodes.events!, true)).toBe('1.2k/s out · lag 4\u202f500');
    // The Weir target counts no records into a source (it has no input); its line gives what it sends on.
    const weirSource = liveFigures(
      reading(0, { events: { in: 0, out: { out: 0 } } }, { events: 10 }),
      reading(2000, { events: { in: 0, out: { out: 2400 } } }, { events: 4500 }),
    );
    expect(nodeLine(weirSource.nodes.events!, true)).toBe('1.2k/s out · lag 4\u202f500');
    expect(nodeLine(weirSource.nodes.events!)).toBe('0/s in · lag 4\u202f500');
    expect(nodeLine(figures.nodes.filter!)).toBe('1.2k/s in · 3 err');
  });

  it("splits the server's own rate out between the ports by their counts, and gives a lone port the whole rate at once", () => {
    const first = reading(0, {
      split: { in: 10, out: { a: 10, b: 0 }, inPerSecond: 5, outPerSecond: 5 },
      one: { in: 4, out: { out: 4 }, outPerSecond: 7 },
    });
    expect(liveFigures(null, first).nodes.one!.ports).toEqual({ out: 7 });
    expect(liveFigures(null, first).nodes.split!.ports).toEqual({}); // no reading before: no way to split
    const next = reading(1000, { split: { in: 40, out: { a: 25, b: 15 }, inPerSecond: 30, outPerSecond: 60 } });
    expect(liveFigures(first, next).nodes.split!.ports).toEqual({ a: 30, b: 30 });
  });

  it('words rates and counts compactly', () => {
    expect([0, 0.44, 12.4, 999, 1234, 35_000, 2_100_000].map(formatLiveRate)).toEqual([
      '0/s',
      '0.4/s',
      '12/s',
      '999/s',
      '1.2k/s',
      '35k/s',
      '2.1M/s',
    ]);
    expect(formatLag(1234567)).toBe('1\u202f234\u202f567');
  });
});

describe('the node that holds the job back', () => {
  it('is, on Flink, the node Flink rates most back-pressured', () => {
    const now = reading(1000, {
      events: { backpressure: 'high', backpressureRatio: 0.8 },
      filter: { backpressure: 'low', backpressureRatio: 0.3 },
      counts: { backpressure: 'ok', backpressureRatio: 0 },
    });
    const held = holdingBack(null, now)!;
    expect(held).toMatchObject({ nodeId: 'events', rule: 'backpressure' });
    expect(held.reason).toMatch(/^Back-pressured 80% of the time \(Flink rates it high\)/);
  });

  it('takes the level alone when Flink gives no ratio, and ignores nodes it rates ok', () => {
    expect(holdingBack(null, reading(0, { a: { backpressure: 'low' }, b: { backpressure: 'high' } }))?.nodeId).toBe(
      'b',
    );
    expect(holdingBack(null, reading(0, { a: { backpressure: 'ok', backpressureRatio: 0.05 } }))).toBeNull();
  });

  it('is otherwise the source whose lag grows fastest, once its lag is above the threshold', () => {
    const before = reading(0, { a: {}, b: {} }, { a: 2000, b: 5000 });
    const now = reading(2000, { a: {}, b: {} }, { a: 8000, b: 6000 });
    const held = holdingBack(before, now)!;
    expect(held).toMatchObject({ nodeId: 'a', rule: 'lag' });
    expect(held.reason).toBe(
      'Lag grew by 3k/s to 8\u202f000 records: the job reads this source more slowly than records arrive.',
    );
  });

  it('is nobody while the job keeps up: lag that shrinks, a burst below the threshold, a first reading', () => {
    expect(holdingBack(reading(0, {}, { a: 9000 }), reading(1000, {}, { a: 4000 }))).toBeNull();
    expect(holdingBack(reading(0, {}, { a: 0 }), reading(1000, {}, { a: LAG_THRESHOLD }))).toBeNull();
    expect(holdingBack(null, reading(1000, {}, { a: 50_000 }))).toBeNull();
  });
});
