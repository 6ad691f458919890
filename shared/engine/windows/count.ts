/**
 * Count windows (SPEC §3; Flink's `countWindow`): per key one global window, fired by a count trigger. With
 * `slide === size` this is Flink's `PurgingTrigger.of(CountTrigger.of(size))`: panes aggregate incrementally and are
 * purged when they fire. Otherwise it is `CountTrigger.of(slide)` with a `CountEvictor.of(size)`: the key keeps its
 * recent values and each firing aggregates the last min(count, size) of them. The output carries `window: null`
 * and the timestamp of the record whose arrival fired the pane. Count windows are never late and an incomplete
 * one never fires, not even at end of input: a global window has no end, so it has no timers either.
 *
 * The trigger's count is its partitioned state, kept in the key's pane; a pane that holds neither contents nor
 * trigger state is dropped.
 */
import type { Json } from '../../pipeline/types.ts';
import { KeyedStore } from '../keyed.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../operator.ts';
import { StreamRecord } from '../record.ts';
import { createAggregate, type AggregateFunction } from './aggregates.ts';
import type { AggregateParams } from './fields.ts';
import type { CountWindowAssigner } from './assigners.ts';
import { WindowUdfContext } from './context.ts';
import {
  CountTrigger,
  FIRE,
  PURGE,
  PurgingTrigger,
  type Trigger,
  type TriggerContext,
  type TriggerStateDescriptor,
  type TriggerWindow,
} from './triggers.ts';

/** The name of the count trigger's state, which a pane's snapshot holds as its first element. */
const COUNT = CountTrigger.count.name;

/** Flink's `GlobalWindow`: the one window of every key, without end. */
const GLOBAL_WINDOW: TriggerWindow = { start: -Infinity, end: Infinity };

class CountPane {
  /** The trigger's partitioned state (the count since the pane last fired). */
  trigger: Record<string, Json> | null = null;
  /** Purging mode: the running accumulator, when the pane has contents. */
  acc: unknown = null;
  hasAcc = false;
  /** Evicting mode: the key's recent inputs, oldest first. */
  values: unknown[] = [];
}

/** The trigger context of a count window: the pane's trigger state, and no timers. */
class CountTriggerContext implements TriggerContext {
  private readonly operator: CountWindowOperator;

  pane: CountPane = new CountPane();

  constructor(operator: CountWindowOperator) {
    this.operator = operator;
  }

  currentWatermark(): number {
    return this.operator.watermark;
  }

  currentProcessingTime(): number {
    return this.operator.env.processingTime();
  }

  registerEventTimeTimer(): void {
    throw noTimers();
  }

  deleteEventTimeTimer(): void {
    throw noTimers();
  }

  registerProcessingTimeTimer(): void {
    throw noTimers();
  }

  deleteProcessingTimeTimer(): void {
    throw noTimers();
  }

  getState<T extends Json>(descriptor: TriggerStateDescriptor<T>): T | undefined {
    return this.pane.trigger?.[descriptor.name] as T | undefined;
  }

  setState<T extends Json>(descriptor: TriggerStateDescriptor<T>, value: T): void {
    (this.pane.trigger ??= {})[descriptor.name] = value;
  }

  clearState(descriptor: TriggerStateDescriptor<Json>): void {
    const state = this.pane.trigger;
    if (state === null || !(descriptor.name in state)) return;
    delete state[descriptor.name];
    if (Object.keys(state).length === 0) this.pane.trigger = null;
  }
}

function noTimers(): Error {
  return new Error('count windows are global windows and take no timers');
}

export class CountWindowOperator extends Operator {
  private readonly keyed = new KeyedStore<CountPane>(() => new CountPane());
  private readonly size: number;
  private readonly purging: boolean;
  private readonly trigger: Trigger;
  private readonly triggerContext = new CountTriggerContext(this);
  private readonly fn: AggregateFunction;
  private readonly ctx: WindowUdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv<{ readonly aggregate: AggregateParams }>, assigner: CountWindowAssigner) {
    super(env);
    this.size = assigner.size;
    this.purging = assigner.purging;
    this.trigger = this.purging
      ? new PurgingTrigger(new CountTrigger(assigner.size))
      : new CountTrigger(assigner.slide);
    this.ctx = new WindowUdfContext(env);
    this.fn = createAggregate(env.node.params.aggregate, env, this.ctx, false);
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
      acc = fn.add(entry?.state.hasAcc ? entry.state.acc : fn.createAccumulator(), input, 0);
    } catch (err) {
      return this.handleError(err, record);
    }
    const pane = (entry ?? this.keyed.getOrCreate(record.keyRef, record.key)).state;
    pane.acc = acc;
    pane.hasAcc = true;
    const result = this.onElement(record, pane);
    if ((result & FIRE) !== 0) this.fire(record, acc);
    if ((result & PURGE) !== 0) {
      pane.acc = null;
      pane.hasAcc = false;
      if (pane.trigger === null) this.keyed.delete(record.keyRef);
    }
  }

  private addEvicting(record: StreamRecord, input: unknown): void {
    const pane = this.keyed.getOrCreate(record.keyRef, record.key).state;
    const values = pane.values;
    values.push(input);
    // Only the last `size` values can ever be fired over; trimming in halves keeps the cost per record constant.
    if (values.length >= 2 * this.size) values.splice(0, values.length - this.size);
    const result = this.onElement(record, pane);
    if ((result & FIRE) !== 0) {
      // The count evictor, before the pane is evaluated: only the last `size` values stay.
      if (values.length > this.size) values.splice(0, values.length - this.size);
      this.fireValues(record, values);
    }
    if ((result & PURGE) !== 0) values.length = 0;
  }

  private onElement(record: StreamRecord, pane: CountPane): number {
    this.triggerContext.pane = pane;
    return this.trigger.onElement(record.value, record.timestamp, GLOBAL_WINDOW, this.triggerContext);
  }

  private fireValues(record: StreamRecord, values: readonly unknown[]): void {
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

  /**
   * A pane is `[count, contents]`: the count trigger's count, and the accumulator (purging) or the recent values
   * (evicting); then, only if the trigger holds more than its count or the contents were purged,
   * `{ trigger, empty }`.
   */
  override snapshotState(): Json {
    const purging = this.purging;
    return this.keyed.snapshot(this.env.maxParallelism, (pane) => {
      const count = (pane.trigger?.[COUNT] as number | undefined) ?? 0;
      const contents = (purging ? pane.acc : pane.values) as Json;
      const others = pane.trigger !== null && Object.keys(pane.trigger).some((name) => name !== COUNT);
      const empty = purging && !pane.hasAcc;
      if (!others && !empty) return [count, contents];
      return [count, contents, { trigger: pane.trigger, ...(empty ? { empty } : {}) }];
    }) as unknown as Json;
  }

  override restoreState(state: Json): void {
    const purging = this.purging;
    this.keyed.restore(state as never, (json) => {
      const [count, contents, extras] = json as [number, unknown, { trigger: Record<string, Json>; empty?: true }?];
      const pane = new CountPane();
      if (extras !== undefined) pane.trigger = extras.trigger;
      else if (count > 0) pane.trigger = { [COUNT]: count };
      if (!purging) pane.values = contents as unknown[];
      else if (extras?.empty !== true) {
        pane.acc = contents;
        pane.hasAcc = true;
      }
      return pane;
    });
  }

  override stateSize(): StateSize {
    return { keys: this.keyed.size, timers: 0 };
  }
}
