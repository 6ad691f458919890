package dev.weir.flink;

/** A record a `sink.kafka` node hands to Flink's KafkaSink, already encoded as Weir's server encodes it. */
public class SinkMessage {
    /** The Kafka key as text, or null for none. */
    public String key;
    public String value;
    /** Kafka timestamp in epoch ms, or -1 to let the producer stamp it (negative event times). */
    public long timestamp;
    /** JSON text of the headers; "" for none. */
    public String headers;

    public SinkMessage() {}
}
