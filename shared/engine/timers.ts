/**
 * A timer queue: event- or processing-time timers of one node, fired in order of time, then of the key's first-seen
 * order (SPEC §3: "in order of end, then by the order in which their keys were first seen"), then of registration.
 * One timer per (key, namespace, time); deleting is lazy (a deleted timer is skipped when its time comes).
 *
 * Timers are kept in buckets by time, with a heap over the distinct times only: keyed tumbling windows put every
 * key's firing on the same few times, so the heap stays tiny. A bucket is sorted by key order once, when it becomes
 * due. Duplicates are found through the bucket's map by key ref (a value every record already carries), so no id
 * string is built per timer; a timer that fires or is deleted is only flagged, and the whole bucket goes once its
 * time has passed.
 */
import type { Json, Key } from '../pipeline/types.ts';
import { keyRefOf, type KeyRef } from './record.ts';
import { decodeTime, encodeTime } from './keyed.ts';

/** One queue uses one type: numbers (window starts) need no string built per timer. Snapshots hold it as text. */
export type TimerNamespace = string | number;

export interface Timer {
  readonly time: number;
  readonly key: Key;
  readonly keyRef: KeyRef;
  readonly keySeq: number;
  /** What the timer is for within its key, e.g. a window's start; '' for user timers. */
  readonly namespace: TimerNamespace;
  /** Set by the queue when the timer is registered. */
  order: number;
  /** Fired or deleted: skipped when its bucket fires, and no longer a duplicate of a new registration. */
  dead: boolean;
  /** The timer of the same key and time registered before this one (another namespace), if any. */
  readonly sameKey: Timer | undefined;
}

class Bucket {
  readonly timers: Timer[] = [];
  /**
   * The latest timer of each key in this bucket; earlier ones of the same key hang off it through `sameKey`. Made
   * by the first `register`: timers that come through `add` are never looked up.
   */
  byKey: Map<KeyRef, Timer> | null = null;
  /** Index of the next timer to fire once the bucket is due and sorted. */
  next = 0;
  sorted = false;
}

function byKeyOrder(a: Timer, b: Timer): number {
  return a.keySeq - b.keySeq || a.order - b.order;
}

export class TimerQueue {
  private readonly buckets = new Map<number, Bucket>();
  /** Min-heap of the times that have a bucket. */
  private times: number[] = [];
  private live = 0;
  private order = 0;
  /** The bucket registered into last: timers of one window all fall on its end. */
  private lastBucket: Bucket | null = null;
  private lastTime = NaN;

  get size(): number {
    return this.live;
  }

  /** Registers a timer unless a live one of the same key, namespace and time exists; returns the new timer, if any. */
  register(time: number, key: Key, keyRef: KeyRef, keySeq: number, namespace: TimerNamespace = ''): Timer | undefined {
    const bucket = this.bucketAt(time);
    const byKey = (bucket.byKey ??= new Map());
    const latest = byKey.get(keyRef);
    if (liveIn(latest, namespace) !== undefined) return undefined;
    const timer: Timer = { time, key, keyRef, keySeq, namespace, order: this.order++, dead: false, sameKey: latest };
    byKey.set(keyRef, timer);
    this.insert(bucket, timer);
    return timer;
  }

  /**
   * Registers a timer that the caller knows has no live duplicate, without looking for one. An owner that uses
   * `add` or `schedule` never calls `delete` or `has` for such timers (they are not found by key).
   */
  add(time: number, key: Key, keyRef: KeyRef, keySeq: number, namespace: TimerNamespace = ''): void {
    this.schedule({ time, key, keyRef, keySeq, namespace, order: 0, dead: false, sameKey: undefined });
  }

  /** Like `add`, for a timer object of the owner's own (one that is also something else, such as a window's pane). */
  schedule(timer: Timer): void {
    timer.order = this.order++;
    this.insert(this.bucketAt(timer.time), timer);
  }

  delete(time: number, keyRef: KeyRef, namespace: TimerNamespace = ''): void {
    const timer = liveIn(this.buckets.get(time)?.byKey?.get(keyRef), namespace);
    if (timer === undefined) return;
    timer.dead = true;
    this.live--;
  }

  has(time: number, keyRef: KeyRef, namespace: TimerNamespace = ''): boolean {
    return liveIn(this.buckets.get(time)?.byKey?.get(keyRef), namespace) !== undefined;
  }

  /** Removes and returns the next live timer due at or before `time`, or undefined. */
  pollDue(time: number): Timer | undefined {
    const times = this.times;
    while (times.length > 0) {
      const due = times[0]!;
      if (due > time) return undefined;
      const bucket = this.buckets.get(due)!;
      if (!bucket.sorted) {
        bucket.timers.sort(byKeyOrder);
        bucket.sorted = true;
      }
      const timers = bucket.timers;
      while (bucket.next < timers.length) {
        const timer = timers[bucket.next++]!;
        if (!timer.dead) {
          timer.dead = true;
          this.live--;
          return timer;
        }
      }
      this.buckets.delete(due);
      if (this.lastBucket === bucket) this.lastBucket = null;
      this.popTime();
    }
    return undefined;
  }

  /** Live timers of one key, for state views. */
  forKey(keyRef: KeyRef): Timer[] {
    return this.sortedLive().filter((t) => t.keyRef === keyRef);
  }

  snapshot(): Json {
    return this.sortedLive().map((t) => [encodeTime(t.time), t.key, t.keySeq, String(t.namespace)]);
  }

  /**
   * `namespaceOf` turns a snapshot's namespace text back into what the queue's owner registers; `timerFor` may give
   * the owner's own object for a timer, which is then scheduled instead of registered.
   */
  restore(
    state: Json,
    namespaceOf: (text: string) => TimerNamespace = String,
    timerFor?: (time: number, keyRef: KeyRef, namespace: TimerNamespace) => Timer | undefined,
  ): void {
    this.buckets.clear();
    this.lastBucket = null;
    this.times = [];
    this.live = 0;
    this.order = 0;
    for (const [time, key, keySeq, namespace] of state as Array<[Json, Key, number, string]>) {
      const at = decodeTime(time);
      const keyRef = keyRefOf(key);
      const ns = namespaceOf(namespace);
      const own = timerFor?.(at, keyRef, ns);
      if (own !== undefined) this.schedule(own);
      else this.register(at, key, keyRef, keySeq, ns);
    }
  }

  private bucketAt(time: number): Bucket {
    if (this.lastBucket !== null && this.lastTime === time) return this.lastBucket;
    let bucket = this.buckets.get(time);
    if (bucket === undefined) {
      bucket = new Bucket();
      this.buckets.set(time, bucket);
      this.pushTime(time);
    }
    this.lastBucket = bucket;
    this.lastTime = time;
    return bucket;
  }

  private insert(bucket: Bucket, timer: Timer): void {
    this.live++;
    if (bucket.sorted) insertSorted(bucket, timer);
    else bucket.timers.push(timer);
  }

  private sortedLive(): Timer[] {
    const live: Timer[] = [];
    for (const bucket of this.buckets.values()) for (const timer of bucket.timers) if (!timer.dead) live.push(timer);
    return live.sort((a, b) => a.time - b.time || byKeyOrder(a, b));
  }

  private pushTime(time: number): void {
    const heap = this.times;
    heap.push(time);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= time) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = time;
  }

  private popTime(): void {
    const heap = this.times;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && heap[r]! < heap[l]! ? r : l;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

/** The live timer of `namespace` among a key's timers of one time (`latest` and those before it), if any. */
function liveIn(latest: Timer | undefined, namespace: TimerNamespace): Timer | undefined {
  for (let timer = latest; timer !== undefined; timer = timer.sameKey)
    if (!timer.dead && timer.namespace === namespace) return timer;
  return undefined;
}

/** A timer registered into a bucket that is already firing goes to its place among the timers not yet fired. */
function insertSorted(bucket: Bucket, timer: Timer): void {
  const timers = bucket.timers;
  let lo = bucket.next;
  let hi = timers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byKeyOrder(timers[mid]!, timer) <= 0) lo = mid + 1;
    else hi = mid;
  }
  timers.splice(lo, 0, timer);
}
