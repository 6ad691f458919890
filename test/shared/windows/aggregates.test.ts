import { describe, it, expect } from 'vitest';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import { checkSteps, emitted, endOfInput, OperatorHarness, record, watermark } from '../harness.ts';
import { pane, windowSpec } from './support.ts';

const tumbling10 = { kind: 'tumbling', sizeMs: 10 };

/** Three values into [0, 10): the pane fires once at end of input with `result`. */
function expectResult(aggregate: Record<string, unknown>, result: unknown): void {
  checkSteps(
    windowSpec(tumbling10, aggregate),
    [
      [record('k', { v: 3, name: 'c' }, 1), []],
      [record('k', { v: 1, name: 'a' }, 2), []],
      [record('k', { v: 2, name: 'b' }, 3), []],
      [endOfInput(), [pane('k', 0, 10, result)]],
    ],
    { leakCheck: true },
  );
}

describe('window aggregates', () => {
  it('count, sum, min, max and avg over a numeric field', () => {
    expectResult({ kind: 'count' }, 3);
    expectResult({ kind: 'sum', field: 'v' }, 6);
    expectResult({ kind: 'min', field: 'v' }, 1);
    expectResult({ kind: 'max', field: 'v' }, 3);
    expectResult({ kind: 'avg', field: 'v' }, 2);
  });

  it('read a dot-path field', () => {
    checkSteps(
      windowSpec(tumbling10, { kind: 'sum', field: 'order.total' }),
      [
        [record('k', { order: { total: 2.5 } }, 1), []],
        [record('k', { order: { total: -1 } }, 2), []],
        [endOfInput(), [pane('k', 0, 10, 1.5)]],
      ],
      { leakCheck: true },
    );
  });

  it('reduce with the first value as the initial accumulator, in arrival order', () => {
    expectResult(
      {
        kind: 'reduce',
        code: 'export default (acc: any, value: any) => ({ v: acc.v * 10 + value.v, name: acc.name + value.name });',
      },
      { v: 312, name: 'cab' },
    );
  });

  it('aggregate with a module of createAccumulator, add and getResult (merge optional outside sessions)', () => {
    const code = [
      'export function createAccumulator() { return { names: [] as string[], total: 0 }; }',
      'export function add(acc: any, value: any) { acc.names.push(value.name); acc.total += value.v; return acc; }',
      'export function getResult(acc: any) { return acc.names.join("") + "=" + acc.total; }',
    ];
    expectResult({ kind: 'aggregate', code }, 'cab=6');
  });

  it('process with all values in arrival order, ctx.key and ctx.window', () => {
    const code =
      'export default (values: any[], ctx: any) => ({ key: ctx.key, window: ctx.window, names: values.map((v) => v.name), ts: ctx.timestamp });';
    expectResult({ kind: 'process', code }, { key: 'k', window: { start: 0, end: 10 }, names: ['c', 'a', 'b'], ts: 9 });
  });

  it('keep the pane intact when a process function sorts the array it was given', () => {
    const code = 'export default (values: number[]) => values.sort((a, b) => a - b);';
    checkSteps(
      windowSpec(tumbling10, { kind: 'process', code }, { params: { allowedLatenessMs: 100 } }),
      [
        [record('k', 3, 1), []],
        [record('k', 1, 2), []],
        [watermark(9), [pane('k', 0, 10, [1, 3])]],
        [record('k', 2, 3), [pane('k', 0, 10, [1, 2, 3])]],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });
});

describe('window aggregate errors', () => {
  const route = { onError: 'route' as const };

  it('route a missing or non-numeric field to the error port and leave the pane untouched', () => {
    checkSteps(
      windowSpec(tumbling10, { kind: 'sum', field: 'v' }, route),
      [
        [record('k', { v: 1 }, 1), []],
        [
          record('k', { v: '2' }, 2),
          [emitted('error', 'k', { error: 'field "v" is not a number: "2"', node: 'op', input: { v: '2' } }, 2)],
        ],
        [
          record('k', { w: 2 }, 3),
          [emitted('error', 'k', { error: 'field "v" is missing', node: 'op', input: { w: 2 } }, 3)],
        ],
        [
          record('j', null, 4),
          [emitted('error', 'j', { error: 'field "v" is missing', node: 'op', input: null }, 4)],
          { keys: 1, timers: 1 },
        ],
        [endOfInput(), [pane('k', 0, 10, 1)]],
      ],
      { leakCheck: true },
    );
  });

  it('route a throwing reduce with its record; the pane keeps what it had', () => {
    const code =
      'export default (acc: number, v: number) => { if (v < 0) throw new Error("negative " + v); return acc + v; };';
    checkSteps(
      windowSpec(tumbling10, { kind: 'reduce', code }, route),
      [
        [record('k', 5, 1), []],
        [record('k', -1, 2), [emitted('error', 'k', { error: 'negative -1', node: 'op', input: -1 }, 2)]],
        [record('k', 2, 3), []],
        [endOfInput(), [pane('k', 0, 10, 7)]],
      ],
      { leakCheck: true },
    );
  });

  it('route a throwing createAccumulator or add without opening a pane for the failed record', () => {
    const code = [
      'export function createAccumulator() { return 0; }',
      'export function add(acc: number, v: any) { if (typeof v !== "number") throw new Error("not a number"); return acc + v; }',
      'export function getResult(acc: number) { return acc; }',
    ];
    checkSteps(
      windowSpec(tumbling10, { kind: 'aggregate', code }, route),
      [
        [
          record('k', 'x', 1),
          [emitted('error', 'k', { error: 'not a number', node: 'op', input: 'x' }, 1)],
          { keys: 0, timers: 0 },
        ],
        [record('k', 4, 2), []],
        [endOfInput(), [pane('k', 0, 10, 4)]],
      ],
      { leakCheck: true },
    );
  });

  it('route a throwing process function when the pane fires, with key, window and end - 1', () => {
    const code =
      'export default (values: number[]) => { if (values.length > 1) throw new Error("too many"); return values[0]; };';
    checkSteps(
      windowSpec(tumbling10, { kind: 'process', code }, route),
      [
        [record('k', 1, 1), []],
        [record('k', 2, 2), []],
        [record('j', 3, 3), []],
        [
          watermark(9),
          [
            emitted(
              'error',
              'k',
              { error: 'too many', node: 'op', input: { key: 'k', window: { start: 0, end: 10 } } },
              9,
            ),
            pane('j', 0, 10, 3),
          ],
        ],
        [endOfInput(), []],
      ],
      { leakCheck: true },
    );
  });

  it('route a UDF that returns undefined', () => {
    checkSteps(
      windowSpec(
        tumbling10,
        { kind: 'reduce', code: 'export default (acc: number, v: number) => { acc + v; };' },
        route,
      ),
      [
        [record('k', 1, 1), []],
        [
          record('k', 2, 2),
          [
            emitted(
              'error',
              'k',
              { error: 'reduce returned undefined; return the combined value (null is allowed)', node: 'op', input: 2 },
              2,
            ),
          ],
        ],
        [endOfInput(), [pane('k', 0, 10, 1)]],
      ],
      { leakCheck: true },
    );
  });

  it('stop a runaway process function with the UDF budget and route it', () => {
    let clock = 0;
    const harness = new OperatorHarness(
      windowSpec(
        tumbling10,
        { kind: 'process', code: 'export default (values: any[]) => { while (true) {} };' },
        route,
      ),
      {
        udfBudgetMs: 50,
        budgetClock: () => (clock += 10),
      },
    );
    harness.push(record('k', 1, 1));
    const [error] = harness.push(watermark(9));
    expect(error!.port).toBe('error');
    expect((error!.value as { error: string }).error).toBe(
      'user code ran longer than its budget of 50 ms (an endless loop?)',
    );
  });

  it('skip failed records under onError "skip" and stop the run under "fail"', () => {
    checkSteps(
      windowSpec(tumbling10, { kind: 'sum', field: 'v' }, { onError: 'skip' }),
      [
        [record('k', { v: 'x' }, 1), []],
        [record('k', { v: 2 }, 2), []],
        [endOfInput(), [pane('k', 0, 10, 2)]],
      ],
      { leakCheck: true },
    );
    const harness = new OperatorHarness(windowSpec(tumbling10, { kind: 'sum', field: 'v' }));
    expect(() => harness.push(record('k', { v: 'x' }, 1))).toThrow(PipelineFailure);
    expect(() => harness.push(record('k', { v: 'x' }, 1))).toThrow(
      'node "op" failed: field "v" is not a number: "x" (input: {"v":"x"})',
    );
  });
});
