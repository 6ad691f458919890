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
        [left('a', 'L10', 10), [], { keys: 1, timers: 1 }],
        [right('a', 'R8', 8), [out('a', 'L10|R8', 10)]],
        [right('a', 'R13', 13), [out('a', 'L10|R13', 13)]],
        [right('a', 'R7', 7), []],
        [right('a', 'R14', 14), []],
        [right('b', 'Rb', 10), [], { keys: 2, timers: 6 }],
        // Matched against the right buffer in its arrival order.
        [left('a', 'L11', 11), [out('a', 'L11|R13', 13), out('a', 'L11|R14', 14)]],
        // R7 could only ever match lefts in [9, 12], which the watermark has passed: it is gone.
        [watermark(10), [], { keys: 2, timers: 6 }],
        [right('a', 'R9', 9), []],
        [right('a', 'R10', 10), [out('a', 'L10|R10', 10), out('a', 'L11|R10', 11)]],
        [watermark(13), [], { keys: 1, timers: 4 }],
        // A record exactly at the watermark is not below it, and still meets L10 at the edge of its interval.
        [right('a', 'R13b', 13), [out('a', 'L10|R13b', 13), out('a', 'L11|R13b', 13)], { keys: 1, timers: 4 }],
        [watermark(14), [], { keys: 1, timers: 3 }],
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
        [watermark(7), [], { keys: 1, timers: 2 }],
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
    const code = 'export default (l: string, r: string) => { if (l === r) throw new Error("same " + l); return l + r; };';
    checkSteps(
      join(-10, 10, code, 'route'),
      [
        [left('k', 'x', 1), []],
        [right('k', 'x', 4), [emitted('error', 'k', { error: 'same x', node: 'op', input: { left: 'x', right: 'x' } }, 4)]],
        [right('k', 'y', 2), [out('k', 'xy', 2)]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });
});
