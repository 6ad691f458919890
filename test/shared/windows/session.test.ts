import { describe, it, expect } from 'vitest';
import { SessionWindowAssigner } from '../../../shared/engine/windows/assigners.ts';
import { checkSteps, emitted, endOfInput, record, watermark } from '../harness.ts';
import { pane, VALUES, windowSpec } from './support.ts';

const session = (gapMs: number) => ({ kind: 'session', gapMs });

describe('session window assigner', () => {
  it('opens [ts, ts + gap) and counts overlapping or touching windows as one session', () => {
    expect(new SessionWindowAssigner(10).assignWindows(-5)).toEqual([{ start: -5, end: 5 }]);
    expect(SessionWindowAssigner.mergeable(0, 10, 10, 20)).toBe(true);
    expect(SessionWindowAssigner.mergeable(10, 20, 0, 10)).toBe(true);
    expect(SessionWindowAssigner.mergeable(0, 10, 11, 21)).toBe(false);
    expect(() => new SessionWindowAssigner(0)).toThrow(
      'gapMs must be a positive integer number of milliseconds, got 0',
    );
  });
});

describe('session windows', () => {
  it('keep sessions one millisecond apart separate and merge sessions that exactly touch', () => {
    checkSteps(
      windowSpec(session(10)),
      [
        [record('a', 'x', 0), []],
        [record('a', 'x', 11), [], { keys: 1, timers: 2 }],
        [watermark(9), [pane('a', 0, 10, 1)]],
        [record('b', 'x', 30), []],
        [record('b', 'x', 50), [], { keys: 2, timers: 3 }],
        // [40, 50) touches [30, 40) at 40 and [50, 60) at 50: the three become one session with one timer.
        [record('b', 'x', 40), [], { keys: 2, timers: 2 }],
        [watermark(20), [pane('a', 11, 21, 1)]],
        [watermark(58), []],
        [watermark(59), [pane('b', 30, 60, 3)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('merge accumulators with the aggregate module’s merge, in start order, then add the new value', () => {
    const code = [
      'export const createAccumulator = () => ({ sum: 0, merges: 0 });',
      'export const add = (acc: any, v: any) => ({ sum: acc.sum + v, merges: acc.merges });',
      'export const merge = (a: any, b: any) => ({ sum: a.sum + b.sum, merges: a.merges + b.merges + 1 });',
      'export const getResult = (acc: any) => acc;',
    ];
    checkSteps(
      windowSpec(session(10), { kind: 'aggregate', code }),
      [
        [record('a', 1, 0), []],
        [record('a', 2, 20), []],
        [record('a', 4, 10), []],
        [record('a', 8, 5), []],
        [endOfInput(), [pane('a', 0, 30, { sum: 15, merges: 1 })]],
      ],
      { leakCheck: true },
    );
  });

  it('merge reduce accumulators with the reduce function itself, earlier session first', () => {
    checkSteps(
      windowSpec(session(10), { kind: 'reduce', code: 'export default (acc: string, v: string) => acc + v;' }),
      [
        [record('a', 'x', 0), []],
        [record('a', 'z', 20), []],
        [record('a', 'y', 10), []],
        [endOfInput(), [pane('a', 0, 30, 'xzy')]],
      ],
      { leakCheck: true },
    );
  });

  it('merge built-in accumulators: sum, avg, min and max over merged sessions', () => {
    for (const [kind, result] of [
      ['sum', 10],
      ['avg', 2.5],
      ['min', 1],
      ['max', 4],
    ] as const) {
      checkSteps(
        windowSpec(session(10), { kind, field: 'v' }),
        [
          [record('a', { v: 4 }, 20), []],
          [record('a', { v: 1 }, 0), []],
          [record('a', { v: 3 }, 25), []],
          [record('a', { v: 2 }, 10), []],
          [endOfInput(), [pane('a', 0, 35, result)]],
        ],
        { leakCheck: true },
      );
    }
  });

  it('keep the values of merged process panes in arrival order', () => {
    checkSteps(
      windowSpec(session(10), VALUES),
      [
        [record('a', 'p', 20), []],
        [record('a', 'q', 0), []],
        [record('a', 'r', 25), []],
        [record('a', 's', 10), []],
        [endOfInput(), [pane('a', 0, 35, ['p', 'q', 'r', 's'])]],
      ],
      { leakCheck: true },
    );
  });

  it('judge lateness after merging: a record whose own window is late joins a live session it touches', () => {
    checkSteps(
      windowSpec(session(10)),
      [
        [record('a', 'x', 10), []],
        [watermark(12), []],
        // [0, 10) alone is late (9 <= 12), but it touches [10, 20), and [0, 20) is not.
        [record('a', 'y', 0), []],
        [record('a', 'z', -20), [emitted('late', 'a', 'z', -20)]],
        [watermark(19), [pane('a', 0, 20, 2)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('fire a session extended after firing only when the watermark reaches its new end, and at once when it does not grow', () => {
    checkSteps(
      windowSpec(session(10), { kind: 'count' }, { params: { allowedLatenessMs: 20 } }),
      [
        [record('a', 'x', 0), []],
        [watermark(9), [pane('a', 0, 10, 1)], { keys: 1, timers: 1 }],
        // Within lateness, [5, 15) merges with the fired [0, 10): [0, 15) lies ahead of the watermark and waits.
        [record('a', 'x', 5), [], { keys: 1, timers: 2 }],
        [watermark(13), []],
        [watermark(14), [pane('a', 0, 15, 2)]],
        // [2, 12) lies inside [0, 15), whose end the watermark passed: it fires at once with the full count.
        [record('a', 'x', 2), [pane('a', 0, 15, 3)]],
        [watermark(33), [], { keys: 1, timers: 1 }],
        [watermark(34), [], { keys: 0, timers: 0 }],
        [record('a', 'x', 3), [emitted('late', 'a', 'x', 3)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('fire sessions that grew several times on one watermark jump, in order of their final ends', () => {
    checkSteps(
      windowSpec(session(10), { kind: 'count' }, { params: { allowedLatenessMs: 20 } }),
      [
        [record('a', 'x', 0), []],
        [record('b', 'x', 1), []],
        [record('a', 'x', 5), []],
        [record('a', 'x', 12), [], { keys: 2, timers: 4 }],
        [watermark(100), [pane('b', 1, 11, 1), pane('a', 0, 22, 3)], { keys: 0, timers: 0 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('leave no timer behind when a grown session merges with an earlier one', () => {
    checkSteps(
      windowSpec(session(10)),
      [
        [record('a', 'x', 10), [], { keys: 1, timers: 1 }],
        [record('a', 'x', 15), [], { keys: 1, timers: 1 }],
        // [3, 13) reaches back into [10, 25): the session now starts at 3 and fires at 24.
        [record('a', 'x', 3), [], { keys: 1, timers: 2 }],
        [watermark(19), [], { keys: 1, timers: 1 }],
        [watermark(24), [pane('a', 3, 25, 3)], { keys: 0, timers: 0 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('run sessions per key independently', () => {
    checkSteps(
      windowSpec(session(5)),
      [
        [record('a', 'x', 0), []],
        [record('b', 'x', 3), []],
        [record('a', 'x', 4), []],
        [record('b', 'x', 9), []],
        // a's sessions [0, 5) and [4, 9) merged into [0, 9); b's [3, 8) ends first.
        [watermark(8), [pane('b', 3, 8, 1), pane('a', 0, 9, 2)]],
        [endOfInput(), [pane('b', 9, 14, 1)]],
      ],
      { leakCheck: true },
    );
  });
});
