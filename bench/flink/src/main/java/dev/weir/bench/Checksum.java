package dev.weir.bench;

/**
 * The output checksum both systems compute (bench/checksum.ts is the TypeScript twin): every output record is hashed
 * to 32 bits from integers and strings, and the hashes are added modulo 2^32, so the sum does not depend on the
 * order in which panes that fire on the same watermark come out (Flink and Weir order those differently).
 */
public final class Checksum {
    private Checksum() {}

    /** murmur3's 32-bit finalizer over the running hash combined with one more 32-bit word. */
    public static int mix(int h, int word) {
        h ^= word;
        h *= 0x01000193;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** A 64-bit integer (a timestamp, a count) as two 32-bit words, as JavaScript splits a safe integer. */
    public static int mixLong(int h, long value) {
        return mix(mix(h, (int) value), (int) Math.floorDiv(value, 0x1_0000_0000L));
    }

    public static int mixString(int h, String s) {
        h = mix(h, s.length());
        for (int i = 0; i < s.length(); i++) h = mix(h, s.charAt(i));
        return h;
    }

    /** A real number that both sides computed exactly alike, rounded to millionths. */
    public static int mixDouble(int h, double value) {
        return mixLong(h, Math.round(value * 1_000_000d));
    }
}
