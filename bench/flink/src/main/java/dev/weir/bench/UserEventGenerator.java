package dev.weir.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * bench/data/generate.ts ported exactly: the same mulberry32 stream, the same draws in the same order, the same
 * JSON text (JSON.stringify's key order and integer formatting). Both sides report a checksum of the bytes
 * (bytesChecksum), and the comparison fails unless they are equal, so a drift cannot skew a result unnoticed.
 */
public final class UserEventGenerator {
    public static final long DEFAULT_SEED = 42;
    static final int USERS = 100_000;
    static final long START_TS = 1_700_000_040_000L;
    static final int EVENTS_PER_SECOND = 1000;
    static final int MAX_JITTER_MS = 3000;
    static final int MAX_DURATION_MS = 60_000;
    static final String[] PAGES = {
        "/", "/home", "/products", "/products/1", "/products/2", "/products/3", "/pricing", "/blog", "/blog/streams",
        "/docs", "/docs/windows", "/cart", "/checkout", "/orders", "/account", "/search",
    };

    private int state;
    private long index;

    UserEventGenerator(long seed) {
        this.state = (int) seed;
    }

    /** mulberry32, in 32-bit int arithmetic exactly as JavaScript's Math.imul and >>> compute it. */
    double random() {
        state += 0x6d2b79f5;
        int t = state;
        t = (t ^ (t >>> 15)) * (t | 1);
        t ^= t + (t ^ (t >>> 7)) * (t | 61);
        return ((t ^ (t >>> 14)) & 0xffffffffL) / 4294967296.0;
    }

    String next() {
        double kind = random();
        String eventType = kind < 0.7 ? "page_view" : kind < 0.95 ? "click" : "purchase";
        long userId = 1 + (long) Math.floor(random() * USERS);
        String pageUrl = PAGES[(int) Math.floor(random() * PAGES.length)];
        long ts = START_TS + (long) Math.floor((index++ * 1000.0) / EVENTS_PER_SECOND) - (long) Math.floor(random() * (MAX_JITTER_MS + 1));
        long duration = (long) Math.floor(random() * (MAX_DURATION_MS + 1));
        return "{\"user_id\":" + userId + ",\"event_type\":\"" + eventType + "\",\"page_url\":\"" + pageUrl + "\",\"ts\":" + ts
            + ",\"duration_ms\":" + duration + "}";
    }

    /** The events as UTF-8 JSON texts back to back in one array, like bench/workloads.ts's EventInput. */
    public static final class Input {
        public final byte[] bytes;
        /** Event i is bytes[offsets[i], offsets[i + 1]). */
        public final int[] offsets;

        Input(byte[] bytes, int[] offsets) {
            this.bytes = bytes;
            this.offsets = offsets;
        }

        public int count() {
            return offsets.length - 1;
        }
    }

    public static Input generate(int count, long seed) {
        UserEventGenerator generator = new UserEventGenerator(seed);
        int[] offsets = new int[count + 1];
        byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(1024L, count * 112L))];
        int end = 0;
        for (int i = 0; i < count; i++) {
            byte[] text = generator.next().getBytes(StandardCharsets.UTF_8);
            if (end + text.length > bytes.length) bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8, bytes.length * 2L));
            System.arraycopy(text, 0, bytes, end, text.length);
            end += text.length;
            offsets[i + 1] = end;
        }
        return new Input(bytes, offsets);
    }

    /** FNV-1a over the bytes, with a separator after each event; bench/checksum.ts has the twin. */
    public static long bytesChecksum(Input input) {
        int h = 0x811c9dc5;
        for (int e = 0; e < input.count(); e++) {
            for (int i = input.offsets[e]; i < input.offsets[e + 1]; i++) {
                h ^= input.bytes[i] & 0xff;
                h *= 0x01000193;
            }
            h ^= '\n';
            h *= 0x01000193;
        }
        return Integer.toUnsignedLong(h);
    }
}
