/**
 * `join.interval` (SPEC §3), as Flink's IntervalJoinOperator: a left record `l` and a right record `r` of one key
 * match when `l.ts + lowerBoundMs <= r.ts <= l.ts + upperBoundMs`. A record with a timestamp below the node's
 * watermark is dropped as late. Otherwise it joins its side's buffer first, is then matched against the other
 * side's buffer (in its arrival order), each pair emitted at once with `timestamp = max(l.ts, r.ts)` (calling
 * `code(left, right, ctx)` whichever side arrived second), and last registers its cleanup timer.
 *
 * Cleanup is Flink's, to the millisecond: a left record's timer is at `l.ts + upperBoundMs` and a right record's at
 * `r.ts - lowerBoundMs`, the last timestamp a partner could have, but never before the record's own timestamp (Flink
 * registers `max(ts, ts + relativeUpperBound)`). The timer fires, and drops every record of that side and key with
 * that timestamp, when the watermark reaches it: a watermark `w` says that no record at or below `w` is still to
 * come, so a partner exactly at the watermark is not late but no longer finds a record whose last match time was `w`.
 */
import type { Json, Key } from '../pipeline/types.ts';
import { Operator, type OperatorEnv, type Output, type StateSize } from '../engine/operator.ts';
import { KeyedStore, type KeyedSnapshot } from '../engine/keyed.ts';
import { StreamRecord } from '../engine/record.ts';
import { TimerQueue } from '../engine/timers.ts';
import { problem } from '../pipeline/errors.ts';
import { defineParams, type ParamsOf } from '../pipeline/schema.ts';
import { loadUdf, UdfContext, type UdfFunction } from '../udf/runtime.ts';
import { joinFunctionField, joinInputs, joinPair } from './join-function.ts';
import { defineOperator } from './types.ts';

const params = defineParams({
  lowerBoundMs: {
    kind: 'duration',
    label: 'Lower bound',
    description: 'right.ts ≥ left.ts + lower bound (may be negative)',
  },
  upperBoundMs: { kind: 'duration', label: 'Upper bound', description: 'right.ts ≤ left.ts + upper bound' },
  code: joinFunctionField,
});

export type IntervalJoinParams = ParamsOf<typeof params>;

/** One key's buffered records, per side, in arrival order (values and timestamps side by side). */
class IntervalBuffers {
  leftValues: unknown[] = [];
  leftTimes: number[] = [];
  rightValues: unknown[] = [];
  rightTimes: number[] = [];
}

const LEFT = 'L';
const RIGHT = 'R';

/** Removes, in place, the entries whose timestamp is `time`; keeps the others in order. */
function removeAt(values: unknown[], times: number[], time: number): void {
  let kept = 0;
  for (let i = 0; i < times.length; i++) {
    if (times[i] === time) continue;
    values[kept] = values[i];
    times[kept++] = times[i]!;
  }
  values.length = kept;
  times.length = kept;
}

export class IntervalJoinOperator extends Operator {
  private readonly keyed = new KeyedStore<IntervalBuffers>(() => new IntervalBuffers());
  private readonly timers = new TimerQueue();
  private readonly lower: number;
  private readonly upper: number;
  private readonly fn: UdfFunction;
  private readonly ctx: UdfContext;
  private readonly out: Output;

  constructor(env: OperatorEnv<IntervalJoinParams>) {
    super(env);
    const params = env.node.params;
    if (params.lowerBoundMs > params.upperBoundMs)
      throw new Error(
        `join.interval needs lowerBoundMs <= upperBoundMs, got ${params.lowerBoundMs} > ${params.upperBoundMs}`,
      );
    this.lower = params.lowerBoundMs;
    this.upper = params.upperBoundMs;
    this.fn = loadUdf(env, params.code, 'params.code');
    this.ctx = new UdfContext(env);
    this.out = this.output('out');
  }

  /** Input 0 is `left`, 1 is `right`. */
  processElement(record: StreamRecord, input: number): void {
    const ts = record.timestamp;
    if (ts < this.watermark) {
      this.env.observer?.window?.(this.id, { kind: 'late', key: record.key, window: null, timestamp: ts });
      return;
    }
    const entry = this.keyed.getOrCreate(record.keyRef, record.key);
    const buffers = entry.state;
    const value = record.value;
    if (input === 0) {
      buffers.leftValues.push(value);
      buffers.leftTimes.push(ts);
      const times = buffers.rightTimes;
      const values = buffers.rightValues;
      const from = ts + this.lower;
      const to = ts + this.upper;
      for (let j = 0; j < times.length; j++) {
        const rt = times[j]!;
        if (rt >= from && rt <= to) this.emitPair(entry.key, value, values[j], Math.max(rt, ts));
      }
      this.timers.register(this.upper > 0 ? ts + this.upper : ts, entry.key, entry.keyRef, entry.seq, LEFT);
    } else {
      buffers.rightValues.push(value);
      buffers.rightTimes.push(ts);
      const times = buffers.leftTimes;
      const values = buffers.leftValues;
      const from = ts - this.upper;
      const to = ts - this.lower;
      for (let i = 0; i < times.length; i++) {
        const lt = times[i]!;
        if (lt >= from && lt <= to) this.emitPair(entry.key, values[i], value, Math.max(lt, ts));
      }
      this.timers.register(this.lower < 0 ? ts - this.lower : ts, entry.key, entry.keyRef, entry.seq, RIGHT);
    }
  }

  private emitPair(key: Key, left: unknown, right: unknown, timestamp: number): void {
    const ctx = this.ctx;
    ctx.update(key, timestamp, this.watermark);
    let value: unknown;
    try {
      this.env.budget.begin();
      value = joinPair(this.fn, left, right, ctx);
    } catch (err) {
      return this.handleError(err, new StreamRecord(key, { left, right }, timestamp));
    }
    this.out.emit(new StreamRecord(key, value, timestamp));
  }

  override onWatermark(watermark: number): void {
    const timers = this.timers;
    for (let timer = timers.pollDue(watermark); timer !== undefined; timer = timers.pollDue(watermark)) {
      const entry = this.keyed.get(timer.keyRef);
      if (entry === undefined) continue;
      const buffers = entry.state;
      const time = timer.time;
      if (timer.namespace === LEFT)
        removeAt(buffers.leftValues, buffers.leftTimes, this.upper > 0 ? time - this.upper : time);
      else removeAt(buffers.rightValues, buffers.rightTimes, this.lower < 0 ? time + this.lower : time);
      if (buffers.leftTimes.length === 0 && buffers.rightTimes.length === 0) this.keyed.delete(entry.keyRef);
    }
  }

  override snapshotState(): Json {
    const keys = this.keyed.snapshot(this.env.maxParallelism, (b) => [
      b.leftValues as Json[],
      b.leftTimes,
      b.rightValues as Json[],
      b.rightTimes,
    ]);
    return { keys: keys as unknown as Json, timers: this.timers.snapshot() };
  }

  override restoreState(state: Json): void {
    const s = state as { keys: Json; timers: Json };
    this.keyed.restore(s.keys as unknown as KeyedSnapshot, (json) => {
      const [leftValues, leftTimes, rightValues, rightTimes] = json as [unknown[], number[], unknown[], number[]];
      const buffers = new IntervalBuffers();
      buffers.leftValues = leftValues;
      buffers.leftTimes = leftTimes;
      buffers.rightValues = rightValues;
      buffers.rightTimes = rightTimes;
      return buffers;
    });
    this.timers.restore(s.timers);
  }

  override stateSize(): StateSize {
    return { keys: this.keyed.size, timers: this.timers.size };
  }
}

export const joinInterval = defineOperator({
  type: 'join.interval',
  label: 'Interval join',
  category: 'Joins',
  description: 'Joins each left record with the right records of its key whose time lies within an interval around it.',
  role: 'transform',
  keyed: true,
  inputs: joinInputs,
  outputs: () => ['out', 'error'],
  params,
  validate(params, ctx) {
    const lower = params.lowerBoundMs;
    const upper = params.upperBoundMs;
    if (lower > upper)
      ctx.problems.push(
        problem(
          `${ctx.path}.upperBoundMs`,
          'E_RANGE',
          `must be at least lowerBoundMs (lowerBoundMs ≤ upperBoundMs), got ${upper} with lowerBoundMs ${lower}`,
        ),
      );
  },
  create: (env) => new IntervalJoinOperator(env),
});
