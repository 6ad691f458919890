/**
 * The window core's trigger context (Flink's `TriggerContext` and `OnMergeContext`): what a trigger registers,
 * deletes and keeps goes to the window it is being asked about (`target`), and its timers are placed in the core's
 * queue.
 *
 * The trigger sees Flink's timers: one per key, window and time. The queue holds fewer. A periodic pane is its own
 * timer at its end. A session that grows at its end (same start, so the same pane) keeps the timers it has, and the
 * first of them to fire re-arms the next one the pane waits for: Flink deletes and registers timers on every merge,
 * which would churn the queue once per in-order record. So the context remembers which timers a trigger holds (the
 * one at a pane's end as a flag of the pane, any other in a sorted list beside it, the cleanup timer implied by the
 * pane itself), and a timer the queue hands back goes to the trigger only when the trigger holds it.
 */
import type { Json } from '../../pipeline/types.ts';
import type { TimerQueue } from '../timers.ts';
import { END_TIMER, type Pane, type TriggerHold } from './panes.ts';
import type { OnMergeContext, Trigger, TriggerStateDescriptor } from './triggers.ts';

export class PaneTriggerContext implements OnMergeContext {
  private readonly timers: TimerQueue;
  /** Periodic panes are their own timers at their ends; session panes' timers are plain ones. */
  private readonly periodic: boolean;
  private readonly eventTime: boolean;
  private readonly lateness: number;
  /** The other time domain's clock: processing time under event time, or the reverse. */
  private readonly otherClock: () => number;

  /** The window the trigger is being asked about. */
  target: Pane | null = null;
  /** What triggers hold for windows besides the timer at their ends; most hold nothing, so this is mostly empty. */
  readonly holds = new Map<Pane, TriggerHold>();
  /** The watermark (event time) or processing time the core last heard of. */
  now = -Infinity;
  /** Inside a merge the trigger's timers change only in the panes; the core brings the queue in line afterwards. */
  private deferred = false;
  /** The windows being merged into `target`, inside a merge. */
  private mergedWindows: readonly Pane[] = [];

  constructor(timers: TimerQueue, periodic: boolean, eventTime: boolean, lateness: number, otherClock: () => number) {
    this.timers = timers;
    this.periodic = periodic;
    this.eventTime = eventTime;
    this.lateness = lateness;
    this.otherClock = otherClock;
  }

  currentWatermark(): number {
    return this.eventTime ? this.now : this.otherClock();
  }

  currentProcessingTime(): number {
    return this.eventTime ? this.otherClock() : this.now;
  }

  // Registering and deleting the timer at the window's end, what the time triggers do on every record, stays small
  // enough to be inlined into the trigger; the rest is out of line.

  registerEventTimeTimer(time: number): void {
    if (!this.eventTime) throw domainError('event', 'processing');
    const target = this.target!;
    if (time !== target.end - 1) this.registerOtherTimer(target, time);
    else if ((target.flags & END_TIMER) === 0) this.registerEndTimer(target);
  }

  deleteEventTimeTimer(time: number): void {
    if (!this.eventTime) throw domainError('event', 'processing');
    const target = this.target!;
    // The queue keeps a timer at the end: a periodic pane passes over it, a session's re-arms from it.
    if (time === target.end - 1) target.flags &= ~END_TIMER;
    else this.deleteOtherTimer(target, time);
  }

  registerProcessingTimeTimer(time: number): void {
    if (this.eventTime) throw domainError('processing', 'event');
    const target = this.target!;
    if (time !== target.end - 1) this.registerOtherTimer(target, time);
    else if ((target.flags & END_TIMER) === 0) this.registerEndTimer(target);
  }

  deleteProcessingTimeTimer(time: number): void {
    if (this.eventTime) throw domainError('processing', 'event');
    const target = this.target!;
    if (time === target.end - 1) target.flags &= ~END_TIMER;
    else this.deleteOtherTimer(target, time);
  }

  private registerEndTimer(target: Pane): void {
    target.flags |= END_TIMER;
    if (!this.deferred) this.armEndTimer(target);
  }

  private registerOtherTimer(target: Pane, time: number): void {
    // The cleanup timer exists while the window does, and the trigger hears about it.
    if (time === target.end - 1 + this.lateness) return;
    const hold = this.holdFor(target);
    if (!insertTime((hold.timers ??= []), time) || this.deferred) return;
    const entry = target.entry;
    this.timers.register(time, entry.key, entry.keyRef, entry.seq, target.start);
  }

  private deleteOtherTimer(target: Pane, time: number): void {
    if (time === target.end - 1 + this.lateness) return;
    const timers = this.holds.get(target)?.timers;
    if (!timers || !removeTime(timers, time)) return;
    this.compact(target);
    if (!this.deferred) this.timers.delete(time, target.entry.keyRef, target.start);
  }

  getState<T extends Json>(descriptor: TriggerStateDescriptor<T>): T | undefined {
    return this.holds.get(this.target!)?.state?.[descriptor.name] as T | undefined;
  }

  setState<T extends Json>(descriptor: TriggerStateDescriptor<T>, value: T): void {
    (this.holdFor(this.target!).state ??= {})[descriptor.name] = value;
  }

  clearState(descriptor: TriggerStateDescriptor<Json>): void {
    const target = this.target!;
    const state = this.holds.get(target)?.state;
    if (!state || !(descriptor.name in state)) return;
    delete state[descriptor.name];
    this.compact(target);
  }

  private holdFor(target: Pane): TriggerHold {
    let hold = this.holds.get(target);
    if (hold === undefined) this.holds.set(target, (hold = { state: null, timers: null }));
    return hold;
  }

  /** Forgets what a window's trigger holds once it holds nothing. */
  compact(target: Pane): void {
    const hold = this.holds.get(target)!;
    if (hold.state !== null && Object.keys(hold.state).length === 0) hold.state = null;
    if (hold.timers !== null && hold.timers.length === 0) hold.timers = null;
    if (hold.state === null && hold.timers === null) this.holds.delete(target);
  }

  /** The timers other than its end timer that the trigger holds for a window, if any (ascending). */
  heldTimers(target: Pane): number[] | null {
    return this.holds.size === 0 ? null : (this.holds.get(target)?.timers ?? null);
  }

  /** Hands what the trigger holds for one window to another (a session pane and the window it was). */
  moveHold(from: Pane, to: Pane): void {
    if (this.holds.size === 0) return;
    const hold = this.holds.get(from);
    this.holds.delete(from);
    if (hold !== undefined) this.holds.set(to, hold);
    else this.holds.delete(to);
  }

  /** Folds the state of the windows merging into the target's, in start order (Flink's `mergePartitionedState`). */
  mergeState(descriptor: TriggerStateDescriptor<Json>): void {
    if (!this.deferred) throw new Error('mergeState is for onMerge only');
    let merged = this.getState(descriptor);
    for (const window of this.mergedWindows) {
      const value = this.holds.get(window)?.state?.[descriptor.name];
      if (value !== undefined) merged = merged === undefined ? value : descriptor.merge(merged, value);
    }
    if (merged !== undefined) this.setState(descriptor, merged);
  }

  /**
   * Flink's merge callback: `onMerge` for the merged window, then `clear` for each window merged into it. The
   * queue is left as it was; the caller brings it in line.
   */
  merge(trigger: Trigger, pane: Pane, merged: readonly Pane[]): void {
    this.deferred = true;
    this.mergedWindows = merged;
    try {
      this.target = pane;
      trigger.onMerge(pane, this);
      for (let i = 0; i < merged.length; i++) {
        const window = merged[i]!;
        this.target = window;
        trigger.clear(window, this);
      }
    } finally {
      this.deferred = false;
      this.mergedWindows = [];
    }
  }

  /** Puts a timer at the pane's end into the queue (a periodic pane is that timer itself). */
  armEndTimer(pane: Pane): void {
    if (this.periodic) {
      if (pane.dead) {
        pane.dead = false;
        this.timers.schedule(pane);
      }
    } else {
      const entry = pane.entry;
      this.timers.register(pane.end - 1, entry.key, entry.keyRef, entry.seq, pane.start);
    }
  }

  /** Puts the pane's other trigger timers into the queue, where they are not already. */
  armHeldTimers(pane: Pane): void {
    const timers = this.heldTimers(pane);
    if (timers === null) return;
    const entry = pane.entry;
    for (const time of timers) this.timers.register(time, entry.key, entry.keyRef, entry.seq, pane.start);
  }

  /** Takes the pane's other trigger timers out of the queue. */
  disarmHeldTimers(pane: Pane): void {
    const timers = this.heldTimers(pane);
    if (timers !== null) for (const time of timers) this.timers.delete(time, pane.entry.keyRef, pane.start);
  }

  /** Forgets what the trigger holds for a window that went away. */
  forget(target: Pane): void {
    if (this.holds.size !== 0) this.holds.delete(target);
  }
}

function domainError(wanted: string, actual: string): Error {
  return new Error(
    `a ${wanted}-time timer was registered on windows of ${actual} time, whose core keeps only ${actual}-time timers`,
  );
}

/** Inserts `time` into an ascending list unless present; says whether it was inserted. */
function insertTime(list: number[], time: number): boolean {
  let i = list.length;
  while (i > 0 && list[i - 1]! > time) i--;
  if (i > 0 && list[i - 1] === time) return false;
  list.splice(i, 0, time);
  return true;
}

export function removeTime(list: number[], time: number): boolean {
  const i = list.indexOf(time);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
