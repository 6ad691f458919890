package dev.weir.bench;

/** One user_events record as parsed from its JSON text (a Flink POJO: public fields, a no-argument constructor). */
public class UserEvent {
    public long user_id;
    public String event_type;
    public String page_url;
    public long ts;
    public double duration_ms;

    public UserEvent() {}
}
