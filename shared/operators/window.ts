/**
 * `window` (SPEC §3): keyed windows with an aggregate, in event time (watermarks, allowed lateness, a `late` port)
 * or processing time. Time windows run on the shared window core (Flink's WindowOperator) with Flink's
 * EventTimeTrigger or ProcessingTimeTrigger; count windows, on a global window per key, with its CountTrigger.
 */
import type { Json, Key } from '../pipeline/types.ts';
import { defineParams, type ParamsOf } from '../pipeline/schema.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../engine/operator.ts';
import { StreamRecord } from '../engine/record.ts';
import { createAggregate, type AggregateFunction } from '../engine/windows/aggregates.ts';
import {
  createAssigner,
  CountWindowAssigner,
  SessionWindowAssigner,
  type TimeWindowAssigner,
} from '../engine/windows/assigners.ts';
import { WindowUdfContext } from '../engine/windows/context.ts';
import { CountWindowOperator } from '../engine/windows/count.ts';
import { FAILED, LATE, WindowCore, type Pane, type PaneOwner } from '../engine/windows/core.ts';
import { EventTimeTrigger, ProcessingTimeTrigger } from '../engine/windows/triggers.ts';
import { aggregateField, windowAssignerField } from '../engine/windows/fields.ts';
import { validateAssigner, validateMergeExport } from '../engine/windows/params.ts';
import { defineOperator } from './types.ts';

const windowParams = defineParams({
  assigner: windowAssignerField,
  aggregate: aggregateField,
  allowedLatenessMs: {
    kind: 'duration',
    label: 'Allowed lateness',
    min: 0,
    default: 0,
    description: 'how long after firing a window still takes late records',
  },
  time: { kind: 'enum', label: 'Time', values: ['event', 'processing'], default: 'event' },
});

/** The params of `window`, typed from its schema. */
export type WindowParams = ParamsOf<typeof windowParams>;

export class TimeWindowOperator extends Operator implements PaneOwner {
  protected readonly core: WindowCore;
  private readonly fn: AggregateFunction;
  private readonly ctx: WindowUdfContext;
  private readonly out: Output;
  private readonly late: Output;

  constructor(env: OperatorEnv<WindowParams>, assigner: TimeWindowAssigner, eventTime: boolean) {
    super(env);
    const params = env.node.params;
    this.ctx = new WindowUdfContext(env);
    const merging = assigner instanceof SessionWindowAssigner;
    this.fn = createAggregate(params.aggregate, env, this.ctx, merging);
    this.out = this.output('out');
    this.late = this.output('late');
    this.core = new WindowCore({
      nodeId: this.id,
      assigner,
      trigger: eventTime ? new EventTimeTrigger() : new ProcessingTimeTrigger(),
      fn: this.fn,
      owner: this,
      eventTime,
      allowedLateness: params.allowedLatenessMs,
      observer: env.observer,
      otherClock: eventTime ? () => env.processingTime() : () => this.watermark,
    });
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
    const status = this.addToCore(record, input);
    if (status === LATE) this.late.emit(record);
    else if (status === FAILED) this.handleError(this.core.failure, record);
  }

  protected addToCore(record: StreamRecord, input: unknown): number {
    return this.core.add(record, record.timestamp, this.watermark, input, 0);
  }

  firePane(key: Key, pane: Pane): void {
    const timestamp = pane.end - 1;
    const window = { start: pane.start, end: pane.end };
    const ctx = this.ctx;
    ctx.update(key, timestamp, this.watermark);
    ctx.window = window;
    let result: unknown;
    try {
      result = this.fn.getResult(pane.acc);
    } catch (err) {
      return this.handleError(err, new StreamRecord(key, { key, window }, timestamp));
    }
    this.out.emit(new StreamRecord(key, { key, window, result }, timestamp));
  }

  override onWatermark(watermark: number): void {
    this.core.advance(watermark);
  }

  override snapshotState(): Json {
    return this.core.snapshot(this.env.maxParallelism, this.watermark);
  }

  override restoreState(state: Json): void {
    this.core.restore(state, this.watermark);
  }

  override stateSize(): StateSize {
    return this.core.stateSize();
  }
}

/** Processing-time windows: assigned by the processing clock, fired by it, never late (SPEC §3). */
export class ProcessingTimeWindowOperator extends TimeWindowOperator {
  protected override addToCore(record: StreamRecord, input: unknown): number {
    let now = this.env.processingTime();
    // Before a host first sets the virtual clock it reads -∞; the record's own time is what simulation would set.
    if (!Number.isFinite(now)) now = record.timestamp;
    return this.core.add(record, now, now, input, 0);
  }

  override onWatermark(): void {}

  override onProcessingTime(time: number): void {
    this.core.advance(time);
  }
}

export const windowOperator = defineOperator({
  type: 'window',
  label: 'Window',
  category: 'Windows',
  description: 'Groups each key’s records into time or count windows and emits one aggregate per window.',
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out', 'late', 'error'],
  role: 'transform',
  fieldParams: [{ path: ['aggregate', 'field'], label: 'Aggregate', of: 'in' }],
  keyed: true,
  windowed: true,
  values: { out: 'aggregate', late: 'input' },
  params: windowParams,
  validate(params, ctx) {
    validateAssigner(params.assigner, `${ctx.path}.assigner`, ctx.problems);
    validateMergeExport(params.aggregate, params.assigner.kind === 'session', `${ctx.path}.aggregate`, ctx.problems);
  },
  create(env) {
    const params = env.node.params;
    const assigner = createAssigner(params.assigner);
    if (assigner instanceof CountWindowAssigner) return new CountWindowOperator(env, assigner);
    return params.time === 'processing'
      ? new ProcessingTimeWindowOperator(env, assigner, false)
      : new TimeWindowOperator(env, assigner, true);
  },
});
