/**
 * `join.window` (SPEC §3; Flink's `join(...).where(...).equalTo(...).window(...)`): both sides are keyed into the
 * same windows; when a pane fires, every pair of a left and a right value in it goes through the join function
 * (left arrival order, then right arrival order), each result emitted with `timestamp = end - 1`. As in Flink's
 * window join there is no allowed lateness: a record whose windows are all late is dropped.
 */
import type { Json, Key } from '../pipeline/types.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../engine/operator.ts';
import { StreamRecord } from '../engine/record.ts';
import { appendArrival, mergeArrivals, type ArrivalBuffer } from '../engine/windows/aggregates.ts';
import { createAssigner, SessionWindowAssigner } from '../engine/windows/assigners.ts';
import { WindowUdfContext } from '../engine/windows/context.ts';
import { WindowCore, type Pane, type PaneFunction, type PaneOwner } from '../engine/windows/core.ts';
import { EventTimeTrigger } from '../engine/windows/triggers.ts';
import { joinAssignerField } from '../engine/windows/fields.ts';
import { validateAssigner } from '../engine/windows/params.ts';
import { defineParams, type ParamsOf } from '../pipeline/schema.ts';
import { loadUdf, type UdfFunction } from '../udf/runtime.ts';
import { joinFunctionField, joinInputs, joinPair } from './join-function.ts';
import { defineOperator } from './types.ts';

const joinWindowParams = defineParams({
  assigner: joinAssignerField,
  code: joinFunctionField,
});

/** The params of `join.window`, typed from its schema. */
export type JoinWindowParams = ParamsOf<typeof joinWindowParams>;

interface JoinPaneContent {
  left: ArrivalBuffer;
  right: ArrivalBuffer;
}

/** A join pane buffers both sides; merged session panes keep each side in arrival order. */
class JoinPaneFunction implements PaneFunction {
  private readonly merging: boolean;

  constructor(merging: boolean) {
    this.merging = merging;
  }

  createAccumulator(): JoinPaneContent {
    return { left: { values: [], arrivals: [] }, right: { values: [], arrivals: [] } };
  }

  add(acc: JoinPaneContent, input: unknown, arrival: number, side: number): JoinPaneContent {
    appendArrival(side === 0 ? acc.left : acc.right, input, arrival, this.merging);
    return acc;
  }

  merge(a: JoinPaneContent, b: JoinPaneContent): JoinPaneContent {
    return { left: mergeArrivals(a.left, b.left, this.merging), right: mergeArrivals(a.right, b.right, this.merging) };
  }
}

export class WindowJoinOperator extends Operator implements PaneOwner {
  private readonly core: WindowCore;
  private readonly fn: UdfFunction;
  private readonly ctx: WindowUdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv<JoinWindowParams>) {
    super(env);
    const params = env.node.params;
    const assigner = createAssigner(params.assigner);
    this.fn = loadUdf(env, params.code, 'params.code');
    this.ctx = new WindowUdfContext(env);
    this.out = this.output('out');
    this.core = new WindowCore({
      nodeId: this.id,
      assigner,
      trigger: new EventTimeTrigger(),
      fn: new JoinPaneFunction(assigner instanceof SessionWindowAssigner),
      owner: this,
      eventTime: true,
      allowedLateness: 0,
      observer: env.observer,
      otherClock: () => env.processingTime(),
    });
  }

  /** Input 0 is `left`, 1 is `right`. A record no window takes is late and dropped (joins have no late port). */
  processElement(record: StreamRecord, input: number): void {
    this.core.add(record, record.timestamp, this.watermark, record.value, input);
  }

  firePane(key: Key, pane: Pane): void {
    const content = pane.acc as JoinPaneContent;
    const lefts = content.left.values;
    const rights = content.right.values;
    if (lefts.length === 0 || rights.length === 0) return;
    const timestamp = pane.end - 1;
    const ctx = this.ctx;
    ctx.update(key, timestamp, this.watermark);
    ctx.window = { start: pane.start, end: pane.end };
    const fn = this.fn;
    for (let i = 0; i < lefts.length; i++) {
      for (let j = 0; j < rights.length; j++) {
        let value: unknown;
        try {
          this.env.budget.begin();
          value = joinPair(fn, lefts[i], rights[j], ctx);
        } catch (err) {
          this.handleError(err, new StreamRecord(key, { left: lefts[i], right: rights[j] }, timestamp));
          continue;
        }
        this.out.emit(new StreamRecord(key, value, timestamp));
      }
    }
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

export const joinWindow = defineOperator({
  type: 'join.window',
  label: 'Window join',
  category: 'Joins',
  description: 'Joins the left and right records of each key that fall into the same window.',
  inputs: joinInputs,
  outputs: () => ['out', 'error'],
  role: 'transform',
  keyed: true,
  windowed: true,
  params: joinWindowParams,
  validate(params, ctx) {
    validateAssigner(params.assigner, `${ctx.path}.assigner`, ctx.problems);
  },
  create: (env) => new WindowJoinOperator(env),
});
