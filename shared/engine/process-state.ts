/**
 * Keyed state and timers of the `process` operator (SPEC §4), shaped like Flink's keyed state and timer service.
 *
 * State handles are bound to the current key the way Flink's are: `ctx.state.value('count', 0)` returns the same
 * handle object on every call, and what it reads and writes depends on the key the operator has selected. A key's
 * entry is created on its first write (or timer) and removed as soon as it holds no state and no timers, so keys do
 * not leak.
 *
 * Values are JSON and kept as copies: a write stores a copy of an object or array, a read returns a fresh copy, so
 * state changes only through the handles (as with Flink's serializing state backends) and a run restored from a
 * snapshot sees exactly the values an uninterrupted run sees. Strings, numbers, booleans and null need no copy.
 */
import type { Json, Key } from '../pipeline/types.ts';
import { KeyedStore, type KeyEntry, type KeyedSnapshot } from './keyed.ts';
import { keyIdOf, keyRefOf, type KeyRef } from './record.ts';
import { TimerQueue, type Timer } from './timers.ts';
import { decodeKeyState, encodeKeyState, KeyState, mapKeyOf, toRead, toStored } from './key-state.ts';

export interface ProcessStateSnapshot {
  keys: KeyedSnapshot;
  eventTimers: Json;
  processingTimers: Json;
}

/**
 * How many event-time timers one chain may fire at end of input, a chain being a timer and the timers that its
 * `onTimer` registered, and theirs, and so on. The +∞ watermark fires every timer including those registered while
 * it does (SPEC §2), as Flink's `advanceWatermark` loop does, so a timer that re-registers itself at `ts + N` would
 * fire until its timestamp left the safe integers: 2^53 / N calls, a hang (in Flink, a job that never finishes).
 * The call that would lengthen a chain past this fails instead, under the node's `onError` (SPEC §5), far beyond
 * any chain that ends by itself in practice.
 */
export const MAX_TIMER_CHAIN_AT_END = 100_000;

function checkTimerTime(time: unknown): number {
  if (typeof time === 'number' && Number.isSafeInteger(time)) return time;
  throw new TypeError(
    `a timer needs an integer timestamp in milliseconds, got ${time === undefined ? 'undefined' : (JSON.stringify(time) ?? String(time))}`,
  );
}

/** `ctx.state.value(name, initial)`: one value per key. */
export class ValueStateHandle {
  private readonly owner: ProcessState;
  readonly name: string;

  readonly kind = 'value';
  /** The value `get()` returns while nothing is set; the latest `initial` given to `ctx.state.value`. */
  initial: unknown = undefined;

  constructor(owner: ProcessState, name: string) {
    this.owner = owner;
    this.name = name;
  }

  get(): unknown {
    const state = this.owner.current();
    const stored = state === undefined ? undefined : state.values.get(this.name);
    if (stored !== undefined) return toRead(stored);
    const initial = this.initial;
    return initial !== null && typeof initial === 'object' ? JSON.parse(JSON.stringify(initial)) : initial;
  }

  set(value: unknown): void {
    const stored = toStored(value, `the value of state "${this.name}"`);
    this.owner.currentForWrite().values.set(this.name, stored);
  }

  clear(): void {
    this.owner.current()?.values.delete(this.name);
  }
}

/** `ctx.state.list(name)`: an append-only list per key. */
export class ListStateHandle {
  private readonly owner: ProcessState;
  readonly name: string;

  readonly kind = 'list';

  constructor(owner: ProcessState, name: string) {
    this.owner = owner;
    this.name = name;
  }

  /** A copy of the list, in the order items were added; `[]` when empty. */
  get(): Json[] {
    const list = this.owner.current()?.lists.get(this.name);
    if (list === undefined) return [];
    const copy = new Array<Json>(list.length);
    for (let i = 0; i < list.length; i++) copy[i] = toRead(list[i]!);
    return copy;
  }

  add(value: unknown): void {
    const stored = toStored(value, `an item of list state "${this.name}"`);
    const lists = this.owner.currentForWrite().lists;
    const list = lists.get(this.name);
    if (list === undefined) lists.set(this.name, [stored]);
    else list.push(stored);
  }

  clear(): void {
    this.owner.current()?.lists.delete(this.name);
  }
}

/** `ctx.state.map(name)`: a map per key; map keys are JSON scalars, equal when their JSON encodings are (`1` ≠ `"1"`). */
export class MapStateHandle {
  private readonly owner: ProcessState;
  readonly name: string;

  readonly kind = 'map';

  constructor(owner: ProcessState, name: string) {
    this.owner = owner;
    this.name = name;
  }

  get(key: unknown): unknown {
    const cell = this.owner
      .current()
      ?.maps.get(this.name)
      ?.get(keyIdOf(mapKeyOf(key)));
    return cell === undefined ? undefined : toRead(cell.value);
  }

  has(key: unknown): boolean {
    return (
      this.owner
        .current()
        ?.maps.get(this.name)
        ?.has(keyIdOf(mapKeyOf(key))) ?? false
    );
  }

  set(key: unknown, value: unknown): void {
    const k = mapKeyOf(key);
    const stored = toStored(value, `the value at ${JSON.stringify(k)} of map state "${this.name}"`);
    const maps = this.owner.currentForWrite().maps;
    let map = maps.get(this.name);
    if (map === undefined) maps.set(this.name, (map = new Map()));
    const id = keyIdOf(k);
    const cell = map.get(id);
    if (cell === undefined) map.set(id, { key: k, value: stored });
    else cell.value = stored;
  }

  delete(key: unknown): void {
    const maps = this.owner.current()?.maps;
    const map = maps?.get(this.name);
    if (map === undefined) return;
    map.delete(keyIdOf(mapKeyOf(key)));
    if (map.size === 0) maps!.delete(this.name);
  }

  /** `[key, value]` pairs in insertion order (copies). */
  entries(): Array<[Key, Json]> {
    const map = this.owner.current()?.maps.get(this.name);
    if (map === undefined) return [];
    const result: Array<[Key, Json]> = [];
    for (const cell of map.values()) result.push([cell.key, toRead(cell.value)]);
    return result;
  }

  clear(): void {
    this.owner.current()?.maps.delete(this.name);
  }
}

type StateHandle = ValueStateHandle | ListStateHandle | MapStateHandle;

/** `ctx.state`: hands out one cached handle per state name. A name belongs to one kind of state. */
export class StateAccess {
  private readonly owner: ProcessState;

  private readonly handles = new Map<string, StateHandle>();

  constructor(owner: ProcessState) {
    this.owner = owner;
  }

  value(name: string, initial?: unknown): ValueStateHandle {
    const handle = this.handle(name, 'value') as ValueStateHandle;
    handle.initial = initial;
    return handle;
  }

  list(name: string): ListStateHandle {
    return this.handle(name, 'list') as ListStateHandle;
  }

  map(name: string): MapStateHandle {
    return this.handle(name, 'map') as MapStateHandle;
  }

  private handle(name: string, kind: StateHandle['kind']): StateHandle {
    const handle = this.handles.get(name);
    if (handle !== undefined) {
      if (handle.kind !== kind)
        throw new Error(`state "${name}" is ${handle.kind} state; it cannot also be used as ${kind} state`);
      return handle;
    }
    if (typeof name !== 'string' || name === '')
      throw new TypeError(`a state name must be a non-empty string, got ${JSON.stringify(name) ?? String(name)}`);
    const created =
      kind === 'value'
        ? new ValueStateHandle(this.owner, name)
        : kind === 'list'
          ? new ListStateHandle(this.owner, name)
          : new MapStateHandle(this.owner, name);
    this.handles.set(name, created);
    return created;
  }
}

/**
 * `ctx.timers`: one timer per key and timestamp in each time domain (registering twice is one timer). Besides the
 * four calls of SPEC §4 it offers Flink's `currentProcessingTime()` and `currentWatermark()`.
 */
export class TimerAccess {
  private readonly owner: ProcessState;
  private readonly clock: () => number;
  private readonly watermark: () => number;

  constructor(owner: ProcessState, clock: () => number, watermark: () => number) {
    this.owner = owner;
    this.clock = clock;
    this.watermark = watermark;
  }

  registerEventTime(timestamp: number): void {
    this.owner.register(this.owner.eventTimers, checkTimerTime(timestamp));
  }

  deleteEventTime(timestamp: number): void {
    this.owner.unregister(this.owner.eventTimers, checkTimerTime(timestamp));
  }

  registerProcessingTime(timestamp: number): void {
    this.owner.register(this.owner.processingTimers, checkTimerTime(timestamp));
  }

  deleteProcessingTime(timestamp: number): void {
    this.owner.unregister(this.owner.processingTimers, checkTimerTime(timestamp));
  }

  currentProcessingTime(): number {
    return this.clock();
  }

  currentWatermark(): number {
    return this.watermark();
  }
}

/** The keyed state and both timer queues of one `process` node, with the key currently selected. */
export class ProcessState {
  private readonly store = new KeyedStore<KeyState>(() => new KeyState());
  readonly eventTimers = new TimerQueue();
  readonly processingTimers = new TimerQueue();
  private key: Key = null;
  private keyRef: KeyRef = '';
  private entry: KeyEntry<KeyState> | undefined = undefined;
  /**
   * While the +∞ watermark fires event-time timers at end of input: the length of the chain that each timer
   * registered meanwhile ends, and of the chain of the timer firing now (see `MAX_TIMER_CHAIN_AT_END`).
   */
  private chains: Map<Timer, number> | null = null;
  private chainLength = 0;
  /**
   * While the clock jumps to +∞ at end of input, processing-time timers that `onTimer` registers wait here, and
   * stay pending afterwards: only the timers pending at that moment fire (SPEC §2, "then all pending processing-time
   * timers fire"). Flink fires no pending processing-time timer when a streaming job ends; its batch-mode timer
   * service, which fires them all at the end, ignores the ones registered while it does.
   */
  private holdingBack = false;
  private readonly heldBack = new TimerQueue();

  get size(): number {
    return this.store.size;
  }

  get timerCount(): number {
    return this.eventTimers.size + this.processingTimers.size + this.heldBack.size;
  }

  /** Selects the key of the record about to be processed; its entry, if any, is looked up once. */
  select(key: Key, keyRef: KeyRef): void {
    this.key = key;
    this.keyRef = keyRef;
    this.entry = this.store.get(keyRef);
  }

  /** Selects the key of a timer that just fired (and is no longer pending). */
  selectTimer(timer: Timer): void {
    this.select(timer.key, timer.keyRef);
    if (this.entry !== undefined) this.entry.state.timers--;
    const chains = this.chains;
    if (chains !== null) {
      this.chainLength = chains.get(timer) ?? 1;
      chains.delete(timer);
    }
  }

  /** Ends work on the selected key; drops its entry when it holds nothing. */
  release(): void {
    const entry = this.entry;
    if (entry?.state.isEmpty) this.store.delete(entry.keyRef);
    this.entry = undefined;
  }

  current(): KeyState | undefined {
    return this.entry?.state;
  }

  currentForWrite(): KeyState {
    return (this.entry ??= this.store.getOrCreate(this.keyRef, this.key)).state;
  }

  register(queue: TimerQueue, time: number): void {
    const holdBack = this.holdingBack && queue === this.processingTimers;
    if (holdBack && queue.has(time, this.keyRef)) return;
    const chains = queue === this.eventTimers ? this.chains : null;
    if (chains !== null && this.chainLength >= MAX_TIMER_CHAIN_AT_END && !queue.has(time, this.keyRef))
      throw new Error(
        `onTimer tried to register an event-time timer (at ${time}) while the watermark is +∞ at end of input, after a chain ` +
          `of ${MAX_TIMER_CHAIN_AT_END} timers that each registered the next; a timer that re-registers itself never stops ` +
          `there (register none when ctx.watermark is Infinity)`,
      );
    const state = this.currentForWrite();
    const timer = (holdBack ? this.heldBack : queue).register(time, this.key, this.keyRef, this.entry!.seq);
    if (timer === undefined) return;
    state.timers++;
    if (chains !== null) chains.set(timer, this.chainLength + 1);
  }

  unregister(queue: TimerQueue, time: number): void {
    const state = this.entry?.state;
    if (state === undefined) return;
    const target =
      this.holdingBack && queue === this.processingTimers && this.heldBack.has(time, this.keyRef)
        ? this.heldBack
        : queue;
    const before = target.size;
    target.delete(time, this.keyRef);
    if (target.size < before) state.timers--;
  }

  /** End of input: the watermark (for `eventTimers`) or the clock (for `processingTimers`) is +∞, and `queue` fires. */
  beginFinalFlush(queue: TimerQueue): void {
    if (queue === this.eventTimers) {
      this.chains = new Map();
      this.chainLength = 0;
    } else {
      this.holdingBack = true;
    }
  }

  /** Ends the final flush: processing-time timers registered during it stay pending in their queue. */
  endFinalFlush(): void {
    this.chains = null;
    if (!this.holdingBack) return;
    this.holdingBack = false;
    if (this.heldBack.size === 0) return;
    for (const [time, key, keySeq] of this.heldBack.snapshot() as Array<[number, Key, number]>)
      this.processingTimers.register(time, key, keyRefOf(key), keySeq);
    this.heldBack.restore([]);
  }

  snapshot(maxParallelism: number): ProcessStateSnapshot {
    return {
      keys: this.store.snapshot(maxParallelism, encodeKeyState),
      eventTimers: this.eventTimers.snapshot(),
      processingTimers: this.processingTimers.snapshot(),
    };
  }

  restore(snapshot: ProcessStateSnapshot): void {
    this.store.restore(snapshot.keys, decodeKeyState);
    this.eventTimers.restore(snapshot.eventTimers);
    this.processingTimers.restore(snapshot.processingTimers);
    for (const timers of [snapshot.eventTimers, snapshot.processingTimers]) {
      for (const [, key] of timers as Array<[Json, Key]>) {
        const entry = this.store.get(keyRefOf(key));
        if (entry === undefined)
          throw new Error(`the snapshot has a timer for key ${JSON.stringify(key)} but no entry for that key`);
        entry.state.timers++;
      }
    }
    this.entry = undefined;
  }
}
