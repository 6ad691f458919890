import { describe, it, expect } from 'vitest';
import { SlidingWindowAssigner } from '../../../shared/engine/windows/assigners.ts';
import { checkSteps, endOfInput, record, watermark } from '../harness.ts';
import { pane, VALUES, windowSpec } from './support.ts';

describe('sliding window assigner', () => {
  it('gives the windows [s, s + size) for s = last, last - slide, … while s > ts - size', () => {
    const a = new SlidingWindowAssigner(10, 5);
    expect(a.assignWindows(7)).toEqual([
      { start: 5, end: 15 },
      { start: 0, end: 10 },
    ]);
    expect(a.assignWindows(5)).toEqual([
      { start: 5, end: 15 },
      { start: 0, end: 10 },
    ]);
    expect(a.assignWindows(4)).toEqual([
      { start: 0, end: 10 },
      { start: -5, end: 5 },
    ]);
    expect(a.assignWindows(-3)).toEqual([
      { start: -5, end: 5 },
      { start: -10, end: 0 },
    ]);
    // A size that is not a multiple of the slide: 4 windows or 3, depending on the timestamp.
    const b = new SlidingWindowAssigner(10, 3, 1);
    expect(b.assignWindows(7)).toEqual([
      { start: 7, end: 17 },
      { start: 4, end: 14 },
      { start: 1, end: 11 },
      { start: -2, end: 8 },
    ]);
    expect(b.assignWindows(8)).toEqual([
      { start: 7, end: 17 },
      { start: 4, end: 14 },
      { start: 1, end: 11 },
    ]);
    // slide = size is tumbling.
    expect(new SlidingWindowAssigner(10, 10).assignWindows(-1)).toEqual([{ start: -10, end: 0 }]);
  });

  it('refuses a slide larger than the size and an offset as large as the slide', () => {
    expect(() => new SlidingWindowAssigner(10, 11)).toThrow(
      'slideMs must not exceed sizeMs (slideMs ≤ sizeMs), got 11 with sizeMs 10',
    );
    expect(() => new SlidingWindowAssigner(10, 5, 5)).toThrow(
      'offsetMs must be smaller than slideMs in magnitude (|offsetMs| < slideMs), got 5 with slideMs 5',
    );
    expect(() => new SlidingWindowAssigner(10, 0)).toThrow(
      'slideMs must be a positive integer number of milliseconds, got 0',
    );
  });
});

describe('sliding event-time windows', () => {
  it('put each record into every window that holds it and fire them in order of end', () => {
    checkSteps(
      windowSpec({ kind: 'sliding', sizeMs: 10, slideMs: 3, offsetMs: 1 }, VALUES),
      [
        [record('a', 7, 7), [], { keys: 1, timers: 4 }],
        [record('a', 8, 8), [], { keys: 1, timers: 4 }],
        [watermark(7), [pane('a', -2, 8, [7])]],
        [watermark(12), [pane('a', 1, 11, [7, 8])], { keys: 1, timers: 2 }],
        [endOfInput(), [pane('a', 4, 14, [7, 8]), pane('a', 7, 17, [7, 8])]],
      ],
      { leakCheck: true },
    );
  });

  it('count overlapping windows with several keys, each window fired once', () => {
    checkSteps(
      windowSpec({ kind: 'sliding', sizeMs: 10, slideMs: 5 }),
      [
        [record('a', 'x', 4), []],
        [record('b', 'x', 6), []],
        [record('a', 'x', 5), []],
        [watermark(4), [pane('a', -5, 5, 1)]],
        [watermark(9), [pane('a', 0, 10, 2), pane('b', 0, 10, 1)]],
        // a was seen before b and both keep a pane [5, 15) throughout, so a fires first.
        [endOfInput(), [pane('a', 5, 15, 1), pane('b', 5, 15, 1)]],
      ],
      { leakCheck: true },
    );
  });

  it('send a record to the late port only when all of its windows are late', () => {
    checkSteps(
      windowSpec({ kind: 'sliding', sizeMs: 10, slideMs: 5 }),
      [
        [watermark(9), []],
        // [0, 10) is late but [5, 15) is not: the record is taken, not late.
        [record('a', 'x', 7), []],
        [watermark(14), [pane('a', 5, 15, 1)]],
        [record('a', 'y', 9), [{ port: 'late', key: 'a', value: 'y', timestamp: 9 }]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });
});
