/**
 * A timer queue: event- or processing-time timers of one node, fired in order of time, then of the key's first-seen
 * order (SPEC §3: "in order of end, then by the order in which their keys were first seen"), then of registration.
 * One timer per (key, namespace, time); deleting is lazy (the heap skips entries no longer registered).
 */
import type { Json, Key } from '../pipeline/types.ts';
import { keyIdOf } from './record.ts';
import { decodeTime, encodeTime } from './keyed.ts';

export interface Timer {
  readonly time: number;
  readonly key: Key;
  readonly keyId: string;
  readonly keySeq: number;
  /** What the timer is for within its key, e.g. a window `start:end`; '' for user timers. */
  readonly namespace: string;
  readonly order: number;
}

function before(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && (a.keySeq < b.keySeq || (a.keySeq === b.keySeq && a.order < b.order)));
}

export class TimerQueue {
  private heap: Timer[] = [];
  private readonly live = new Map<string, Timer>();
  private order = 0;

  get size(): number {
    return this.live.size;
  }

  private static id(keyId: string, namespace: string, time: number): string {
    return `${time}|${namespace}|${keyId}`;
  }

  register(time: number, key: Key, keyId: string, keySeq: number, namespace = ''): void {
    const id = TimerQueue.id(keyId, namespace, time);
    if (this.live.has(id)) return;
    const timer: Timer = { time, key, keyId, keySeq, namespace, order: this.order++ };
    this.live.set(id, timer);
    this.push(timer);
  }

  delete(time: number, keyId: string, namespace = ''): void {
    this.live.delete(TimerQueue.id(keyId, namespace, time));
  }

  has(time: number, keyId: string, namespace = ''): boolean {
    return this.live.has(TimerQueue.id(keyId, namespace, time));
  }

  /** Removes and returns the next live timer due at or before `time`, or undefined. */
  pollDue(time: number): Timer | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const id = TimerQueue.id(top.keyId, top.namespace, top.time);
      if (this.live.get(id) !== top) {
        this.pop();
        continue;
      }
      if (top.time > time) return undefined;
      this.pop();
      this.live.delete(id);
      return top;
    }
    return undefined;
  }

  /** Live timers of one key, for state views. */
  forKey(keyId: string): Timer[] {
    return [...this.live.values()].filter((t) => t.keyId === keyId).sort((a, b) => (before(a, b) ? -1 : 1));
  }

  snapshot(): Json {
    const timers = [...this.live.values()].sort((a, b) => (before(a, b) ? -1 : 1));
    return timers.map((t) => [encodeTime(t.time), t.key, t.keySeq, t.namespace]);
  }

  restore(state: Json): void {
    this.heap = [];
    this.live.clear();
    this.order = 0;
    for (const [time, key, keySeq, namespace] of state as Array<[Json, Key, number, string]>) {
      this.register(decodeTime(time), key, keyIdOf(key), keySeq, namespace);
    }
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && before(heap[l]!, heap[smallest]!)) smallest = l;
      if (r < heap.length && before(heap[r]!, heap[smallest]!)) smallest = r;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
