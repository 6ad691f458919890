import type { Key } from '../pipeline/types.ts';

/**
 * A key's identity in keyed state: the number itself for a number key, the key's JSON encoding for any other.
 * Two keys get equal refs exactly when their JSON encodings are equal (SPEC §2: `1` and `"1"` differ): a number
 * never equals a string as a `Map` key, different numbers have different encodings (`Map` already takes `-0` for
 * `0`, which `String` also does), and a number key needs neither a string built per record nor one hashed per lookup.
 */
export type KeyRef = number | string;

/**
 * A record in flight (SPEC §2). One class, one shape, so the hot path stays monomorphic. Records are shared between
 * the edges of one output port, so operators never mutate one they received; they emit a new one.
 */
export class StreamRecord {
  readonly key: Key;
  readonly value: unknown;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>> | undefined;

  /** The key's ref, computed once per record when a keyed operator first needs it. */
  private keyRefCache: KeyRef | undefined = undefined;

  constructor(
    key: Key,
    value: unknown,
    timestamp: number,
    headers: Readonly<Record<string, string>> | undefined = undefined,
  ) {
    this.key = key;
    this.value = value;
    this.timestamp = timestamp;
    this.headers = headers;
  }

  get keyRef(): KeyRef {
    return (this.keyRefCache ??= keyRefOf(this.key));
  }

  withValue(value: unknown): StreamRecord {
    const next = new StreamRecord(this.key, value, this.timestamp, this.headers);
    next.keyRefCache = this.keyRefCache;
    return next;
  }

  withKey(key: Key): StreamRecord {
    return new StreamRecord(key, this.value, this.timestamp, this.headers);
  }
}

/** The key's JSON encoding: how a key is shown and what its key group is hashed from. */
export function keyIdOf(key: Key): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}

export function keyRefOf(key: Key): KeyRef {
  return typeof key === 'number' ? key : keyIdOf(key);
}

/** Reads a dot path such as `a.b` from a value; undefined when any step is missing. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (let i = 0; i < path.length; i++) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[path[i]!];
  }
  return current;
}

export function splitPath(path: string): string[] {
  return path.split('.');
}
