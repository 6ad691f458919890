package dev.weir.bench;

/**
 * bench/data/generate.ts ported exactly: the same mulberry32 stream, the same draws in the same order, the same
 * JSON text (JSON.stringify's key order and integer formatting). FlinkBench checks the port with the checksum the
 * TypeScript side computes over the same texts (textChecksum), so a drift fails the run instead of skewing it.
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

    public static String[] generate(int count, long seed) {
        UserEventGenerator generator = new UserEventGenerator(seed);
        String[] events = new String[count];
        for (int i = 0; i < count; i++) events[i] = generator.next();
        return events;
    }

    /** FNV-1a over the UTF-16 code units of every text, with a separator between texts; bench/checksum.ts has the twin. */
    public static long textChecksum(String[] texts) {
        int h = 0x811c9dc5;
        for (String text : texts) {
            for (int i = 0; i < text.length(); i++) {
                h ^= text.charAt(i);
                h *= 0x01000193;
            }
            h ^= '\n';
            h *= 0x01000193;
        }
        return Integer.toUnsignedLong(h);
    }
}
