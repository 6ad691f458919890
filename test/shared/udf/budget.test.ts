import { describe, it, expect } from 'vitest';
import { UdfBudget, UdfTimeoutError } from '../../../shared/udf/budget.ts';
import { simulate } from '../../../shared/engine/simulation.ts';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import { PipelineBuildError } from '../../../shared/engine/engine.ts';
import type { ErrorPolicy, NodeDoc } from '../../../shared/pipeline/types.ts';
import { node, pipeline, records, sink, source } from '../engine/pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

function around(tested: NodeDoc) {
  return pipeline(
    [source('s', records([1, 'first', 'k'], [2, 'second', 'k'])), tested, sink('out'), sink('errors')],
    [
      { from: 's', to: tested.id },
      { from: tested.id, to: 'out' },
      { from: tested.id, fromPort: 'error', to: 'errors' },
    ],
  );
}

/**
 * The budget's clock in these tests: every reading is one millisecond later than the one before, so when the guard
 * throws depends on how often it reads the clock, never on how fast the machine is.
 */
function steppingClock() {
  let now = -1;
  return {
    read: () => ++now,
    get now() {
      return now;
    },
  };
}

/** Runs with a 100 ms budget on a stepping clock; returns the sink records and the clock's reading at each one. */
function runOnSteppingClock(tested: NodeDoc) {
  const clock = steppingClock();
  const readingAt: number[] = [];
  const outputs = simulate(around(tested), {
    operators: OPERATORS,
    udfBudgetMs: 100,
    budgetClock: clock.read,
    onOutput: () => readingAt.push(clock.now),
  }).outputs;
  return { outputs, readingAt };
}

const runaway: Array<[string, string, string]> = [
  [
    'an endless while(true) in map',
    'map',
    'export default (v) => { if (v === "first") { while (true) {} } return v; };',
  ],
  [
    'an endless for(;;) without braces in filter',
    'filter',
    'export default (v) => { let n = 0; if (v === "first") for (;;) n++; return true; };',
  ],
  [
    'an endless loop in a flatMap generator',
    'flatMap',
    'export default function* (v) { if (v === "first") { while (true) {} } yield v; }',
  ],
  [
    'a flatMap generator that yields forever',
    'flatMap',
    'export default function* (v) { if (v === "first") { while (true) yield 1; } yield v; }',
  ],
  [
    'a flatMap iterator that never ends and has no loop',
    'flatMap',
    'export default (v) => v === "first" ? { [Symbol.iterator]: () => ({ next: () => ({ value: 1, done: false }) }) } : [v];',
  ],
  [
    'an endless do-while in a keyBy function',
    'keyBy',
    'export default (v) => { if (v === "first") { do {} while (true); } return v; };',
  ],
];

describe('the UDF budget', () => {
  for (const [what, type, code] of runaway) {
    it(`fails the record of ${what} at the first reading of the clock past the budget, routes it, then goes on`, () => {
      const { outputs, readingAt } = runOnSteppingClock(node('n', type, { code }, 'route'));
      const errors = outputs.filter((o) => o.sink === 'errors');
      expect(errors.map((o) => o.value)).toEqual([
        { error: 'user code ran longer than its budget of 100 ms (an endless loop?)', node: 'n', input: 'first' },
      ]);
      // The call's first reading is 0: the one that ends it is 101, the first past the budget of 100 ms.
      expect(readingAt[outputs.indexOf(errors[0]!)]).toBe(101);
      expect(outputs.filter((o) => o.sink === 'out').map((o) => o.value)).toEqual(['second']);
    });
  }

  it('fails the record of an endless loop on the real clock too, and the run ends', () => {
    const outputs = simulate(around(node('n', 'map', { code: runaway[0]![2] }, 'route')), {
      operators: OPERATORS,
      udfBudgetMs: 100,
    }).outputs;
    expect(outputs.map((o) => [o.sink, o.value])).toEqual([
      [
        'errors',
        { error: 'user code ran longer than its budget of 100 ms (an endless loop?)', node: 'n', input: 'first' },
      ],
      ['out', 'second'],
    ]);
  });

  it('stops the simulation under onError "fail" instead of hanging', () => {
    let failure: unknown;
    try {
      simulate(around(node('n', 'map', { code: runaway[0]![2] })), {
        operators: OPERATORS,
        udfBudgetMs: 100,
        budgetClock: steppingClock().read,
      });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(PipelineFailure);
    expect((failure as PipelineFailure).message).toMatch(
      /node "n" failed: user code ran longer than its budget of 100 ms/,
    );
  });

  it('skips and counts the runaway record under onError "skip"', () => {
    const policy: ErrorPolicy = 'skip';
    const result = simulate(around(node('n', 'flatMap', { code: runaway[2]![2] }, policy)), {
      operators: OPERATORS,
      udfBudgetMs: 100,
    });
    expect(result.outputs.map((o) => o.value)).toEqual(['second']);
    expect(result.engine.metrics().n!.errors).toBe(1);
  });

  it('refuses a module whose top-level code never finishes when the engine is built', () => {
    const clock = steppingClock();
    expect(() =>
      simulate(around(node('n', 'map', { code: 'while (true) {}\nexport default (v) => v;' })), {
        operators: OPERATORS,
        udfBudgetMs: 100,
        budgetClock: clock.read,
      }),
    ).toThrow(PipelineBuildError);
    expect(clock.now).toBe(101);
  });

  it('gives each call its own budget: many short calls that together exceed it all succeed', () => {
    let now = 0;
    const budget = new UdfBudget(100, () => now);
    for (let call = 0; call < 5; call++) {
      budget.begin();
      for (let i = 0; i < 5000; i++) {
        budget.guard();
        now += 0.01;
      }
    }
    expect(now).toBeGreaterThan(100);
  });

  it('throws UdfTimeoutError from the guard once a call has run past its budget on the injected clock', () => {
    let now = 0;
    const budget = new UdfBudget(100, () => now);
    budget.begin();
    budget.guard();
    now = 101;
    let thrown: unknown;
    for (let i = 0; i < 2048 && thrown === undefined; i++) {
      try {
        budget.guard();
      } catch (err) {
        thrown = err;
      }
    }
    expect(thrown).toBeInstanceOf(UdfTimeoutError);
    expect((thrown as UdfTimeoutError).budgetMs).toBe(100);
  });
});
