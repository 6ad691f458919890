import { describe, it, expect } from 'vitest';
import type { PipelineDoc } from '../../shared/pipeline/types.ts';
import { toJsonText, type RecordEntry } from '../../web/src/simulation/protocol.ts';
import {
  compactJson,
  formatWindowRange,
  hasWindowResults,
  windowResultOf,
  windowTitle,
} from '../../web/src/simulation/views/window-results.ts';
import { readExample, startSession } from './simulation-support.ts';

let seq = 0;
function entry(value: unknown, port = 'out'): RecordEntry {
  return { seq: ++seq, step: 1, port, key: null, json: toJsonText(value), timestamp: 0 };
}

describe('window results in the records table', () => {
  it('reads what a time window emits as window, key and the whole result', () => {
    const doc = readExample('page-views.weir.json');
    const run = startSession(doc);
    run.session.runTo();
    const records = run.results().perMinute!.records;
    expect(hasWindowResults(records)).toBe(true);
    const rows = records.map(windowResultOf);
    expect(rows.filter((r) => r === null)).toHaveLength(1); // the late record
    expect(rows[0]).toEqual({ key: 1, window: { start: 0, end: 60000 }, resultText: '2' });
    expect(formatWindowRange(rows[0]!.window)).toBe('00:00:00.000 – 00:01:00.000');
    expect(windowTitle(rows[0]!.window)).toContain('[0, 60000)');
    // Upstream of the window nothing is a window result: those tables keep their value column.
    expect(hasWindowResults(run.results().views!.records)).toBe(false);
  });

  it('reads what a count window emits (no time range)', () => {
    const doc: PipelineDoc = {
      format: 'weir/v1',
      id: 'counts',
      name: 'Counts',
      nodes: [
        {
          id: 'src',
          type: 'source.kafka',
          params: { topic: 't' },
          samples: [1, 2, 3, 4].map((n) => ({ key: 'a', value: { n }, timestamp: n * 1000 })),
        },
        { id: 'byKey', type: 'keyBy', params: { field: 'n' } },
        { id: 'pairs', type: 'window', params: { assigner: { kind: 'count', size: 1 }, aggregate: { kind: 'count' } } },
        { id: 'out', type: 'sink.kafka', params: { topic: 'o' } },
      ],
      edges: [
        { from: 'src', to: 'byKey' },
        { from: 'byKey', to: 'pairs' },
        { from: 'pairs', to: 'out' },
      ],
    } as PipelineDoc;
    const run = startSession(doc);
    run.session.runTo();
    expect(run.end().status).toBe('done');
    const records = run.results().pairs!.records;
    expect(records.length).toBeGreaterThan(0);
    const row = windowResultOf(records[0]!)!;
    expect(row.window).toBeNull();
    expect(row.resultText).toBe('1');
    expect(formatWindowRange(row.window)).toBe('count window');
  });

  it('shows the result complete, compact, with room to wrap', () => {
    const result = {
      views: 3,
      pages: ['/home', '/pricing'],
      nested: { a: [1, { b: 'x, y: z' }], empty: {}, none: [] },
      text: 'a'.repeat(400),
    };
    const row = windowResultOf(entry({ key: 'u1', window: { start: 60000, end: 120000 }, result }))!;
    expect(row.resultText).toBe(
      `{"views": 3, "pages": ["/home", "/pricing"], "nested": {"a": [1, {"b": "x, y: z"}], "empty": {}, "none": []}, "text": "${'a'.repeat(400)}"}`,
    );
    expect(JSON.parse(row.resultText)).toEqual(result);
    expect(compactJson(undefined)).toBe('undefined');
    expect(windowResultOf(entry({ key: 1, window: { start: 0, end: 10 } }))!.resultText).toBe('undefined');
  });

  it('takes only values of exactly that shape for window results', () => {
    expect(windowResultOf(entry({ key: 1, result: 2 }))).toBeNull(); // a rolling aggregate: no window
    expect(windowResultOf(entry({ key: 1, window: { start: 0, end: 1 }, result: 2, extra: true }))).toBeNull();
    expect(windowResultOf(entry({ key: 1, window: { start: 0 }, result: 2 }))).toBeNull();
    expect(windowResultOf(entry({ key: { id: 1 }, window: null, result: 2 }))).toBeNull();
    expect(windowResultOf(entry('{"key":1,"window":null}'))).toBeNull(); // a string that looks like one
    expect(hasWindowResults([entry({ user_id: 3 }), entry([1, 2])])).toBe(false);
  });

  it('writes windows readably: clock times from 0, UTC dates for epoch times', () => {
    expect(formatWindowRange({ start: 3_600_000 * 26 + 5_007, end: 3_600_000 * 26 + 65_007 })).toBe(
      '26:00:05.007 – 26:01:05.007',
    );
    expect(formatWindowRange({ start: -60_000, end: 0 })).toBe('−00:01:00.000 – 00:00:00.000');
    const start = Date.UTC(2024, 4, 1, 23, 59);
    expect(formatWindowRange({ start, end: start + 60_000 })).toBe('2024-05-01 23:59:00.000 – 2024-05-02 00:00:00.000');
    expect(formatWindowRange({ start, end: start + 30_000 })).toBe('2024-05-01 23:59:00.000 – 23:59:30.000');
  });
});
