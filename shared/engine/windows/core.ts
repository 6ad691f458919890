/**
 * The window core: keyed panes of time windows with their timers, shared by `window` and `join.window`. It follows
 * Flink's WindowOperator with the EventTimeTrigger (or ProcessingTimeTrigger) and, for sessions, MergingWindowSet:
 *
 * - a record goes into each window the assigner gives it that is not late (`maxTimestamp + lateness <= now`);
 * - a new pane registers a firing timer at `maxTimestamp` (unless already due) and a cleanup timer at
 *   `maxTimestamp + lateness` (one timer when lateness is 0); a record added to a due pane fires it at once;
 * - session windows that overlap or touch merge into one pane (accumulators merged in start order), whose
 *   lateness is judged after merging; a session that only grows at its end keeps its timers, and the first of
 *   them to fire re-arms the pane's next event (Flink re-registers on every merge, which would churn the timer
 *   queue once per in-order record);
 * - timers fire in order of time, then of the key's first-seen order (TimerQueue).
 *
 * What a pane holds and what firing it emits belong to the operator: the core adds through a `PaneFunction` and
 * fires through its `PaneOwner`. Processing-time windows use the same core with `eventTime: false`: they are
 * never late and are cleaned up when they fire (Flink ignores allowed lateness there).
 */
import type { Json, Key } from '../../pipeline/types.ts';
import { KeyedEntries, type Keyed, type KeyedSnapshot } from '../keyed.ts';
import type { EngineObserver, StateSize, WindowEvent } from '../operator.ts';
import type { KeyRef, StreamRecord } from '../record.ts';
import { TimerQueue, type Timer } from '../timers.ts';
import { SessionWindowAssigner, type PeriodicWindowAssigner, type TimeWindowAssigner } from './assigners.ts';

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

/**
 * A window of one key. A periodic window's pane is also its own firing timer (at `end - 1`), so opening a pane
 * costs one object, not two, and firing it needs no lookup; the timer's key and namespace come from the pane.
 */
export class Pane implements Timer {
  order = 0;
  dead = false;

  constructor(
    public start: number,
    public end: number,
    public acc: unknown,
    readonly entry: KeyPanes,
  ) {}

  get time(): number {
    return this.end - 1;
  }

  get key(): Key {
    return this.entry.key;
  }

  get keyRef(): KeyRef {
    return this.entry.keyRef;
  }

  get keySeq(): number {
    return this.entry.seq;
  }

  get namespace(): number {
    return this.start;
  }

  get sameKey(): undefined {
    return undefined;
  }
}

/**
 * One key's live panes, by start (session panes of one key never share a start: they are disjoint), and the key's
 * keyed-state entry itself, so a key costs one object. Most keys hold one pane at a time (a tumbling window, a
 * session), so the first lives in a field and a map exists only for a key that holds several.
 */
export class KeyPanes implements Keyed {
  /** The pane the key's previous record went to: an in-order stream finds its pane without a map lookup. */
  last: Pane | null = null;
  private first: Pane | null = null;
  private more: Map<number, Pane> | null = null;

  constructor(
    readonly key: Key,
    readonly keyRef: KeyRef,
    readonly seq: number,
  ) {}

  get size(): number {
    return (this.first !== null ? 1 : 0) + (this.more !== null ? this.more.size : 0);
  }

  get(start: number): Pane | undefined {
    const first = this.first;
    if (first !== null && first.start === start) return first;
    return this.more !== null ? this.more.get(start) : undefined;
  }

  set(start: number, pane: Pane): void {
    const first = this.first;
    if (first !== null ? first.start === start : this.more === null || !this.more.has(start)) this.first = pane;
    else (this.more ??= new Map()).set(start, pane);
  }

  delete(start: number): void {
    const first = this.first;
    if (first !== null && first.start === start) this.first = null;
    else if (this.more !== null) this.more.delete(start);
  }

  /** In order of start. */
  values(): Pane[] {
    const list: Pane[] = this.more !== null ? [...this.more.values()] : [];
    if (this.first !== null) list.push(this.first);
    return list.length > 1 ? list.sort(byStart) : list;
  }
}

/** What `WindowCore.add` did with a record. */
export const ADDED = 0;
export const LATE = 1;
export const FAILED = 2;

export interface WindowCoreOptions {
  nodeId: string;
  assigner: TimeWindowAssigner;
  fn: PaneFunction;
  owner: PaneOwner;
  /** Event time (watermarks, allowed lateness) or processing time. */
  eventTime: boolean;
  allowedLateness: number;
  observer: EngineObserver | null;
}

interface CoreSnapshot {
  keys: KeyedSnapshot;
  timers: Json;
  arrival: number;
}

function byStart(a: Pane, b: Pane): number {
  return a.start - b.start;
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
  private readonly fn: PaneFunction;
  private readonly owner: PaneOwner;
  private readonly eventTime: boolean;
  private readonly lateness: number;
  private readonly nodeId: string;
  private readonly observer: EngineObserver | null;
  /** Scratch list of the session panes a new record's window merges with. */
  private readonly merging: Pane[] = [];

  constructor(options: WindowCoreOptions) {
    const assigner = options.assigner;
    this.periodic = assigner instanceof SessionWindowAssigner ? null : assigner;
    this.gap = assigner instanceof SessionWindowAssigner ? assigner.gap : 0;
    this.fn = options.fn;
    this.owner = options.owner;
    this.eventTime = options.eventTime;
    this.lateness = options.eventTime ? options.allowedLateness : 0;
    this.nodeId = options.nodeId;
    this.observer = options.observer !== null && options.observer.window !== undefined ? options.observer : null;
  }

  /**
   * Adds a record (already reduced to `input`) to its windows of time `time`; `now` is the watermark (event time)
   * or the processing time. Returns ADDED, LATE (no window took it) or FAILED (see `failure`).
   */
  add(record: StreamRecord, time: number, now: number, input: unknown, side: number): number {
    return this.periodic !== null ? this.addPeriodic(this.periodic, record, time, now, input, side) : this.addSession(record, time, now, input, side);
  }

  private addPeriodic(assigner: PeriodicWindowAssigner, record: StreamRecord, time: number, now: number, input: unknown, side: number): number {
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
        acc = fn.add(pane === null ? fn.createAccumulator() : pane.acc, input, arrival, side);
      } catch (err) {
        // The record fails here; the windows before this one keep it (Flink would fail the whole job instead).
        this.failure = err;
        if (panes.size === 0) this.keyed.delete(panes.keyRef);
        return FAILED;
      }
      if (pane === null) {
        pane = new Pane(start, end, acc, panes);
        panes.set(start, pane);
        this.registerTimers(panes, pane, now);
        if (this.observer !== null) this.notify('open', panes.key, pane.start, pane.end, time);
      } else {
        pane.acc = acc;
      }
      panes.last = pane;
      status = ADDED;
      if (this.eventTime && end - 1 <= now) this.fire(panes.key, pane);
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
    const fn = this.fn;
    let acc: unknown;
    try {
      if (merging.length === 0) acc = fn.createAccumulator();
      else {
        acc = merging[0]!.acc;
        for (let i = 1; i < merging.length; i++) acc = fn.merge(acc, merging[i]!.acc);
      }
      acc = fn.add(acc, input, this.arrival++, side);
    } catch (err) {
      merging.length = 0;
      this.failure = err;
      return FAILED;
    }
    const entry = existing ?? this.keyed.getOrCreate(record.keyRef, record.key);
    let pane: Pane;
    if (merging.length === 1 && merging[0]!.start === start) {
      // The common case of in-order records: the session grows at its end (or not at all) and keeps its timers,
      // which lie no later than its new events; the first to fire re-arms the next one (see `advance`).
      pane = merging[0]!;
      pane.acc = acc;
      const oldEnd = pane.end;
      if (end !== oldEnd) {
        if (this.observer !== null) this.notify('purge', entry.key, start, oldEnd, time);
        pane.end = end;
        // A pane that fired already kept only its cleanup timer, which may lie after its new end.
        if (this.eventTime && oldEnd - 1 <= now && end - 1 > now) this.timers.register(end - 1, entry.key, entry.keyRef, entry.seq, start);
        if (this.observer !== null) this.notify('open', entry.key, start, end, time);
      }
    } else {
      for (let i = 0; i < merging.length; i++) {
        const old = merging[i]!;
        this.deleteTimers(entry, old);
        entry.delete(old.start);
        if (this.observer !== null) this.notify('purge', entry.key, old.start, old.end, time);
      }
      pane = new Pane(start, end, acc, entry);
      entry.set(start, pane);
      this.registerTimers(entry, pane, now);
      if (this.observer !== null) this.notify('open', entry.key, pane.start, pane.end, time);
    }
    merging.length = 0;
    if (this.eventTime && end - 1 <= now) this.fire(entry.key, pane);
    return ADDED;
  }

  /** Fires and cleans up every pane whose timers are due at `now` (the new watermark, or the processing time). */
  advance(now: number): void {
    const timers = this.timers;
    for (let timer = timers.pollDue(now); timer !== undefined; timer = timers.pollDue(now)) {
      let pane: Pane | undefined;
      if (timer instanceof Pane) pane = timer;
      else {
        pane = this.keyed.get(timer.keyRef)?.get(timer.namespace as number);
        // No pane: the timer belonged to a session merged into one with another start; that one has timers of its own.
        if (pane === undefined) continue;
      }
      const entry = pane.entry;
      const time = timer.time;
      const maxTimestamp = pane.end - 1;
      const cleanup = maxTimestamp + this.lateness;
      if (time === maxTimestamp) this.fire(entry.key, pane);
      if (time === cleanup) this.drop(entry, pane, time);
      // A timer left from before the session grew, or the firing of a session pane that is cleaned up later (a
      // periodic pane's cleanup timer was registered with its firing timer).
      else if (this.periodic === null) this.timers.register(time < maxTimestamp ? maxTimestamp : cleanup, entry.key, entry.keyRef, entry.seq, timer.namespace);
    }
  }

  private fire(key: Key, pane: Pane): void {
    if (this.observer !== null) this.notify('fire', key, pane.start, pane.end, pane.end - 1);
    this.owner.firePane(key, pane);
  }

  private drop(panes: KeyPanes, pane: Pane, time: number): void {
    // Called at the pane's cleanup timer: its firing timer, never later, is gone already.
    panes.delete(pane.start);
    if (panes.last === pane) panes.last = null;
    if (panes.size === 0) this.keyed.delete(panes.keyRef);
    if (this.observer !== null) this.notify('purge', panes.key, pane.start, pane.end, time);
  }

  private registerTimers(entry: KeyPanes, pane: Pane, now: number): void {
    const maxTimestamp = pane.end - 1;
    // A periodic window's pane registers its timers once, when it opens, and is dropped only after its last timer
    // fired, so they cannot have a duplicate to look for; a session's may (see `advance`).
    const timers = this.timers;
    if (this.periodic !== null) {
      if (!this.eventTime || maxTimestamp > now) timers.schedule(pane);
      if (this.lateness > 0) timers.add(maxTimestamp + this.lateness, entry.key, entry.keyRef, entry.seq, pane.start);
    } else {
      if (!this.eventTime || maxTimestamp > now) timers.register(maxTimestamp, entry.key, entry.keyRef, entry.seq, pane.start);
      if (this.lateness > 0) timers.register(maxTimestamp + this.lateness, entry.key, entry.keyRef, entry.seq, pane.start);
    }
  }

  private deleteTimers(entry: KeyPanes, pane: Pane): void {
    const namespace = pane.start;
    this.timers.delete(pane.end - 1, entry.keyRef, namespace);
    if (this.lateness > 0) this.timers.delete(pane.end - 1 + this.lateness, entry.keyRef, namespace);
  }

  private notify(kind: WindowEvent['kind'], key: Key, start: number, end: number, timestamp: number): void {
    this.observer!.window!(this.nodeId, { kind, key, window: { start, end }, timestamp });
  }

  snapshot(maxParallelism: number): Json {
    const keys = this.keyed.snapshotEntries(maxParallelism, (panes) => {
      const list: Json[] = [];
      for (const pane of panes.values()) list.push([pane.start, pane.end, pane.acc as Json]);
      return list;
    });
    const snapshot: CoreSnapshot = { keys, timers: this.timers.snapshot(), arrival: this.arrival };
    return snapshot as unknown as Json;
  }

  restore(state: Json): void {
    const snapshot = state as unknown as CoreSnapshot;
    this.keyed.restoreEntries(snapshot.keys, (list, key, keyRef, seq) => {
      const panes = new KeyPanes(key, keyRef, seq);
      for (const [start, end, acc] of list as Array<[number, number, unknown]>) panes.set(start, new Pane(start, end, acc, panes));
      return panes;
    });
    this.timers.restore(snapshot.timers, Number, this.periodic === null ? undefined : (time, keyRef, start) => this.paneTimer(time, keyRef, start as number));
    this.arrival = snapshot.arrival;
  }

  /** A restored periodic pane as its own firing timer, or undefined for its cleanup timer. */
  private paneTimer(time: number, keyRef: KeyRef, start: number): Pane | undefined {
    const pane = this.keyed.get(keyRef)?.get(start);
    return pane !== undefined && pane.end - 1 === time ? pane : undefined;
  }

  stateSize(): StateSize {
    return { keys: this.keyed.size, timers: this.timers.size };
  }
}
