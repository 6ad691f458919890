package dev.weir.flink;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A record's event time as `source.kafka`'s `timestamp` param defines it (SPEC §2), read in Java for Flink's
 * per-partition watermarks. The hosted source operator reads it again in JavaScript and decides what a record
 * without one becomes; here such a record only leaves the watermark where it is, as in Weir.
 */
final class EventTime implements Serializable {
    private static final long serialVersionUID = 1L;
    static final long NONE = Long.MIN_VALUE;
    private static final double MAX_SAFE = 9007199254740991d;
    private static final Pattern ISO = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2})(?:[Tt ](\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?)([Zz]|[+-]\\d{2}:?\\d{2})?)?$");
    private static transient ObjectMapper json;

    private final String[] path;
    private final String format;

    /** `timestamp` param with defaults applied: `{from: "kafka"}` or `{from: "field", field, format}`. */
    EventTime(JsonNode param) {
        boolean field = "field".equals(param.path("from").asText("kafka"));
        this.path = field ? param.get("field").asText().split("\\.", -1) : null;
        this.format = field ? param.path("format").asText("ms") : "ms";
    }

    boolean fromKafka() {
        return path == null;
    }

    long of(String value, long kafkaTimestamp) {
        if (path == null) return kafkaTimestamp;
        JsonNode node;
        try {
            if (json == null) json = new ObjectMapper();
            node = json.readTree(value);
        } catch (Exception malformed) {
            return NONE;
        }
        for (String step : path) {
            if (node == null || !node.isObject()) return NONE;
            node = node.get(step);
        }
        if (node == null || node.isNull()) return NONE;
        double ms;
        if (format.equals("iso")) {
            if (!node.isTextual()) return NONE;
            ms = parseIso(node.asText());
        } else {
            if (!node.isNumber()) return NONE;
            ms = format.equals("s") ? node.asDouble() * 1000 : node.asDouble();
        }
        if (Double.isNaN(ms) || Double.isInfinite(ms)) return NONE;
        ms = Math.floor(ms);
        return Math.abs(ms) <= MAX_SAFE ? (long) ms : NONE;
    }

    /** As parseIsoTime in shared/operators/source-kafka.ts: text without an offset is UTC. NaN for anything else. */
    static double parseIso(String text) {
        Matcher m = ISO.matcher(text);
        if (!m.matches()) return Double.NaN;
        String date = m.group(1);
        String time = m.group(2);
        String zone = m.group(3);
        try {
            if (time == null) return OffsetDateTime.parse(date + "T00:00:00Z").toInstant().toEpochMilli();
            String offset = zone == null || zone.equalsIgnoreCase("z") ? "Z" : zone.contains(":") ? zone : zone.substring(0, 3) + ":" + zone.substring(3);
            return OffsetDateTime.parse(date + "T" + time + offset, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (RuntimeException invalid) {
            return Double.NaN;
        }
    }
}
