import type { Key } from '../pipeline/types.ts';

/**
 * A record in flight (SPEC §2). One class, one shape, so the hot path stays monomorphic. Records are shared between
 * the edges of one output port, so operators never mutate one they received; they emit a new one.
 */
export class StreamRecord {
  /** The key's JSON encoding, computed once per record when a keyed operator first needs it. */
  private keyIdCache: string | undefined = undefined;

  constructor(
    readonly key: Key,
    readonly value: unknown,
    readonly timestamp: number,
    readonly headers: Readonly<Record<string, string>> | undefined = undefined,
  ) {}

  /** Keys are equal when their JSON encodings are equal: `1` and `"1"` differ (SPEC §2). */
  get keyId(): string {
    return (this.keyIdCache ??= keyIdOf(this.key));
  }

  withValue(value: unknown): StreamRecord {
    const next = new StreamRecord(this.key, value, this.timestamp, this.headers);
    next.keyIdCache = this.keyIdCache;
    return next;
  }

  withKey(key: Key): StreamRecord {
    return new StreamRecord(key, this.value, this.timestamp, this.headers);
  }
}

export function keyIdOf(key: Key): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
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
