package dev.weir.flink;

/**
 * A record as Flink's KafkaSource read it, decoded to text, with the event time the source's watermarks use
 * (SPEC §2). The hosted `source.kafka` operator derives the record from the same fields again, so a record whose
 * event time cannot be read is still routed or failed with Weir's own message.
 */
public class KafkaMessage {
    public int partition;
    public long offset;
    public long kafkaTimestamp;
    /** Null for a record without key or value. */
    public String key;
    public String value;
    /** JSON text of the headers; "" for none. */
    public String headers;
    /** The record's event time; meaningful only when {@link #hasEventTime}. */
    public long eventTime;
    public boolean hasEventTime;

    public KafkaMessage() {}
}
