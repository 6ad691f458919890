/**
 * Count windows (SPEC §3; Flink's `countWindow`): per key, after every `slide`-th record, fire over the last `size`
 * records. With `slide === size` this is Flink's PurgingTrigger(CountTrigger): panes aggregate incrementally and
 * are purged when they fire. Otherwise it is CountTrigger(slide) with a CountEvictor(size): the key keeps its
 * recent values and each firing aggregates the last min(count, size) of them. The output carries `window: null`
 * and the timestamp of the record whose arrival fired the pane. Count windows are never late and an incomplete
 * one never fires, not even at end of input.
 */
import type { Json } from '../../pipeline/types.ts';
import { KeyedStore } from '../keyed.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../operator.ts';
import { StreamRecord } from '../record.ts';
import { createAggregate, type AggregateFunction, type AggregateParams } from './aggregates.ts';
import type { CountWindowAssigner } from './assigners.ts';
import { WindowUdfContext } from './context.ts';

class CountPane {
  /** Records since the pane last fired. */
  count = 0;
  /** Purging mode: the running accumulator. */
  acc: unknown = null;
  /** Evicting mode: the key's recent inputs, oldest first. */
  values: unknown[] = [];
}

export class CountWindowOperator extends Operator {
  private readonly keyed = new KeyedStore<CountPane>(() => new CountPane());
  private readonly size: number;
  private readonly slide: number;
  private readonly purging: boolean;
  private readonly fn: AggregateFunction;
  private readonly ctx: WindowUdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv, assigner: CountWindowAssigner) {
    super(env);
    this.size = assigner.size;
    this.slide = assigner.slide;
    this.purging = assigner.purging;
    this.ctx = new WindowUdfContext(env);
    this.fn = createAggregate(env.node.params.aggregate as AggregateParams, env, this.ctx, false);
    this.out = this.output('out');
  }

  processElement(record: StreamRecord): void {
    const ctx = this.ctx;
    ctx.update(record.key, record.timestamp, this.watermark);
    ctx.window = null;
    let input: unknown;
    try {
      input = this.fn.extract(record.value);
    } catch (err) {
      return this.handleError(err, record);
    }
    if (this.purging) this.addPurging(record, input);
    else this.addEvicting(record, input);
  }

  private addPurging(record: StreamRecord, input: unknown): void {
    const fn = this.fn;
    const entry = this.keyed.get(record.keyRef);
    let acc: unknown;
    try {
      acc = fn.add(entry === undefined ? fn.createAccumulator() : entry.state.acc, input, 0);
    } catch (err) {
      return this.handleError(err, record);
    }
    const count = entry === undefined ? 1 : entry.state.count + 1;
    if (count === this.size) {
      if (entry !== undefined) this.keyed.delete(record.keyRef);
      return this.fire(record, acc);
    }
    const state = (entry ?? this.keyed.getOrCreate(record.keyRef, record.key)).state;
    state.acc = acc;
    state.count = count;
  }

  private addEvicting(record: StreamRecord, input: unknown): void {
    const state = this.keyed.getOrCreate(record.keyRef, record.key).state;
    const values = state.values;
    values.push(input);
    // Only the last `size` values can ever be fired over; trimming in halves keeps the cost per record constant.
    if (values.length >= 2 * this.size) values.splice(0, values.length - this.size);
    if (++state.count < this.slide) return;
    state.count = 0;
    if (values.length > this.size) values.splice(0, values.length - this.size);
    const fn = this.fn;
    let acc: unknown;
    try {
      acc = fn.createAccumulator();
      for (let i = 0; i < values.length; i++) acc = fn.add(acc, values[i], i);
    } catch (err) {
      return this.paneFailed(err, record);
    }
    this.fire(record, acc);
  }

  private fire(record: StreamRecord, acc: unknown): void {
    const key = record.key;
    this.env.observer?.window?.(this.id, { kind: 'fire', key, window: null, timestamp: record.timestamp });
    let result: unknown;
    try {
      result = this.fn.getResult(acc);
    } catch (err) {
      return this.paneFailed(err, record);
    }
    this.out.emit(new StreamRecord(key, { key, window: null, result }, record.timestamp));
  }

  private paneFailed(error: unknown, record: StreamRecord): void {
    this.handleError(error, record, { key: record.key, window: null });
  }

  override snapshotState(): Json {
    const purging = this.purging;
    return this.keyed.snapshot(this.env.maxParallelism, (pane) => [pane.count, (purging ? pane.acc : pane.values) as Json]) as unknown as Json;
  }

  override restoreState(state: Json): void {
    const purging = this.purging;
    this.keyed.restore(state as never, (json) => {
      const [count, content] = json as [number, unknown];
      const pane = new CountPane();
      pane.count = count;
      if (purging) pane.acc = content;
      else pane.values = content as unknown[];
      return pane;
    });
  }

  override stateSize(): StateSize {
    return { keys: this.keyed.size, timers: 0 };
  }
}

