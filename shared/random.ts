/**
 * A small, fast, seedable PRNG (mulberry32) returning floats in [0, 1). Sample generators in the editor and the
 * benchmark's event generator both use it, so a given seed gives the same events everywhere (the Flink harness in
 * bench/flink ports it bit for bit).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
