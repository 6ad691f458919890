package dev.weir.flink;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * `source.kafka` and `sink.kafka` on Flink's own connectors: KafkaSource with per-partition watermarks exactly as
 * SPEC §2 defines them, and KafkaSink with the pipeline's delivery guarantee (exactly-once: Kafka transactions that
 * commit with Flink's checkpoints).
 */
final class KafkaConnectors {
    private KafkaConnectors() {}

    static Properties properties(JsonNode kafka) {
        Properties props = new Properties();
        JsonNode extra = kafka.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            props.setProperty(e.getKey(), e.getValue().asText());
        }
        return props;
    }

    static KafkaSource<KafkaMessage> source(JsonNode params, JsonNode kafka, String groupId) {
        Properties props = properties(kafka);
        props.setProperty("isolation.level", "read_committed");
        EventTime eventTime = new EventTime(params.get("timestamp"));
        return KafkaSource.<KafkaMessage>builder()
            .setBootstrapServers(kafka.get("bootstrapServers").asText())
            .setTopics(params.get("topic").asText())
            .setGroupId(groupId)
            .setStartingOffsets("latest".equals(params.path("startFrom").asText()) ? OffsetsInitializer.latest() : OffsetsInitializer.earliest())
            .setProperties(props)
            .setDeserializer(new MessageDeserializer(eventTime))
            .build();
    }

    static WatermarkStrategy<KafkaMessage> watermarks(JsonNode params) {
        JsonNode wm = params.get("watermark");
        boolean bounded = "bounded".equals(wm.path("strategy").asText("bounded"));
        long outOfOrderness = wm.path("maxOutOfOrdernessMs").asLong(0);
        WatermarkStrategy<KafkaMessage> strategy = WatermarkStrategy
            .<KafkaMessage>forGenerator(context -> new SpecWatermarks(bounded, outOfOrderness))
            .withTimestampAssigner((m, previous) -> m.hasEventTime ? m.eventTime : m.kafkaTimestamp);
        if (bounded && wm.has("idleTimeoutMs")) strategy = strategy.withIdleness(Duration.ofMillis(wm.get("idleTimeoutMs").asLong()));
        return strategy;
    }

    static KafkaSink<SinkMessage> sink(JsonNode params, JsonNode kafka, boolean exactlyOnce, String transactionalIdPrefix) {
        Properties props = properties(kafka);
        // Below the broker's transaction.max.timeout.ms (15 minutes by default); Flink's default of an hour is refused.
        props.setProperty("transaction.timeout.ms", props.getProperty("transaction.timeout.ms", "600000"));
        return KafkaSink.<SinkMessage>builder()
            .setBootstrapServers(kafka.get("bootstrapServers").asText())
            .setKafkaProducerConfig(props)
            .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
            .setTransactionalIdPrefix(transactionalIdPrefix)
            .setRecordSerializer(new MessageSerializer(params.get("topic").asText()))
            .build();
    }

    /**
     * SPEC §2 bounded out-of-orderness, per partition: after every record, `maxTimestampSeen - B - 1`. Flink keeps
     * one generator per partition (split) and combines them by their minimum, as Weir does. Explicit: markers only,
     * and Kafka carries none.
     */
    static final class SpecWatermarks implements WatermarkGenerator<KafkaMessage> {
        private final boolean bounded;
        private final long outOfOrderness;
        private long max = Long.MIN_VALUE;

        SpecWatermarks(boolean bounded, long outOfOrderness) {
            this.bounded = bounded;
            this.outOfOrderness = outOfOrderness;
        }

        @Override
        public void onEvent(KafkaMessage m, long timestamp, WatermarkOutput output) {
            if (!bounded || !m.hasEventTime || m.eventTime <= max) return;
            max = m.eventTime;
            output.emitWatermark(new Watermark(max - outOfOrderness - 1));
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {}
    }

    static final class MessageDeserializer implements KafkaRecordDeserializationSchema<KafkaMessage> {
        private static final long serialVersionUID = 1L;
        private final EventTime eventTime;

        MessageDeserializer(EventTime eventTime) {
            this.eventTime = eventTime;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaMessage> out) {
            KafkaMessage m = new KafkaMessage();
            m.partition = record.partition();
            m.offset = record.offset();
            m.kafkaTimestamp = record.timestamp();
            m.key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            m.value = record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
            m.headers = headersJson(record);
            long t = m.value == null && !eventTime.fromKafka() ? EventTime.NONE : eventTime.of(m.value, m.kafkaTimestamp);
            m.hasEventTime = t != EventTime.NONE;
            m.eventTime = m.hasEventTime ? t : 0;
            out.collect(m);
        }

        private static String headersJson(ConsumerRecord<byte[], byte[]> record) {
            if (!record.headers().iterator().hasNext()) return "";
            var node = JobBuilder.JSON.createObjectNode();
            for (Header h : record.headers()) node.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
            return node.toString();
        }

        @Override
        public TypeInformation<KafkaMessage> getProducedType() {
            return TypeInformation.of(KafkaMessage.class);
        }
    }

    static final class MessageSerializer implements KafkaRecordSerializationSchema<SinkMessage> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        MessageSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(SinkMessage m, KafkaSinkContext context, Long timestamp) {
            byte[] key = m.key == null ? null : m.key.getBytes(StandardCharsets.UTF_8);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, m.timestamp >= 0 ? m.timestamp : null, key, m.value.getBytes(StandardCharsets.UTF_8));
            if (!m.headers.isEmpty()) {
                try {
                    JobBuilder.JSON.readTree(m.headers).fields().forEachRemaining(e ->
                        record.headers().add(new RecordHeader(e.getKey(), e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
                } catch (Exception e) {
                    throw new IllegalStateException("headers of a sink record are not JSON: " + m.headers, e);
                }
            }
            return record;
        }
    }
}
