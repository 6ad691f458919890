import { describe, it } from 'vitest';
import { checkSteps, emitted, endOfInput, out, record, watermark } from '../harness.ts';

const PAIR = 'export default (left: string, right: string) => left + "|" + right;';
const join = (lowerBoundMs: number, upperBoundMs: number, code = PAIR, onError?: 'route') => ({
  type: 'join.interval',
  params: { lowerBoundMs, upperBoundMs, code },
  ...(onError ? { onError } : {}),
});
const left = (key: string, value: string, ts: number) => record(key, value, ts, 'left');
const right = (key: string, value: string, ts: number) => record(key, value, ts, 'right');

describe('interval join', () => {
  it('emits a pair as soon as both sides are there, bounds inclusive, at max(l.ts, r.ts), and drops records below the watermark', () => {
    checkSteps(
      join(-2, 3),
      [
        // Cleanup timers, as Flink's: a left record at l.ts + 3, a right one at r.ts + 2.
        [left('a', 'L10', 10), [], { keys: 1, timers: 1 }],
        [right('a', 'R8', 8), [out('a', 'L10|R8', 10)]],
        [right('a', 'R13', 13), [out('a', 'L10|R13', 13)]],
        [right('a', 'R7', 7), []],
        [right('a', 'R14', 14), []],
        [right('b', 'Rb', 10), [], { keys: 2, timers: 6 }],
        // Matched against the right buffer in its arrival order.
        [left('a', 'L11', 11), [out('a', 'L11|R13', 13), out('a', 'L11|R14', 14)], { keys: 2, timers: 7 }],
        // R7 could only ever match lefts in [9, 12] and R8 lefts in [10, 13]: the watermark 10 drops both (at 9, 10).
        [watermark(10), [], { keys: 2, timers: 5 }],
        [right('a', 'R9', 9), []],
        [right('a', 'R10', 10), [out('a', 'L10|R10', 10), out('a', 'L11|R10', 11)], { keys: 2, timers: 6 }],
        // Drops Rb and R10 (at 12) and L10 (at 13): key b is gone.
        [watermark(13), [], { keys: 1, timers: 3 }],
        // A record exactly at the watermark is not late, but L10, whose last possible partner was at 13, is gone.
        [right('a', 'R13b', 13), [out('a', 'L11|R13b', 13)], { keys: 1, timers: 3 }],
        [watermark(14), [], { keys: 1, timers: 2 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('drops a buffered record when the watermark reaches the last timestamp it could match, so a partner exactly at the watermark finds nothing', () => {
    // Left records are dropped at l.ts + upperBoundMs: L10 could meet rights up to 15.
    checkSteps(
      join(0, 5),
      [
        [left('a', 'L10', 10), [], { keys: 1, timers: 1 }],
        [watermark(14), [], { keys: 1, timers: 1 }],
        [right('a', 'R14', 14), [out('a', 'L10|R14', 14)], { keys: 1, timers: 2 }],
        [watermark(15), [], { keys: 0, timers: 0 }],
        [right('a', 'R15', 15), [], { keys: 1, timers: 1 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
    // Right records are dropped at r.ts - lowerBoundMs: R10 could meet lefts up to 15.
    checkSteps(
      join(-5, 0),
      [
        [right('a', 'R10', 10), [], { keys: 1, timers: 1 }],
        [watermark(14), [], { keys: 1, timers: 1 }],
        [left('a', 'L14', 14), [out('a', 'L14|R10', 14)], { keys: 1, timers: 2 }],
        [watermark(15), [], { keys: 0, timers: 0 }],
        [left('a', 'L15', 15), [], { keys: 1, timers: 1 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('keeps a record whose partners all lie before it until the watermark reaches its own timestamp, as Flink does', () => {
    // upperBoundMs < 0: L10 matches rights in [5, 9]; Flink's cleanup timer is at max(l.ts, l.ts + upper) = 10.
    checkSteps(
      join(-5, -1),
      [
        [left('a', 'L10', 10), [], { keys: 1, timers: 1 }],
        [watermark(9), [], { keys: 1, timers: 1 }],
        [right('a', 'R9', 9), [out('a', 'L10|R9', 10)], { keys: 1, timers: 2 }],
        [watermark(10), [], { keys: 1, timers: 1 }],
        [watermark(14), [], { keys: 0, timers: 0 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
    // lowerBoundMs > 0: R10 matches lefts in [7, 9]; its cleanup timer is at max(r.ts, r.ts - lower) = 10.
    checkSteps(
      join(1, 3),
      [
        [right('a', 'R10', 10), [], { keys: 1, timers: 1 }],
        [watermark(9), [], { keys: 1, timers: 1 }],
        [left('a', 'L9', 9), [out('a', 'L9|R10', 10)], { keys: 1, timers: 2 }],
        [watermark(10), [], { keys: 1, timers: 1 }],
        [watermark(12), [], { keys: 0, timers: 0 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('matches equal timestamps only when both bounds are 0, and always calls code(left, right)', () => {
    checkSteps(
      join(0, 0),
      [
        [left('a', 'L', 5), []],
        [right('a', 'R', 5), [out('a', 'L|R', 5)]],
        [right('a', 'R6', 6), []],
        [right('a', 'S', 7), []],
        [left('a', 'M', 7), [out('a', 'M|S', 7)]],
        [watermark(6), [], { keys: 1, timers: 2 }],
        [right('a', 'T', 7), [out('a', 'M|T', 7)], { keys: 1, timers: 2 }],
        [watermark(7), [], { keys: 0, timers: 0 }],
        // Not late at the watermark, and buffered until the next watermark, but every partner at 7 is gone.
        [left('a', 'N', 7), [], { keys: 1, timers: 1 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('joins right records that come before the left one when both bounds are negative', () => {
    checkSteps(
      join(-5, -1),
      [
        [right('a', 'R3', 3), []],
        [left('a', 'L5', 5), [out('a', 'L5|R3', 5)]],
        [left('a', 'L9', 9), []],
        [right('a', 'R4', 4), [out('a', 'L5|R4', 5), out('a', 'L9|R4', 9)]],
        [right('a', 'R8', 8), [out('a', 'L9|R8', 9)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('routes a failing join function with both values, key and the pair’s timestamp', () => {
    const code =
      'export default (l: string, r: string) => { if (l === r) throw new Error("same " + l); return l + r; };';
    checkSteps(
      join(-10, 10, code, 'route'),
      [
        [left('k', 'x', 1), []],
        [
          right('k', 'x', 4),
          [emitted('error', 'k', { error: 'same x', node: 'op', input: { left: 'x', right: 'x' } }, 4)],
        ],
        [right('k', 'y', 2), [out('k', 'xy', 2)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });
});
