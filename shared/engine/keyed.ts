/**
 * Keyed state (DESIGN "The engine"): state is addressed by (node id, key group, key). In memory a node keeps one
 * map from key ref (see KeyRef) to entry, in first-seen order; the key group is computed when state is snapshotted,
 * so the hot path pays for one map lookup and nothing else. An entry remembers when its key was first seen, which orders
 * firings that fall on the same timestamp (SPEC §3).
 */
import type { Json, Key } from '../pipeline/types.ts';
import { keyIdOf, keyRefOf, type KeyRef } from './record.ts';

/** What every keyed entry carries. */
export interface Keyed {
  readonly key: Key;
  readonly keyRef: KeyRef;
  /** Order in which the key was first seen (since its state was last empty). */
  readonly seq: number;
}

export interface KeyEntry<S> extends Keyed {
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

/**
 * Entries of one node's keyed state by key ref. The entry type is the owner's: an operator whose per-key state is
 * one object makes that object the entry (`create` gets the key, its ref and its seq), so a key costs one object.
 */
export class KeyedEntries<E extends Keyed> {
  private readonly create: (key: Key, keyRef: KeyRef, seq: number) => E;

  private readonly entries = new Map<KeyRef, E>();
  private nextSeq = 0;

  constructor(create: (key: Key, keyRef: KeyRef, seq: number) => E) {
    this.create = create;
  }

  get size(): number {
    return this.entries.size;
  }

  get(keyRef: KeyRef): E | undefined {
    return this.entries.get(keyRef);
  }

  getOrCreate(keyRef: KeyRef, key: Key): E {
    let entry = this.entries.get(keyRef);
    if (entry === undefined) {
      entry = this.create(key, keyRef, this.nextSeq++);
      this.entries.set(keyRef, entry);
    }
    return entry;
  }

  delete(keyRef: KeyRef): void {
    this.entries.delete(keyRef);
  }

  values(): IterableIterator<E> {
    return this.entries.values();
  }

  snapshotEntries(maxParallelism: number, encode: (entry: E) => Json): KeyedSnapshot {
    const groups: Record<string, Array<[Key, number, Json]>> = {};
    for (const entry of this.entries.values()) {
      const group = String(keyGroupOf(keyIdOf(entry.key), maxParallelism));
      (groups[group] ??= []).push([entry.key, entry.seq, encode(entry)]);
    }
    return { nextSeq: this.nextSeq, groups };
  }

  restoreEntries(snapshot: KeyedSnapshot, decode: (state: Json, key: Key, keyRef: KeyRef, seq: number) => E): void {
    this.entries.clear();
    const all: E[] = [];
    for (const list of Object.values(snapshot.groups)) {
      for (const [key, seq, state] of list) all.push(decode(state, key, keyRefOf(key), seq));
    }
    all.sort((a, b) => a.seq - b.seq);
    for (const entry of all) this.entries.set(entry.keyRef, entry);
    this.nextSeq = snapshot.nextSeq;
  }
}

/** Keyed state whose entries hold the state in a `state` field. */
export class KeyedStore<S> extends KeyedEntries<KeyEntry<S>> {
  constructor(create: (key: Key) => S) {
    super((key, keyRef, seq) => ({ key, keyRef, seq, state: create(key) }));
  }

  snapshot(maxParallelism: number, encode: (state: S) => Json): KeyedSnapshot {
    return this.snapshotEntries(maxParallelism, (entry) => encode(entry.state));
  }

  restore(snapshot: KeyedSnapshot, decode: (state: Json, key: Key) => S): void {
    this.restoreEntries(snapshot, (state, key, keyRef, seq) => ({ key, keyRef, seq, state: decode(state, key) }));
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
