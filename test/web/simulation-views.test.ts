import { describe, it, expect } from 'vitest';
import { inputRecords, appendKeeping, isComplete } from '../../web/src/simulation/results.ts';
import { buildTimeline } from '../../web/src/simulation/views/timeline-model.ts';
import { stateRows, readableState } from '../../web/src/simulation/views/state-model.ts';
import { formatTick, ticks, formatTime } from '../../web/src/simulation/views/format.ts';
import { Ring } from '../../web/src/simulation/ring.ts';
import { formatLogLine } from '../../web/src/simulation/collector.ts';
import { fromJsonText, toJsonText } from '../../web/src/simulation/protocol.ts';
import { readExample, startSession } from './simulation-support.ts';

function pageViewsRun() {
  const doc = readExample('page-views.weir.json');
  const run = startSession(doc);
  run.session.runTo();
  return { doc, results: run.results(), end: run.end() };
}

describe('the ring of newest entries', () => {
  it('keeps the newest items in order and reports a gap when more arrived than were taken', () => {
    const ring = new Ring<number>(4);
    for (let i = 1; i <= 6; i++) ring.push(i);
    expect(ring.all()).toEqual([3, 4, 5, 6]);
    expect(ring.takeFresh(2)).toEqual([5, 6]);
    expect(ring.gap).toBe(true);
    ring.push(7);
    expect(ring.takeFresh(2)).toEqual([7]);
    expect(ring.newest(2)).toEqual([6, 7]);
  });

  it('appends to a kept list without growing past its limit', () => {
    expect(appendKeeping([1, 2, 3], [4, 5], 4)).toEqual([2, 3, 4, 5]);
    expect(appendKeeping([1, 2], [3, 4, 5, 6, 7], 3)).toEqual([5, 6, 7]);
    expect(appendKeeping([1], [], 3)).toEqual([1]);
  });
});

describe('the records view', () => {
  it('shows a node’s input as the records of the ports feeding it, under the input port’s name', () => {
    const { doc, results } = pageViewsRun();
    const intoWindow = inputRecords(doc, results, 'perMinute');
    expect(intoWindow).toHaveLength(11);
    expect(intoWindow.every((r) => r.port === 'in')).toBe(true);
    const intoLateSink = inputRecords(doc, results, 'late_page_views');
    expect(intoLateSink.map((r) => [r.key, r.timestamp])).toEqual([[3, 55000]]);
    expect(isComplete(results.perMinute)).toBe(true);
  });

  it('carries values as JSON text, even what user code should not put into a value', () => {
    expect(toJsonText({ a: [1, 'x'], b: null })).toBe('{"a":[1,"x"],"b":null}');
    expect(toJsonText({ f: function named() {} })).toBe('{"f":"[function named]"}');
    expect(toJsonText(undefined)).toBe('undefined');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(toJsonText(cycle)).toBe('"[object Object]"');
    expect(fromJsonText('undefined')).toBeUndefined();
    expect(fromJsonText('{"a":1}')).toEqual({ a: 1 });
  });

  it('formats log arguments like a console does', () => {
    expect(formatLogLine(['n =', 3, { a: [1] }, null, undefined, true])).toBe('n = 3 {"a":[1]} null undefined true');
  });
});

describe('the window timeline', () => {
  it('draws one row per key and a pane per key and minute, fired, and the late record of key 3', () => {
    const { doc, results } = pageViewsRun();
    const r = results.perMinute!;
    const model = buildTimeline(
      r.windowEvents,
      inputRecords(doc, results, 'perMinute'),
      r.records,
      r.watermarks,
      r.watermark,
    );
    expect(model.keys.map((k) => k.key)).toEqual([1, 2, 3]);
    expect(model.panes.map((p) => [p.keyId, p.start, p.end, p.firedAt.length, p.purged])).toEqual([
      ['1', 0, 60000, 1, true],
      ['2', 0, 60000, 1, true],
      ['3', 0, 60000, 1, true],
      ['1', 60000, 120000, 1, true],
      ['2', 60000, 120000, 1, true],
      ['3', 60000, 120000, 1, true],
    ]);
    expect(model.panes.map((p) => p.results)).toEqual([[2], [3], [1], [2], [1], [1]]);
    expect(model.late).toEqual([{ keyId: '3', timestamp: 55000, step: 11 }]);
    expect(model.min).toBe(0);
    expect(model.max).toBe(120000);
    expect(model.currentWatermark).toBe(Infinity);
  });

  it('filters keys and counts the ones it leaves out', () => {
    const { doc, results } = pageViewsRun();
    const r = results.perMinute!;
    const model = buildTimeline(
      r.windowEvents,
      inputRecords(doc, results, 'perMinute'),
      r.records,
      r.watermarks,
      r.watermark,
      { keyFilter: '2' },
    );
    expect(model.keys.map((k) => k.key)).toEqual([2]);
    expect(model.hiddenKeys).toBe(2);
    expect(model.panes.every((p) => p.keyId === '2')).toBe(true);
    expect(model.records).toHaveLength(4);
  });
});

describe('the state view', () => {
  it('lists window panes per key, with their timers, from the state before end of input', () => {
    const { end } = pageViewsRun();
    const view = stateRows(JSON.parse(end.state.beforeEnd!.perMinute!));
    expect(view.keyed).toBe(true);
    // After the last sample (watermark 89999) the minute [60000, 120000) is open for every key; user 1 counted
    // 62000 and 90000, user 2 66000, user 3 95000.
    expect(view.rows.map((row) => [row.key, row.state])).toEqual([
      [1, [{ window: '[60000, 120000)', accumulator: 2 }]],
      [2, [{ window: '[60000, 120000)', accumulator: 1 }]],
      [3, [{ window: '[60000, 120000)', accumulator: 1 }]],
    ]);
    expect(view.rows[0]!.timers).toEqual({ timers: [119999] });
  });

  it('reads process state as named values, lists and maps', () => {
    expect(
      readableState({
        v: [['count', 3]],
        l: [['seen', [1, 2]]],
        m: [
          [
            'byType',
            [
              ['a', 1],
              [2, 'b'],
            ],
          ],
        ],
      }),
    ).toEqual({ count: 3, seen: [1, 2], byType: { a: 1, '2': 'b' } });
  });
});

describe('time formatting', () => {
  it('picks round tick steps and writes them in readable units', () => {
    expect(ticks(0, 120000, 6)).toEqual([0, 20000, 40000, 60000, 80000, 100000, 120000]);
    expect(formatTick(90000, 120000)).toBe('1m30s');
    expect(formatTick(250, 1000)).toBe('250ms');
    expect(formatTime(-Infinity)).toBe('−∞');
  });
});
