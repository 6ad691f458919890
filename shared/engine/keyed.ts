/**
 * Keyed state (DESIGN "The engine"): state is addressed by (node id, key group, key). In memory a node keeps one
 * map from key ref (see KeyRef) to entry, in first-seen order; the key group is computed when state is snapshotted, so the hot
 * path pays for one map lookup and nothing else. An entry remembers when its key was first seen, which orders
 * firings that fall on the same timestamp (SPEC §3).
 */
import type { Json, Key } from '../pipeline/types.ts';
import { keyIdOf, keyRefOf, type KeyRef } from './record.ts';

export interface KeyEntry<S> {
  readonly key: Key;
  readonly keyRef: KeyRef;
  /** Order in which the key was first seen (since its state was last empty). */
  readonly seq: number;
  state: S;
}

/** Kafka Streams and Flink hash the key to a key group; we hash the key's JSON encoding (32-bit murmur3 finalizer over FNV-1a). */
export function keyGroupOf(keyId: string, maxParallelism: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < keyId.length; i++) {
    h ^= keyId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % maxParallelism;
}

/** Snapshot form of a keyed store: key group → list of [key, seq, state]. */
export type KeyedSnapshot = { nextSeq: number; groups: Record<string, Array<[Key, number, Json]>> };

export class KeyedStore<S> {
  private readonly entries = new Map<KeyRef, KeyEntry<S>>();
  private nextSeq = 0;

  constructor(private readonly create: (key: Key) => S) {}

  get size(): number {
    return this.entries.size;
  }

  get(keyRef: KeyRef): KeyEntry<S> | undefined {
    return this.entries.get(keyRef);
  }

  getOrCreate(keyRef: KeyRef, key: Key): KeyEntry<S> {
    let entry = this.entries.get(keyRef);
    if (entry === undefined) {
      entry = { key, keyRef, seq: this.nextSeq++, state: this.create(key) };
      this.entries.set(keyRef, entry);
    }
    return entry;
  }

  delete(keyRef: KeyRef): void {
    this.entries.delete(keyRef);
  }

  values(): IterableIterator<KeyEntry<S>> {
    return this.entries.values();
  }

  snapshot(maxParallelism: number, encode: (state: S) => Json): KeyedSnapshot {
    const groups: Record<string, Array<[Key, number, Json]>> = {};
    for (const entry of this.entries.values()) {
      const group = String(keyGroupOf(keyIdOf(entry.key), maxParallelism));
      (groups[group] ??= []).push([entry.key, entry.seq, encode(entry.state)]);
    }
    return { nextSeq: this.nextSeq, groups };
  }

  restore(snapshot: KeyedSnapshot, decode: (state: Json, key: Key) => S): void {
    this.entries.clear();
    const all: Array<KeyEntry<S>> = [];
    for (const list of Object.values(snapshot.groups)) {
      for (const [key, seq, state] of list) all.push({ key, keyRef: keyRefOf(key), seq, state: decode(state, key) });
    }
    all.sort((a, b) => a.seq - b.seq);
    for (const entry of all) this.entries.set(entry.keyRef, entry);
    this.nextSeq = snapshot.nextSeq;
  }
}

/** JSON has no infinities; watermarks and timer times use these encodings in snapshots. */
export function encodeTime(t: number): Json {
  return t === -Infinity ? '-inf' : t === Infinity ? '+inf' : t;
}

export function decodeTime(t: Json): number {
  return t === '-inf' ? -Infinity : t === '+inf' ? Infinity : (t as number);
}

/** A deep, immutable-by-copy JSON clone for snapshots. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
