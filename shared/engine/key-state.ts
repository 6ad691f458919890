/**
 * What one key of the `process` operator holds (named values, lists and maps, and a count of its timers), the
 * copying of JSON values in and out of it, and its snapshot form. process-state.ts binds handles to a key's entry.
 */
import type { Json, Key } from '../pipeline/types.ts';
import { keyIdOf } from './record.ts';

export interface MapCell {
  readonly key: Key;
  value: Json;
}

/** Everything one key holds. */
export class KeyState {
  readonly values = new Map<string, Json>();
  readonly lists = new Map<string, Json[]>();
  readonly maps = new Map<string, Map<string, MapCell>>();
  /** Pending event- and processing-time timers of this key. */
  timers = 0;

  get isEmpty(): boolean {
    return this.timers === 0 && this.values.size === 0 && this.lists.size === 0 && this.maps.size === 0;
  }
}

/** Snapshot form of one key's state: named values, lists and maps as arrays of pairs (names are user text). */
export interface KeyStateSnapshot {
  v: Array<[string, Json]>;
  l: Array<[string, Json[]]>;
  m: Array<[string, Array<[Key, Json]>]>;
}

/** Stores a JSON value: primitives as they are, objects and arrays as a copy. Rejects what JSON cannot hold. */
export function toStored(value: unknown, what: string): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
  } else if (typeof value === 'object') {
    return JSON.parse(JSON.stringify(value)) as Json;
  }
  if (value === undefined)
    throw new TypeError(`${what} must be a JSON value, got undefined (use clear() to remove it)`);
  throw new TypeError(
    `${what} must be a JSON value, got ${typeof value === 'number' ? String(value) : `a ${typeof value}`}`,
  );
}

export function toRead(value: Json): Json {
  return value !== null && typeof value === 'object' ? (JSON.parse(JSON.stringify(value)) as Json) : value;
}

export function mapKeyOf(key: unknown): Key {
  if (
    key === null ||
    typeof key === 'string' ||
    typeof key === 'boolean' ||
    (typeof key === 'number' && Number.isFinite(key))
  )
    return key;
  throw new TypeError(
    `map state keys must be JSON scalars (string, number, boolean or null), got ${key === undefined ? 'undefined' : (JSON.stringify(key) ?? String(key))}`,
  );
}

export function encodeKeyState(state: KeyState): Json {
  const snapshot: KeyStateSnapshot = { v: [...state.values], l: [...state.lists], m: [] };
  for (const [name, map] of state.maps)
    snapshot.m.push([name, [...map.values()].map((cell) => [cell.key, cell.value])]);
  return snapshot as unknown as Json;
}

export function decodeKeyState(json: Json): KeyState {
  const snapshot = json as unknown as KeyStateSnapshot;
  const state = new KeyState();
  for (const [name, value] of snapshot.v) state.values.set(name, value);
  for (const [name, list] of snapshot.l) state.lists.set(name, list);
  for (const [name, pairs] of snapshot.m)
    state.maps.set(name, new Map(pairs.map(([key, value]) => [keyIdOf(key), { key, value }])));
  return state;
}
