/**
 * Triggers (Flink's `Trigger` and `TriggerResult`): a trigger decides, per key and window, when a pane fires and when
 * its contents are purged. The window core asks it on every element (`onElement`), on every timer it registered
 * (`onEventTime`, `onProcessingTime`) and when session windows merge (`onMerge`); it answers with a value, never by
 * firing anything itself. What a trigger keeps between calls lives in the context's partitioned state, scoped to the
 * key and window like Flink's `getPartitionedState`, and goes into snapshots with the window's state.
 *
 * The built-in triggers are Flink's: `EventTimeTrigger` and `ProcessingTimeTrigger` (the `window` operator's two
 * time domains, and `join.window`'s), `CountTrigger` and `PurgingTrigger` (count windows), and
 * `ContinuousEventTimeTrigger` (early, periodic firing of event-time windows; not offered by the pipeline format).
 */
import type { Json } from '../../pipeline/types.ts';

/** What a trigger decides (Flink's `TriggerResult`): bit 1 fires the pane, bit 2 purges its contents. */
export const CONTINUE = 0;
export const FIRE = 1;
export const PURGE = 2;
export const FIRE_AND_PURGE = 3;
export type TriggerResult = typeof CONTINUE | typeof FIRE | typeof PURGE | typeof FIRE_AND_PURGE;

export function isFire(result: TriggerResult): boolean {
  return (result & FIRE) !== 0;
}

export function isPurge(result: TriggerResult): boolean {
  return (result & PURGE) !== 0;
}

/** The window a trigger is asked about: `[start, end)`, its max timestamp `end - 1` (a global window: ±∞). */
export interface TriggerWindow {
  readonly start: number;
  readonly end: number;
}

/**
 * A named piece of partitioned trigger state (Flink's `ReducingStateDescriptor`): `merge` combines the values of
 * windows that merge into one (session windows).
 */
export interface TriggerStateDescriptor<T extends Json> {
  readonly name: string;
  merge(a: T, b: T): T;
}

/** What a trigger may do besides answering (Flink's `TriggerContext`), scoped to the current key and window. */
export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  /** One timer per key, window and time: registering it again is a no-op. */
  registerEventTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  getState<T extends Json>(descriptor: TriggerStateDescriptor<T>): T | undefined;
  setState<T extends Json>(descriptor: TriggerStateDescriptor<T>, value: T): void;
  clearState(descriptor: TriggerStateDescriptor<Json>): void;
}

/** The context of `onMerge`: it can fold the merged windows' state into the new window's (Flink's `OnMergeContext`). */
export interface OnMergeContext extends TriggerContext {
  mergeState(descriptor: TriggerStateDescriptor<Json>): void;
}

export interface Trigger {
  onElement(element: unknown, timestamp: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult;
  /** Whether the trigger can run on merging (session) windows; then `onMerge` must be implemented. */
  readonly canMerge: boolean;
  onMerge(window: TriggerWindow, ctx: OnMergeContext): void;
  /** Called when the window's state is dropped: delete the timers and state the trigger still holds. */
  clear(window: TriggerWindow, ctx: TriggerContext): void;
}

/** Fires once the watermark passes the window's end; a record added after that fires the pane at once. */
export class EventTimeTrigger implements Trigger {
  readonly canMerge = true;

  onElement(_element: unknown, _timestamp: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    const maxTimestamp = window.end - 1;
    if (maxTimestamp <= ctx.currentWatermark()) return FIRE;
    ctx.registerEventTimeTimer(maxTimestamp);
    return CONTINUE;
  }

  onEventTime(time: number, window: TriggerWindow): TriggerResult {
    return time === window.end - 1 ? FIRE : CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return CONTINUE;
  }

  onMerge(window: TriggerWindow, ctx: OnMergeContext): void {
    // Only while the watermark is before the merged window's end: otherwise onElement fires it, and a timer would
    // fire it a second time.
    const maxTimestamp = window.end - 1;
    if (maxTimestamp > ctx.currentWatermark()) ctx.registerEventTimeTimer(maxTimestamp);
  }

  clear(window: TriggerWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.end - 1);
  }
}

/** Fires once processing time passes the window's end. */
export class ProcessingTimeTrigger implements Trigger {
  readonly canMerge = true;

  onElement(_element: unknown, _timestamp: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.end - 1);
    return CONTINUE;
  }

  onEventTime(): TriggerResult {
    return CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return FIRE;
  }

  onMerge(window: TriggerWindow, ctx: OnMergeContext): void {
    const maxTimestamp = window.end - 1;
    if (maxTimestamp > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(maxTimestamp);
  }

  clear(window: TriggerWindow, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.end - 1);
  }
}

const sum = (a: number, b: number): number => a + b;
const min = (a: number, b: number): number => Math.min(a, b);

/** Fires once the pane has received `maxCount` elements since it last fired. */
export class CountTrigger implements Trigger {
  readonly maxCount: number;

  readonly canMerge = true;
  static readonly count: TriggerStateDescriptor<number> = { name: 'count', merge: sum };

  constructor(maxCount: number) {
    this.maxCount = maxCount;
    if (!Number.isSafeInteger(maxCount) || maxCount <= 0)
      throw new Error(`CountTrigger: maxCount must be a positive integer, got ${maxCount}`);
  }

  onElement(_element: unknown, _timestamp: number, _window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    const count = (ctx.getState(CountTrigger.count) ?? 0) + 1;
    if (count >= this.maxCount) {
      ctx.clearState(CountTrigger.count);
      return FIRE;
    }
    ctx.setState(CountTrigger.count, count);
    return CONTINUE;
  }

  onEventTime(): TriggerResult {
    return CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return CONTINUE;
  }

  onMerge(_window: TriggerWindow, ctx: OnMergeContext): void {
    ctx.mergeState(CountTrigger.count);
  }

  clear(_window: TriggerWindow, ctx: TriggerContext): void {
    ctx.clearState(CountTrigger.count);
  }
}

/** Turns every firing of the trigger it wraps into a firing that also purges the pane's contents. */
export class PurgingTrigger implements Trigger {
  readonly nested: Trigger;

  readonly canMerge: boolean;

  constructor(nested: Trigger) {
    this.nested = nested;
    this.canMerge = nested.canMerge;
  }

  onElement(element: unknown, timestamp: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onEventTime(time, window, ctx));
  }

  onProcessingTime(time: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onProcessingTime(time, window, ctx));
  }

  onMerge(window: TriggerWindow, ctx: OnMergeContext): void {
    this.nested.onMerge(window, ctx);
  }

  clear(window: TriggerWindow, ctx: TriggerContext): void {
    this.nested.clear(window, ctx);
  }
}

function purging(result: TriggerResult): TriggerResult {
  return isFire(result) ? FIRE_AND_PURGE : result;
}

/**
 * Fires every `interval` milliseconds of event time while the window is open (at multiples of the interval, from
 * the first element's), and once more when the watermark passes the window's end: early results of a long window.
 */
export class ContinuousEventTimeTrigger implements Trigger {
  readonly interval: number;

  readonly canMerge = true;
  /** The next early firing; merged windows keep the earliest. */
  static readonly fireTime: TriggerStateDescriptor<number> = { name: 'fire-time', merge: min };

  constructor(interval: number) {
    this.interval = interval;
    if (!Number.isSafeInteger(interval) || interval <= 0)
      throw new Error(`ContinuousEventTimeTrigger: interval must be a positive integer (ms), got ${interval}`);
  }

  onElement(_element: unknown, timestamp: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    const maxTimestamp = window.end - 1;
    if (maxTimestamp <= ctx.currentWatermark()) return FIRE;
    ctx.registerEventTimeTimer(maxTimestamp);
    if (ctx.getState(ContinuousEventTimeTrigger.fireTime) === undefined) {
      // Flink rounds with Java's `%`, which truncates toward zero as JavaScript's does.
      const next = timestamp - (timestamp % this.interval) + this.interval;
      ctx.registerEventTimeTimer(next);
      ctx.setState(ContinuousEventTimeTrigger.fireTime, next);
    }
    return CONTINUE;
  }

  onEventTime(time: number, window: TriggerWindow, ctx: TriggerContext): TriggerResult {
    if (time === window.end - 1) return FIRE;
    if (ctx.getState(ContinuousEventTimeTrigger.fireTime) !== time) return CONTINUE;
    ctx.setState(ContinuousEventTimeTrigger.fireTime, time + this.interval);
    ctx.registerEventTimeTimer(time + this.interval);
    return FIRE;
  }

  onProcessingTime(): TriggerResult {
    return CONTINUE;
  }

  onMerge(_window: TriggerWindow, ctx: OnMergeContext): void {
    ctx.mergeState(ContinuousEventTimeTrigger.fireTime);
    const next = ctx.getState(ContinuousEventTimeTrigger.fireTime);
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }

  clear(_window: TriggerWindow, ctx: TriggerContext): void {
    const next = ctx.getState(ContinuousEventTimeTrigger.fireTime);
    if (next === undefined) return;
    ctx.deleteEventTimeTimer(next);
    ctx.clearState(ContinuousEventTimeTrigger.fireTime);
  }
}
