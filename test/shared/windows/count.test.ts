import { describe, it, expect } from 'vitest';
import { CountWindowAssigner } from '../../../shared/engine/windows/assigners.ts';
import { checkSteps, emitted, endOfInput, out, record, watermark } from '../harness.ts';
import { VALUES, windowSpec } from './support.ts';

/** Count windows emit `window: null` and the timestamp of the record that fired them (SPEC §3). */
const fired = (key: string, result: unknown, timestamp: number) => out(key, { key, window: null, result }, timestamp);

describe('count windows', () => {
  it('fire and purge after every N records of a key, never late, and never fire an incomplete window at end of input', () => {
    checkSteps(windowSpec({ kind: 'count', size: 3 }, { kind: 'sum', field: 'v' }), [
      [record('a', { v: 1 }, 10), []],
      [record('b', { v: 100 }, 11), []],
      [watermark(1000), []],
      [record('a', { v: 2 }, 5), []],
      [record('a', { v: 3 }, 7), [fired('a', 6, 7)], { keys: 1, timers: 0 }],
      [record('a', { v: 4 }, 8), []],
      [record('b', { v: 200 }, 9), []],
      [record('b', { v: 300 }, -4), [fired('b', 600, -4)]],
      [record('a', { v: 5 }, 12), [], { keys: 1, timers: 0 }],
      [endOfInput(), [], { keys: 1, timers: 0 }],
    ]);
  });

  it('fire over the last N records after every M-th when M < N, fewer while fewer have arrived', () => {
    checkSteps(windowSpec({ kind: 'count', size: 3, slide: 2 }, VALUES), [
      [record('a', 1, 1), []],
      [record('a', 2, 2), [fired('a', [1, 2], 2)]],
      [record('a', 3, 3), []],
      [record('a', 4, 4), [fired('a', [2, 3, 4], 4)]],
      [record('a', 5, 5), []],
      [record('a', 6, 6), [fired('a', [4, 5, 6], 6)]],
      [record('a', 7, 7), []],
      [endOfInput(), []],
    ]);
  });

  it('skip records between windows when the slide exceeds the size, as a count evictor does', () => {
    checkSteps(
      windowSpec(
        { kind: 'count', size: 2, slide: 3 },
        { kind: 'reduce', code: 'export default (a: number, b: number) => a * 10 + b;' },
      ),
      [
        [record('a', 1, 1), []],
        [record('a', 2, 2), []],
        [record('a', 3, 3), [fired('a', 23, 3)]],
        [record('a', 4, 4), []],
        [record('a', 5, 5), []],
        [record('a', 6, 6), [fired('a', 56, 6)]],
        [endOfInput(), []],
      ],
    );
  });

  it('do not count a record that failed to aggregate', () => {
    checkSteps(windowSpec({ kind: 'count', size: 2 }, { kind: 'max', field: 'v' }, { onError: 'route' }), [
      [record('a', { v: 1 }, 1), []],
      [
        record('a', { v: 'high' }, 2),
        [emitted('error', 'a', { error: 'field "v" is not a number: "high"', node: 'op', input: { v: 'high' } }, 2)],
      ],
      [record('a', { v: 3 }, 3), [fired('a', 3, 3)], { keys: 0, timers: 0 }],
    ]);
  });

  it('refuses sizes and slides that are not positive integers', () => {
    expect(() => new CountWindowAssigner(0)).toThrow('size must be a positive integer, got 0');
    expect(() => new CountWindowAssigner(3, 1.5)).toThrow('slide must be a positive integer, got 1.5');
    expect(new CountWindowAssigner(3).purging).toBe(true);
    expect(new CountWindowAssigner(3, 1).purging).toBe(false);
  });
});
