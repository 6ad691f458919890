package dev.weir.flink;

/**
 * What travels on an edge between two hosted Weir nodes. Deployed, only records travel (watermarks are Flink's own);
 * in simulation the runner also sends its control items in band, so that every one of them is seen in the order
 * Weir's engine would see it: watermarks per edge, processing-time advances, samples and end of input.
 *
 * A POJO (public fields, no-argument constructor), so Flink serialises it without Kryo.
 */
public class WeirRecord {
    public static final byte RECORD = 0;
    public static final byte WATERMARK = 1;
    public static final byte TIME = 2;
    public static final byte SAMPLE = 3;
    public static final byte END = 4;

    public byte kind;
    /** The edge's channel at its target (simulation: one channel per incoming edge). */
    public int channel;
    /** The target's input port, by index (joins: 0 left, 1 right); for SAMPLE, the sample's index. */
    public int input;
    /** The key group of the record's key when its target is keyed (Flink routes by it), else -1. */
    public int keyGroup;
    /** JSON text of the key. */
    public String key;
    /** JSON text of the value; "" for a value with no JSON form. */
    public String value;
    public long timestamp;
    /** JSON text of the headers; "" for none. */
    public String headers;
    /** A watermark's or a processing-time advance's time; may be ±Infinity. */
    public double time;

    public WeirRecord() {}

    static WeirRecord control(byte kind, int channel, double time) {
        WeirRecord r = new WeirRecord();
        r.kind = kind;
        r.channel = channel;
        r.time = time;
        r.key = "null";
        r.value = "";
        r.headers = "";
        return r;
    }
}
