import { describe, it } from 'vitest';
import { checkSteps, emitted, endOfInput, out, record, watermark } from '../harness.ts';

const rolling = (aggregate: Record<string, unknown>, onError?: 'route') => ({
  type: 'aggregate',
  params: { aggregate },
  ...(onError ? { onError } : {}),
});
const running = (key: string | number, result: unknown, timestamp: number) => out(key, { key, result }, timestamp);

describe('rolling aggregate', () => {
  it('emits the running count per key for every record, with the record’s timestamp', () => {
    checkSteps(rolling({ kind: 'count' }), [
      [record('a', 'x', 5), [running('a', 1, 5)]],
      [record('b', 'x', 3), [running('b', 1, 3)]],
      [watermark(100), []],
      [record('a', 'x', 1), [running('a', 2, 1)], { keys: 2, timers: 0 }],
      [record(1, 'x', 2), [running(1, 1, 2)]],
      [endOfInput(), [], { keys: 3, timers: 0 }],
    ]);
  });

  it('keeps sum, min, max and avg running over a numeric field', () => {
    const values = [4, 1, 7];
    const expected: Record<string, number[]> = { sum: [4, 5, 12], min: [4, 1, 1], max: [4, 4, 7], avg: [4, 2.5, 4] };
    for (const [kind, results] of Object.entries(expected)) {
      checkSteps(
        rolling({ kind, field: 'n' }),
        values.map((n, i) => [record('k', { n }, i), [running('k', results[i], i)]]),
      );
    }
  });

  it('reduces from the first value and runs aggregate modules and process functions', () => {
    checkSteps(rolling({ kind: 'reduce', code: 'export default (a: string, b: string) => a + b;' }), [
      [record('k', 'x', 1), [running('k', 'x', 1)]],
      [record('k', 'y', 2), [running('k', 'xy', 2)]],
    ]);
    const module = [
      'export const createAccumulator = () => [];',
      'export const add = (acc: number[], v: number) => [...acc, v * 2];',
      'export const getResult = (acc: number[]) => acc;',
    ];
    checkSteps(rolling({ kind: 'aggregate', code: module }), [
      [record('k', 1, 1), [running('k', [2], 1)]],
      [record('k', 2, 2), [running('k', [2, 4], 2)]],
    ]);
    checkSteps(
      rolling({
        kind: 'process',
        code: 'export default (values: number[], ctx: any) => ({ n: values.length, window: ctx.window });',
      }),
      [
        [record('k', 1, 1), [running('k', { n: 1, window: null }, 1)]],
        [record('k', 2, 2), [running('k', { n: 2, window: null }, 2)]],
      ],
    );
  });

  it('routes a record that cannot be aggregated and keeps the running result as it was', () => {
    checkSteps(rolling({ kind: 'sum', field: 'n' }, 'route'), [
      [record('k', { n: 2 }, 1), [running('k', 2, 1)]],
      [
        record('k', { n: 'three' }, 2),
        [emitted('error', 'k', { error: 'field "n" is not a number: "three"', node: 'op', input: { n: 'three' } }, 2)],
      ],
      [record('k', { n: 3 }, 3), [running('k', 5, 3)]],
    ]);
  });
});
