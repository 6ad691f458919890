/**
 * The window core: keyed panes of time windows with their timers, shared by `window` and `join.window`. It follows
 * Flink's WindowOperator (and, for sessions, its MergingWindowSet); when a pane fires is decided by a `Trigger`
 * (triggers.ts), whose answers are values the core acts on:
 *
 * - a record goes into each window the assigner gives it that is not late (`maxTimestamp + lateness <= now`); the
 *   trigger's `onElement` then says whether the pane fires, purges, or waits; a new pane registers its cleanup
 *   timer at `maxTimestamp + lateness`;
 * - a due timer goes to the trigger's `onEventTime` (or `onProcessingTime`), whose answer fires or purges the pane;
 *   at the cleanup time the trigger is cleared and the pane dropped;
 * - session windows that overlap or touch merge into one pane (accumulators merged in start order), whose lateness
 *   is judged after merging; the trigger hears `onMerge` for the merged window, then `clear` for each window that
 *   merged into it;
 * - timers fire in order of time, then of the key's first-seen order (TimerQueue). How a trigger's timers sit in
 *   the queue is the trigger context's business (trigger-context.ts).
 *
 * What a pane holds and what firing it emits belong to the operator: the core adds through a `PaneFunction` and
 * fires through its `PaneOwner`. Processing-time windows use the same core with `eventTime: false`: they are never
 * late and are cleaned up at `maxTimestamp` (Flink ignores allowed lateness there). A core takes timers of its own
 * time domain only.
 */
import type { Json, Key } from '../../pipeline/types.ts';
import { KeyedEntries, type KeyedSnapshot } from '../keyed.ts';
import type { EngineObserver, StateSize, WindowEvent } from '../operator.ts';
import type { KeyRef, StreamRecord } from '../record.ts';
import { TimerQueue } from '../timers.ts';
import { SessionWindowAssigner, type PeriodicWindowAssigner, type TimeWindowAssigner } from './assigners.ts';
import {
  byStart,
  EMPTY,
  END_TIMER,
  KeyPanes,
  mergedAccumulator,
  Pane,
  paneExtras,
  restorePaneExtras,
  type PaneExtras,
} from './panes.ts';
import { PaneTriggerContext, removeTime } from './trigger-context.ts';
import { CONTINUE, FIRE, PURGE, type Trigger, type TriggerResult } from './triggers.ts';

export { Pane };

/** What panes accumulate; `side` is the input port index (joins keep one buffer per side). */
export interface PaneFunction {
  createAccumulator(): unknown;
  add(acc: unknown, input: unknown, arrival: number, side: number): unknown;
  merge(a: unknown, b: unknown): unknown;
}

export interface PaneOwner {
  /** Emits what a firing pane produces, with timestamp `pane.end - 1`. Called outside any `try` of the core. */
  firePane(key: Key, pane: Pane): void;
}

/** What `WindowCore.add` did with a record. */
export const ADDED = 0;
export const LATE = 1;
export const FAILED = 2;

export interface WindowCoreOptions {
  nodeId: string;
  assigner: TimeWindowAssigner;
  trigger: Trigger;
  fn: PaneFunction;
  owner: PaneOwner;
  /** Event time (watermarks, allowed lateness) or processing time. */
  eventTime: boolean;
  allowedLateness: number;
  observer: EngineObserver | null;
  /** The other time domain's clock, for triggers that read it: processing time under event time, or the reverse. */
  otherClock?: () => number;
}

/**
 * The snapshot form. A pane is `[start, end, acc]`, followed by `PaneExtras` only when its trigger holds more than
 * the timer at its end, which the event- and processing-time triggers hold exactly while the end lies ahead.
 */
interface CoreSnapshot {
  keys: KeyedSnapshot;
  timers: Json;
  arrival: number;
}

export class WindowCore {
  private readonly keyed = new KeyedEntries<KeyPanes>((key, keyRef, seq) => new KeyPanes(key, keyRef, seq));
  private readonly timers = new TimerQueue();
  /** Counts records added, so merged buffers can be put back into arrival order. */
  private arrival = 0;
  /** Why the last `add` returned FAILED. */
  failure: unknown = null;
  private readonly periodic: PeriodicWindowAssigner | null;
  private readonly gap: number;
  private readonly trigger: Trigger;
  private readonly ctx: PaneTriggerContext;
  private readonly fn: PaneFunction;
  private readonly owner: PaneOwner;
  private readonly eventTime: boolean;
  private readonly lateness: number;
  private readonly nodeId: string;
  private readonly observer: EngineObserver | null;
  /** Scratch list of the session panes a new record's window merges with. */
  private readonly merging: Pane[] = [];
  /**
   * Stands for the window a session pane was before it grew, while the trigger merges it into the grown one. Made
   * from the first pane that grows, so that panes keep one shape (a made-up key would widen the fields' types).
   */
  private retired: Pane | null = null;
  private retiredList: readonly Pane[] = [];

  constructor(options: WindowCoreOptions) {
    const assigner = options.assigner;
    const merging = assigner instanceof SessionWindowAssigner;
    if (merging && !options.trigger.canMerge)
      throw new Error('session windows need a trigger that can merge (canMerge); this trigger cannot');
    this.periodic = merging ? null : assigner;
    this.gap = merging ? assigner.gap : 0;
    this.trigger = options.trigger;
    this.fn = options.fn;
    this.owner = options.owner;
    this.eventTime = options.eventTime;
    this.lateness = options.eventTime ? options.allowedLateness : 0;
    this.nodeId = options.nodeId;
    this.observer = options.observer !== null && options.observer.window !== undefined ? options.observer : null;
    const otherClock = options.otherClock ?? (() => -Infinity);
    this.ctx = new PaneTriggerContext(this.timers, !merging, this.eventTime, this.lateness, otherClock);
  }

  /**
   * Adds a record (already reduced to `input`) to its windows of time `time`; `now` is the watermark (event time)
   * or the processing time. Returns ADDED, LATE (no window took it) or FAILED (see `failure`).
   */
  add(record: StreamRecord, time: number, now: number, input: unknown, side: number): number {
    this.ctx.now = now;
    return this.periodic !== null
      ? this.addPeriodic(this.periodic, record, time, now, input, side)
      : this.addSession(record, time, now, input, side);
  }

  private addPeriodic(
    assigner: PeriodicWindowAssigner,
    record: StreamRecord,
    time: number,
    now: number,
    input: unknown,
    side: number,
  ): number {
    const size = assigner.size;
    const slide = assigner.slide;
    const fn = this.fn;
    const arrival = this.arrival++;
    let panes: KeyPanes | undefined;
    let status = LATE;
    for (let start = assigner.lastStart(time); start > time - size; start -= slide) {
      const end = start + size;
      if (this.eventTime && end - 1 + this.lateness <= now) continue;
      if (panes === undefined) panes = this.keyed.getOrCreate(record.keyRef, record.key);
      let pane = panes.last;
      if (pane === null || pane.start !== start) pane = panes.get(start) ?? null;
      let acc: unknown;
      try {
        const from = pane === null || (pane.flags & EMPTY) !== 0 ? fn.createAccumulator() : pane.acc;
        acc = fn.add(from, input, arrival, side);
      } catch (err) {
        // The record fails here; the windows before this one keep it (Flink would fail the whole job instead).
        this.failure = err;
        if (panes.size === 0) this.keyed.delete(panes.keyRef);
        return FAILED;
      }
      const opened = pane === null;
      if (pane === null) {
        pane = new Pane(start, end, acc, panes);
        panes.set(start, pane);
        if (this.observer !== null) this.notify('open', panes.key, pane.start, pane.end, time);
      } else {
        pane.acc = acc;
        pane.flags &= ~EMPTY;
      }
      panes.last = pane;
      status = ADDED;
      this.onElement(record, pane, opened);
    }
    if (status === LATE && this.observer !== null) {
      const start = assigner.lastStart(time);
      this.notify('late', record.key, start, start + size, time);
    }
    return status;
  }

  private addSession(record: StreamRecord, time: number, now: number, input: unknown, side: number): number {
    let start = time;
    let end = time + this.gap;
    const merging = this.merging;
    const existing = this.keyed.get(record.keyRef);
    if (existing !== undefined) {
      for (const pane of existing.values()) {
        if (SessionWindowAssigner.mergeable(pane.start, pane.end, time, time + this.gap)) merging.push(pane);
      }
      if (merging.length > 1) merging.sort(byStart);
      for (let i = 0; i < merging.length; i++) {
        if (merging[i]!.start < start) start = merging[i]!.start;
        if (merging[i]!.end > end) end = merging[i]!.end;
      }
    }
    // Live panes are never late, so only a window that merged with none can be.
    if (this.eventTime && end - 1 + this.lateness <= now) {
      if (this.observer !== null) this.notify('late', record.key, start, end, time);
      return LATE;
    }
    let acc: unknown;
    try {
      const single = merging.length === 1 && (merging[0]!.flags & EMPTY) === 0;
      acc = this.fn.add(single ? merging[0]!.acc : mergedAccumulator(merging, this.fn), input, this.arrival++, side);
    } catch (err) {
      merging.length = 0;
      this.failure = err;
      return FAILED;
    }
    const entry = existing ?? this.keyed.getOrCreate(record.keyRef, record.key);
    let pane: Pane;
    let opened = false;
    if (merging.length === 1 && merging[0]!.start === start) {
      // The common case of in-order records: the session grows at its end (or not at all) and stays one pane.
      pane = merging[0]!;
      pane.acc = acc;
      pane.flags &= ~EMPTY;
      const oldEnd = pane.end;
      if (end !== oldEnd) {
        if (this.observer !== null) this.notify('purge', entry.key, start, oldEnd, time);
        pane.end = end;
        this.growInPlace(pane, oldEnd);
        if (this.observer !== null) this.notify('open', entry.key, start, end, time);
      }
    } else {
      for (let i = 0; i < merging.length; i++) {
        const old = merging[i]!;
        entry.delete(old.start);
        if (this.observer !== null) this.notify('purge', entry.key, old.start, old.end, time);
      }
      pane = new Pane(start, end, acc, entry);
      entry.set(start, pane);
      if (merging.length > 0) this.mergeInto(pane, merging);
      opened = true;
      if (this.observer !== null) this.notify('open', entry.key, pane.start, pane.end, time);
    }
    merging.length = 0;
    this.onElement(record, pane, opened);
    return ADDED;
  }

  /** Asks the trigger about a record just added to a pane and does what it says (Flink's processElement). */
  private onElement(record: StreamRecord, pane: Pane, opened: boolean): void {
    this.ctx.target = pane;
    const result = this.trigger.onElement(record.value, record.timestamp, pane, this.ctx);
    if (result !== CONTINUE) this.act(result, pane);
    if (opened) this.registerCleanupTimer(pane);
  }

  /** Sessions merged into a new pane: the old panes' timers leave the queue, the trigger merges, the new one's come. */
  private mergeInto(pane: Pane, merged: readonly Pane[]): void {
    const keyRef = pane.entry.keyRef;
    for (let i = 0; i < merged.length; i++) {
      const old = merged[i]!;
      this.timers.delete(old.end - 1, keyRef, old.start);
      if (this.lateness > 0) this.timers.delete(old.end - 1 + this.lateness, keyRef, old.start);
      this.ctx.disarmHeldTimers(old);
    }
    this.ctx.merge(this.trigger, pane, merged);
    for (let i = 0; i < merged.length; i++) this.ctx.forget(merged[i]!);
    if ((pane.flags & END_TIMER) !== 0) this.ctx.armEndTimer(pane);
    this.ctx.armHeldTimers(pane);
  }

  /**
   * A session pane that grows at its end: to the trigger, the window it was merges into the one it is now. The
   * queue keeps the timers it has; a timer at the new end is added only when the pane held none at its old end (it
   * fired already), as nothing would re-arm it otherwise.
   */
  private growInPlace(pane: Pane, oldEnd: number): void {
    let retired = this.retired;
    if (retired === null) {
      retired = this.retired = new Pane(pane.start, oldEnd, null, pane.entry);
      this.retiredList = [retired];
    }
    const ctx = this.ctx;
    const heldEndTimer = pane.flags & END_TIMER;
    retired.start = pane.start;
    retired.end = oldEnd;
    retired.flags = heldEndTimer;
    pane.flags &= ~END_TIMER;
    const holds = ctx.holds.size !== 0;
    if (holds) ctx.moveHold(pane, retired);
    ctx.merge(this.trigger, pane, this.retiredList);
    if ((pane.flags & END_TIMER) !== 0 && heldEndTimer === 0) ctx.armEndTimer(pane);
    if (holds || ctx.holds.size !== 0) {
      ctx.armHeldTimers(pane);
      ctx.forget(retired);
    }
  }

  /** Fires and cleans up every pane whose timers are due at `now` (the new watermark, or the processing time). */
  advance(now: number): void {
    this.ctx.now = now;
    const timers = this.timers;
    for (let timer = timers.pollDue(now); timer !== undefined; timer = timers.pollDue(now)) {
      let pane: Pane | undefined;
      if (timer instanceof Pane) pane = timer;
      else {
        pane = this.keyed.get(timer.keyRef)?.get(timer.namespace as number);
        // No pane: the timer belonged to a session merged into one with another start, which has timers of its own.
        if (pane === undefined) continue;
      }
      this.onTimer(pane, timer.time);
    }
  }

  private onTimer(pane: Pane, time: number): void {
    const maxTimestamp = pane.end - 1;
    const cleanup = maxTimestamp + this.lateness;
    // Flink asks the trigger about every timer of the window, the cleanup timer included.
    let held = time === cleanup;
    if (time === maxTimestamp && (pane.flags & END_TIMER) !== 0) {
      pane.flags &= ~END_TIMER;
      held = true;
    }
    if (this.ctx.holds.size !== 0) {
      const timers = this.ctx.heldTimers(pane);
      if (timers !== null && removeTime(timers, time)) {
        this.ctx.compact(pane);
        held = true;
      }
    }
    if (held) {
      const ctx = this.ctx;
      ctx.target = pane;
      const result = this.eventTime
        ? this.trigger.onEventTime(time, pane, ctx)
        : this.trigger.onProcessingTime(time, pane, ctx);
      if (result !== CONTINUE) this.act(result, pane);
    }
    if (time === cleanup) this.clearAll(pane, time);
    else if (this.periodic === null) {
      // A timer left from before the session grew, or one before its cleanup: the pane waits for its next one.
      const next = (pane.flags & END_TIMER) !== 0 && maxTimestamp > time ? maxTimestamp : cleanup;
      const entry = pane.entry;
      this.timers.register(next, entry.key, entry.keyRef, entry.seq, pane.start);
    }
  }

  /** Does what the trigger decided: fire the pane (unless purged before), then purge its contents. */
  private act(result: TriggerResult, pane: Pane): void {
    if ((result & FIRE) !== 0 && (pane.flags & EMPTY) === 0) {
      const key = pane.entry.key;
      if (this.observer !== null) this.notify('fire', key, pane.start, pane.end, pane.end - 1);
      this.owner.firePane(key, pane);
    }
    if ((result & PURGE) !== 0) {
      pane.flags |= EMPTY;
      pane.acc = null;
    }
  }

  /** Flink's `clearAllState` at the cleanup time: the trigger lets go of the window, and the pane is dropped. */
  private clearAll(pane: Pane, time: number): void {
    this.ctx.target = pane;
    this.trigger.clear(pane, this.ctx);
    if (this.ctx.holds.size !== 0) {
      // Timers a trigger left behind would find no pane.
      this.ctx.disarmHeldTimers(pane);
      this.ctx.forget(pane);
    }
    const panes = pane.entry;
    panes.delete(pane.start);
    if (panes.last === pane) panes.last = null;
    if (panes.size === 0) this.keyed.delete(panes.keyRef);
    if (this.observer !== null) this.notify('purge', panes.key, pane.start, pane.end, time);
  }

  /** Called once per new pane, after the trigger's `onElement`. */
  private registerCleanupTimer(pane: Pane): void {
    const entry = pane.entry;
    const cleanup = pane.end - 1 + this.lateness;
    // Without lateness the cleanup timer is the one at the end, in the queue already if the trigger holds it.
    if (this.lateness === 0) {
      if ((pane.flags & END_TIMER) === 0) this.ctx.armEndTimer(pane);
    }
    // A periodic pane registers its cleanup timer once and is dropped only when it fires: no duplicate to look for.
    else if (this.periodic !== null) this.timers.add(cleanup, entry.key, entry.keyRef, entry.seq, pane.start);
    else this.timers.register(cleanup, entry.key, entry.keyRef, entry.seq, pane.start);
  }

  private notify(kind: WindowEvent['kind'], key: Key, start: number, end: number, timestamp: number): void {
    this.observer!.window!(this.nodeId, { kind, key, window: { start, end }, timestamp });
  }

  /** Whether a trigger is taken to hold a timer at a pane's end when its snapshot does not say. */
  private endTimerByDefault(end: number, now: number): boolean {
    return !this.eventTime || end - 1 > now;
  }

  /** `now` is the watermark (event time) or processing time that the owner restores along with the snapshot. */
  snapshot(maxParallelism: number, now: number): Json {
    const holds = this.ctx.holds;
    const keys = this.keyed.snapshotEntries(maxParallelism, (panes) => {
      const list: Json[] = [];
      for (const pane of panes.values()) {
        const hold = holds.size === 0 ? undefined : holds.get(pane);
        const extras = paneExtras(pane, hold, this.endTimerByDefault(pane.end, now));
        const acc = (pane.flags & EMPTY) !== 0 ? null : (pane.acc as Json);
        list.push(extras === null ? [pane.start, pane.end, acc] : [pane.start, pane.end, acc, extras as Json]);
      }
      return list;
    });
    const snapshot: CoreSnapshot = { keys, timers: this.timers.snapshot(), arrival: this.arrival };
    return snapshot as unknown as Json;
  }

  restore(state: Json, now: number): void {
    const snapshot = state as unknown as CoreSnapshot;
    const holds = this.ctx.holds;
    this.ctx.now = now;
    holds.clear();
    this.keyed.restoreEntries(snapshot.keys, (list, key, keyRef, seq) => {
      const panes = new KeyPanes(key, keyRef, seq);
      for (const [start, end, acc, extras] of list as Array<[number, number, unknown, PaneExtras?]>) {
        const pane = new Pane(start, end, acc, panes);
        const hold = restorePaneExtras(pane, extras, this.endTimerByDefault(end, now));
        if (hold !== null) holds.set(pane, hold);
        panes.set(start, pane);
      }
      return panes;
    });
    this.timers.restore(snapshot.timers, Number, this.periodic === null ? undefined : this.paneTimer);
    this.arrival = snapshot.arrival;
  }

  /** A restored periodic pane as its own timer at its end, or undefined for another timer of it. */
  private readonly paneTimer = (time: number, keyRef: KeyRef, start: unknown): Pane | undefined => {
    const pane = this.keyed.get(keyRef)?.get(start as number);
    if (pane === undefined || pane.end - 1 !== time) return undefined;
    pane.dead = false;
    return pane;
  };

  stateSize(): StateSize {
    return { keys: this.keyed.size, timers: this.timers.size };
  }
}
