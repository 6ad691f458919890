/**
 * The output checksum both systems compute (bench/flink/…/Checksum.java is the Java twin). Every output record is
 * hashed to 32 bits from integers and strings, and the hashes are added modulo 2^32, so the sum does not depend on
 * the order in which panes that fire on one watermark come out (Flink and Weir order those differently).
 */

/** murmur3's 32-bit finalizer over the running hash combined with one more 32-bit word. */
export function mix(h: number, word: number): number {
  h ^= word;
  h = Math.imul(h, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** A safe integer as two 32-bit words, the way Java splits a long. */
export function mixInteger(h: number, value: number): number {
  return mix(mix(h, value | 0), Math.floor(value / 0x1_0000_0000) | 0);
}

export function mixString(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

/** A real number that both sides computed exactly alike, rounded to millionths (Java's Math.round rounds half up, as here). */
export function mixReal(h: number, value: number): number {
  return mixInteger(h, Math.round(value * 1_000_000));
}

/** FNV-1a over bytes, with a separator after each event: proves two inputs equal (UserEventGenerator.java has the twin). */
export function bytesChecksum(bytes: Uint8Array, offsets: Uint32Array, count: number): number {
  let h = 0x811c9dc5;
  for (let e = 0; e < count; e++) {
    for (let i = offsets[e]!; i < offsets[e + 1]!; i++) {
      h ^= bytes[i]!;
      h = Math.imul(h, 0x01000193);
    }
    h ^= 10;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Counts and checksums sink records: a discarding sink, in effect. */
export class OutputChecksum {
  count = 0;
  private sum = 0;

  add(hash: number): void {
    this.count++;
    this.sum = (this.sum + hash) | 0;
  }

  get checksum(): number {
    return this.sum >>> 0;
  }
}
