/**
 * `aggregate` (SPEC §3): a rolling aggregate per key, no window (Flink's keyed `reduce`/`aggregate` on a
 * KeyedStream). Each record updates its key's accumulator and emits `{ key, result }` with the running result,
 * keeping the record's timestamp. State lives as long as the key does: there is no window to end it.
 */
import type { Json } from '../pipeline/types.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../engine/operator.ts';
import { KeyedStore, type KeyedSnapshot } from '../engine/keyed.ts';
import type { StreamRecord } from '../engine/record.ts';
import { createAggregate, type AggregateFunction } from '../engine/windows/aggregates.ts';
import { WindowUdfContext } from '../engine/windows/context.ts';
import { aggregateField, type AggregateParams } from '../engine/windows/fields.ts';
import { defineOperator } from './types.ts';

export class RollingAggregateOperator extends Operator {
  private readonly keyed = new KeyedStore<unknown>(() => null);
  private readonly fn: AggregateFunction;
  private readonly ctx: WindowUdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv<{ aggregate: AggregateParams }>) {
    super(env);
    this.ctx = new WindowUdfContext(env);
    this.fn = createAggregate(env.node.params.aggregate, env, this.ctx, false);
    this.out = this.output('out');
  }

  processElement(record: StreamRecord): void {
    this.ctx.update(record.key, record.timestamp, this.watermark);
    const fn = this.fn;
    const entry = this.keyed.get(record.keyRef);
    let acc: unknown;
    try {
      acc = fn.add(entry === undefined ? fn.createAccumulator() : entry.state, fn.extract(record.value), 0);
    } catch (err) {
      return this.handleError(err, record);
    }
    // The record is aggregated from here on; a failing getResult (a `process` function) fails only its output.
    (entry ?? this.keyed.getOrCreate(record.keyRef, record.key)).state = acc;
    let result: unknown;
    try {
      result = fn.getResult(acc);
    } catch (err) {
      return this.handleError(err, record);
    }
    this.out.emit(record.withValue({ key: record.key, result }));
  }

  override snapshotState(): Json {
    return this.keyed.snapshot(this.env.maxParallelism, (acc) => acc as Json) as unknown as Json;
  }

  override restoreState(state: Json): void {
    this.keyed.restore(state as unknown as KeyedSnapshot, (acc) => acc);
  }

  override stateSize(): StateSize {
    return { keys: this.keyed.size, timers: 0 };
  }
}

export const aggregateOperator = defineOperator({
  type: 'aggregate',
  label: 'Rolling aggregate',
  category: 'Keyed',
  description: 'Keeps a running aggregate per key and emits the updated result for every record.',
  role: 'transform',
  fieldParams: [{ path: ['aggregate', 'field'], label: 'Aggregate', of: 'in' }],
  keyed: true,
  values: { out: 'aggregate' },
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'error'],
  params: { aggregate: aggregateField },
  create: (env) => new RollingAggregateOperator(env),
});
