import { describe, it, expect } from 'vitest';
import { TumblingWindowAssigner, floorMod } from '../../../shared/engine/windows/assigners.ts';
import { checkSteps, endOfInput, record, watermark } from '../harness.ts';
import { pane, VALUES, windowSpec } from './support.ts';

describe('tumbling window assigner', () => {
  it('computes floorMod with the sign of the divisor, as Java does', () => {
    expect(floorMod(7, 10)).toBe(7);
    expect(floorMod(-1, 10)).toBe(9);
    expect(floorMod(-10, 10)).toBe(0);
    expect(Object.is(floorMod(-10, 10), -0)).toBe(false);
    expect(floorMod(-11, 10)).toBe(9);
  });

  it('puts each timestamp into [ts - floorMod(ts - offset, size), + size), negative timestamps included', () => {
    const plain = new TumblingWindowAssigner(10);
    expect(plain.assignWindows(0)).toEqual([{ start: 0, end: 10 }]);
    expect(plain.assignWindows(9)).toEqual([{ start: 0, end: 10 }]);
    expect(plain.assignWindows(10)).toEqual([{ start: 10, end: 20 }]);
    expect(plain.assignWindows(-1)).toEqual([{ start: -10, end: 0 }]);
    expect(plain.assignWindows(-10)).toEqual([{ start: -10, end: 0 }]);
    expect(plain.assignWindows(-11)).toEqual([{ start: -20, end: -10 }]);
    const shifted = new TumblingWindowAssigner(10, 3);
    expect(shifted.assignWindows(3)).toEqual([{ start: 3, end: 13 }]);
    expect(shifted.assignWindows(2)).toEqual([{ start: -7, end: 3 }]);
    expect(shifted.assignWindows(-8)).toEqual([{ start: -17, end: -7 }]);
    const back = new TumblingWindowAssigner(10, -3);
    expect(back.assignWindows(7)).toEqual([{ start: 7, end: 17 }]);
    expect(back.assignWindows(6)).toEqual([{ start: -3, end: 7 }]);
    expect(back.assignWindows(-4)).toEqual([{ start: -13, end: -3 }]);
  });

  it('refuses a non-positive size and an offset as large as the size, saying how to fix them', () => {
    expect(() => new TumblingWindowAssigner(0)).toThrow(
      'sizeMs must be a positive integer number of milliseconds, got 0',
    );
    expect(() => new TumblingWindowAssigner(10, 10)).toThrow(
      'offsetMs must be smaller than sizeMs in magnitude (|offsetMs| < sizeMs), got 10 with sizeMs 10; an offset of 0 gives the same windows',
    );
    expect(() => new TumblingWindowAssigner(10, -12)).toThrow('an offset of 8 gives the same windows');
  });
});

describe('tumbling event-time windows', () => {
  it('fire each pane when the watermark reaches end - 1, with boundaries and negative timestamps exact', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10 }),
      [
        [record('a', 'x', 0), []],
        [record('a', 'x', 9), []],
        [record('a', 'x', 10), []],
        [record('a', 'x', -1), []],
        [record('a', 'x', -10), []],
        [record('a', 'x', -11), [], { keys: 1, timers: 4 }],
        [watermark(-12), []],
        [watermark(-11), [pane('a', -20, -10, 1)]],
        [watermark(-1), [pane('a', -10, 0, 2)]],
        [watermark(8), []],
        [watermark(9), [pane('a', 0, 10, 2)], { keys: 1, timers: 1 }],
        [endOfInput(), [pane('a', 10, 20, 1)]],
      ],
      { leakCheck: true },
    );
  });

  it('shift windows by a positive or negative offset', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10, offsetMs: 3 }, VALUES),
      [
        [record('a', 3, 3), []],
        [record('a', 2, 2), []],
        [record('a', -7, -7), []],
        [record('a', -8, -8), []],
        [record('a', 12, 12), []],
        [record('a', 13, 13), []],
        [watermark(2), [pane('a', -17, -7, [-8]), pane('a', -7, 3, [2, -7])]],
        [endOfInput(), [pane('a', 3, 13, [3, 12]), pane('a', 13, 23, [13])]],
      ],
      { leakCheck: true },
    );
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10, offsetMs: -3 }, VALUES),
      [
        [record('a', 7, 7), []],
        [record('a', 6, 6), []],
        [record('a', -4, -4), []],
        [endOfInput(), [pane('a', -13, -3, [-4]), pane('a', -3, 7, [6]), pane('a', 7, 17, [7])]],
      ],
      { leakCheck: true },
    );
  });

  it('keep keys apart: 1 and "1" are different keys, null is a key of its own', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10 }),
      [
        [record(1, 'x', 1), []],
        [record('1', 'x', 2), []],
        [record(null, 'x', 3), []],
        [record(1, 'x', 4), [], { keys: 3, timers: 3 }],
        [watermark(9), [pane(1, 0, 10, 2), pane('1', 0, 10, 1), pane(null, 0, 10, 1)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('fire panes due on one watermark in order of end, then of the order their keys were first seen', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10 }),
      [
        [record('b', 'x', 1), []],
        [record('a', 'x', 2), []],
        [record('c', 'x', 12), []],
        [record('a', 'x', 11), []],
        [record('c', 'x', 3), []],
        [
          watermark(25),
          [pane('b', 0, 10, 1), pane('a', 0, 10, 1), pane('c', 0, 10, 1), pane('a', 10, 20, 1), pane('c', 10, 20, 1)],
          { keys: 0, timers: 0 },
        ],
        // Every key's state was dropped, so they count as first seen again, in this new order.
        [record('c', 'x', 31), []],
        [record('a', 'x', 32), []],
        [record('b', 'x', 33), []],
        [watermark(39), [pane('c', 30, 40, 1), pane('a', 30, 40, 1), pane('b', 30, 40, 1)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('fire everything still open at end of input, in order of end', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 1000 }),
      [
        [record('k', 'x', 2500), []],
        [record('j', 'x', 500), []],
        [record('k', 'x', 700), []],
        // Same end: k was seen before j.
        [endOfInput(), [pane('k', 0, 1000, 1), pane('j', 0, 1000, 1), pane('k', 2000, 3000, 1)]],
      ],
      { leakCheck: true },
    );
  });

  it('drop a record whose window already fired (no lateness) to the late port, unchanged', () => {
    checkSteps(
      windowSpec({ kind: 'tumbling', sizeMs: 10 }),
      [
        [record('a', { n: 1 }, 5), []],
        [watermark(9), [pane('a', 0, 10, 1)], { keys: 0, timers: 0 }],
        [record('a', { n: 2 }, 9), [{ port: 'late', key: 'a', value: { n: 2 }, timestamp: 9 }], { keys: 0, timers: 0 }],
        [record('a', { n: 3 }, 10), []],
        [endOfInput(), [pane('a', 10, 20, 1)]],
      ],
      { leakCheck: true },
    );
  });
});
