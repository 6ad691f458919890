/**
 * Aggregate functions (SPEC §3 "Aggregates"), shaped like Flink's `AggregateFunction`: createAccumulator, add,
 * merge, getResult. `extract` runs first, once per record, and is where a record that cannot be aggregated (a
 * non-numeric field) fails, before any pane is touched. Accumulators are JSON values so that snapshots hold them
 * as they are.
 *
 * `add` gets the record's arrival number so that a `process` buffer can keep arrival order when session panes
 * merge (SPEC: "all values of the pane, in arrival order"; Flink's list-state merge would only concatenate).
 */
import { describeValue } from '../json-text.ts';
import type { OperatorEnv } from '../operator.ts';
import { readPath, splitPath } from '../record.ts';
import type { UdfBudget } from '../../udf/budget.ts';
import { loadUdf, loadUdfModule, type UdfFunction } from '../../udf/runtime.ts';
import type { WindowUdfContext } from './context.ts';
import type { AggregateParams } from './fields.ts';

export abstract class AggregateFunction {
  /** What `add` needs from a record's value; throws when the value cannot be aggregated. */
  extract(value: unknown): unknown {
    return value;
  }

  abstract createAccumulator(): unknown;
  abstract add(acc: unknown, input: unknown, arrival: number): unknown;
  abstract merge(a: unknown, b: unknown): unknown;
  abstract getResult(acc: unknown): unknown;
}

export class CountAggregate extends AggregateFunction {
  createAccumulator(): number {
    return 0;
  }
  add(acc: number): number {
    return acc + 1;
  }
  merge(a: number, b: number): number {
    return a + b;
  }
  getResult(acc: number): number {
    return acc;
  }
}

/** sum, min, max and avg read one numeric field (a dot path); anything but a finite number is an error. */
abstract class FieldAggregate extends AggregateFunction {
  readonly field: string;

  private readonly path: readonly string[];

  constructor(field: string) {
    super();
    this.field = field;
    this.path = splitPath(field);
  }

  override extract(value: unknown): number {
    const n = readPath(value, this.path);
    if (typeof n === 'number' && Number.isFinite(n)) return n;
    if (n === undefined) throw new Error(`field "${this.field}" is missing`);
    throw new Error(`field "${this.field}" is not a number: ${describeValue(n)}`);
  }
}

export class SumAggregate extends FieldAggregate {
  createAccumulator(): number {
    return 0;
  }
  add(acc: number, input: number): number {
    return acc + input;
  }
  merge(a: number, b: number): number {
    return a + b;
  }
  getResult(acc: number): number {
    return acc;
  }
}

/** The empty accumulator (±Infinity) never reaches a pane: panes exist only once a value was added. */
export class MinAggregate extends FieldAggregate {
  createAccumulator(): number {
    return Infinity;
  }
  add(acc: number, input: number): number {
    return Math.min(input, acc);
  }
  merge(a: number, b: number): number {
    return Math.min(b, a);
  }
  getResult(acc: number): number {
    return acc;
  }
}

export class MaxAggregate extends FieldAggregate {
  createAccumulator(): number {
    return -Infinity;
  }
  add(acc: number, input: number): number {
    return Math.max(input, acc);
  }
  merge(a: number, b: number): number {
    return Math.max(b, a);
  }
  getResult(acc: number): number {
    return acc;
  }
}

/** Accumulator `[sum, count]`, updated in place. */
export class AvgAggregate extends FieldAggregate {
  createAccumulator(): [number, number] {
    return [0, 0];
  }
  add(acc: [number, number], input: number): [number, number] {
    acc[0] += input;
    acc[1]++;
    return acc;
  }
  merge(a: [number, number], b: [number, number]): [number, number] {
    return [a[0] + b[0], a[1] + b[1]];
  }
  getResult(acc: [number, number]): number | null {
    return acc[1] === 0 ? null : acc[0] / acc[1];
  }
}

/** Marks "no value yet": reduce's first value is its initial accumulator. Never stored in a pane. */
const NO_VALUE: unique symbol = Symbol('no value');

/** `reduce`: `(acc, value) => value`; merging two panes reduces one accumulator into the other (Flink's ReducingState). */
export class ReduceAggregate extends AggregateFunction {
  private readonly fn: UdfFunction;
  private readonly budget: UdfBudget;
  private readonly ctx: WindowUdfContext;

  constructor(fn: UdfFunction, budget: UdfBudget, ctx: WindowUdfContext) {
    super();
    this.fn = fn;
    this.budget = budget;
    this.ctx = ctx;
  }

  createAccumulator(): unknown {
    return NO_VALUE;
  }

  add(acc: unknown, input: unknown): unknown {
    return acc === NO_VALUE ? input : this.reduce(acc, input);
  }

  merge(a: unknown, b: unknown): unknown {
    return this.reduce(a, b);
  }

  getResult(acc: unknown): unknown {
    return acc;
  }

  private reduce(a: unknown, b: unknown): unknown {
    this.budget.begin();
    const result = this.fn(a, b, this.ctx);
    if (result === undefined) throw new Error('reduce returned undefined; return the combined value (null is allowed)');
    return result;
  }
}

/** `aggregate`: a module exporting createAccumulator(), add(acc, value), getResult(acc) and, for sessions, merge(a, b). */
export class UdfAggregate extends AggregateFunction {
  private readonly fns: Record<string, UdfFunction>;
  private readonly budget: UdfBudget;
  private readonly ctx: WindowUdfContext;

  constructor(fns: Record<string, UdfFunction>, budget: UdfBudget, ctx: WindowUdfContext) {
    super();
    this.fns = fns;
    this.budget = budget;
    this.ctx = ctx;
  }

  createAccumulator(): unknown {
    this.budget.begin();
    return defined(this.fns.createAccumulator!(this.ctx), 'createAccumulator');
  }

  add(acc: unknown, input: unknown): unknown {
    this.budget.begin();
    return defined(this.fns.add!(acc, input, this.ctx), 'add');
  }

  merge(a: unknown, b: unknown): unknown {
    const merge = this.fns.merge;
    if (merge === undefined) throw new Error('the aggregate module must export merge(a, b) to merge panes');
    this.budget.begin();
    return defined(merge(a, b, this.ctx), 'merge');
  }

  getResult(acc: unknown): unknown {
    this.budget.begin();
    return defined(this.fns.getResult!(acc, this.ctx), 'getResult');
  }
}

function defined(value: unknown, name: string): unknown {
  if (value === undefined) throw new Error(`${name} returned undefined; return a JSON value (null is allowed)`);
  return value;
}

/**
 * Values in arrival order. `arrivals` holds each value's arrival number when panes can merge (so that a merge
 * interleaves two buffers back into arrival order) and stays empty otherwise.
 */
export interface ArrivalBuffer {
  values: unknown[];
  arrivals: number[];
}

export function appendArrival(buffer: ArrivalBuffer, value: unknown, arrival: number, track: boolean): void {
  buffer.values.push(value);
  if (track) buffer.arrivals.push(arrival);
}

export function mergeArrivals(a: ArrivalBuffer, b: ArrivalBuffer, track: boolean): ArrivalBuffer {
  if (!track) return { values: a.values.concat(b.values), arrivals: [] };
  const values: unknown[] = [];
  const arrivals: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.values.length || j < b.values.length) {
    if (j >= b.values.length || (i < a.values.length && a.arrivals[i]! < b.arrivals[j]!)) {
      values.push(a.values[i]);
      arrivals.push(a.arrivals[i++]!);
    } else {
      values.push(b.values[j]);
      arrivals.push(b.arrivals[j++]!);
    }
  }
  return { values, arrivals };
}

/** `process`: buffers the pane's values and calls `(values, ctx)` with all of them, in arrival order, when it fires. */
export class ProcessAggregate extends AggregateFunction {
  private readonly fn: UdfFunction;
  private readonly budget: UdfBudget;
  private readonly ctx: WindowUdfContext;
  private readonly trackArrivals: boolean;

  constructor(fn: UdfFunction, budget: UdfBudget, ctx: WindowUdfContext, trackArrivals: boolean) {
    super();
    this.fn = fn;
    this.budget = budget;
    this.ctx = ctx;
    this.trackArrivals = trackArrivals;
  }

  createAccumulator(): ArrivalBuffer {
    return { values: [], arrivals: [] };
  }

  add(acc: ArrivalBuffer, input: unknown, arrival: number): ArrivalBuffer {
    appendArrival(acc, input, arrival, this.trackArrivals);
    return acc;
  }

  merge(a: ArrivalBuffer, b: ArrivalBuffer): ArrivalBuffer {
    return mergeArrivals(a, b, this.trackArrivals);
  }

  getResult(acc: ArrivalBuffer): unknown {
    this.budget.begin();
    // A copy, so that user code sorting its argument cannot reorder the pane's state.
    return defined(this.fn(acc.values.slice(), this.ctx), 'the process function');
  }
}

export const AGGREGATE_CODE_PATH = 'params.aggregate.code';

/** Builds the aggregate of a `window` or `aggregate` node; `merging` (session windows) requires `merge`. */
export function createAggregate(
  params: AggregateParams,
  env: OperatorEnv,
  ctx: WindowUdfContext,
  merging: boolean,
): AggregateFunction {
  switch (params.kind) {
    case 'count':
      return new CountAggregate();
    case 'sum':
      return new SumAggregate(params.field);
    case 'min':
      return new MinAggregate(params.field);
    case 'max':
      return new MaxAggregate(params.field);
    case 'avg':
      return new AvgAggregate(params.field);
    case 'reduce':
      return new ReduceAggregate(loadUdf(env, params.code, AGGREGATE_CODE_PATH), env.budget, ctx);
    case 'aggregate': {
      const required = ['createAccumulator', 'add', 'getResult'];
      const fns = merging
        ? loadUdfModule(env, params.code, AGGREGATE_CODE_PATH, [...required, 'merge'])
        : loadUdfModule(env, params.code, AGGREGATE_CODE_PATH, required, ['merge']);
      return new UdfAggregate(fns, env.budget, ctx);
    }
    case 'process':
      return new ProcessAggregate(loadUdf(env, params.code, AGGREGATE_CODE_PATH), env.budget, ctx, merging);
  }
}
