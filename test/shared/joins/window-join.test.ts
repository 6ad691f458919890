import { describe, it } from 'vitest';
import { checkSteps, emitted, endOfInput, out, record, watermark } from '../harness.ts';

const PAIR = 'export default (left: string, right: string) => left + "+" + right;';
const join = (assigner: Record<string, unknown>, code = PAIR, onError?: 'route') => ({
  type: 'join.window',
  params: { assigner, code },
  ...(onError ? { onError } : {}),
});
const left = (key: string, value: string, ts: number) => record(key, value, ts, 'left');
const right = (key: string, value: string, ts: number) => record(key, value, ts, 'right');

describe('window join', () => {
  it('joins every left with every right value of a key and window when the pane fires, left arrival order first', () => {
    checkSteps(
      join({ kind: 'tumbling', sizeMs: 10 }),
      [
        [left('a', 'l1', 1), []],
        [right('a', 'r1', 2), []],
        [left('a', 'l2', 3), []],
        [right('a', 'r2', 4), []],
        [left('b', 'lb', 5), []],
        [right('a', 'r3', 12), [], { keys: 2, timers: 3 }],
        // The node's watermark is the minimum of its two inputs: nothing fires until both reach 9.
        [watermark(9, 'left'), []],
        [
          watermark(9, 'right'),
          [out('a', 'l1+r1', 9), out('a', 'l1+r2', 9), out('a', 'l2+r1', 9), out('a', 'l2+r2', 9)],
          { keys: 1, timers: 1 },
        ],
        // No allowed lateness: a record for the fired window is dropped, with no late port.
        [left('a', 'late', 5), [], { keys: 1, timers: 1 }],
        [left('a', 'l3', 19), []],
        [endOfInput(), [out('a', 'l3+r3', 19)]],
      ],
      { leakCheck: true },
    );
  });

  it('joins a pair once in every sliding window that holds both', () => {
    checkSteps(
      join({ kind: 'sliding', sizeMs: 10, slideMs: 5 }),
      [
        [left('a', 'L', 7), []],
        [right('a', 'R', 8), []],
        [right('a', 'S', 11), []],
        [endOfInput(), [out('a', 'L+R', 9), out('a', 'L+R', 14), out('a', 'L+S', 14)]],
      ],
      { leakCheck: true },
    );
  });

  it('joins within merged sessions, each side kept in arrival order', () => {
    checkSteps(
      join({ kind: 'session', gapMs: 5 }),
      [
        [left('a', 'L1', 10), []],
        [left('a', 'L2', 0), []],
        [right('b', 'X', 0), []],
        // [5, 10) touches [0, 5) and [10, 15): one session [0, 15).
        [right('a', 'R', 5), [], { keys: 2, timers: 2 }],
        [watermark(14), [out('a', 'L1+R', 14), out('a', 'L2+R', 14)], { keys: 0, timers: 0 }],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('routes a failing join function with both values, key and end - 1, and goes on with the other pairs', () => {
    const code =
      'export default (l: string, r: string) => { if (r === "bad") throw new Error("bad right"); return l + r; };';
    checkSteps(
      join({ kind: 'tumbling', sizeMs: 10 }, code, 'route'),
      [
        [left('a', 'l', 1), []],
        [right('a', 'bad', 2), []],
        [right('a', 'ok', 3), []],
        [
          endOfInput(),
          [
            emitted('error', 'a', { error: 'bad right', node: 'op', input: { left: 'l', right: 'bad' } }, 9),
            out('a', 'lok', 9),
          ],
        ],
      ],
      { leakCheck: true },
    );
  });
});
