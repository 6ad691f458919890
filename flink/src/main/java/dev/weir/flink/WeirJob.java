package dev.weir.flink;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A Weir deployment on a Flink cluster: the entry class the Weir server submits through Flink's REST API
 * (`POST /jars/:id/run`, programArgsList `["--spec", base64 of the job spec JSON]`).
 *
 * The spec: `{"pipeline", "modules", "udfBudgetMs", "deploymentId", "kafka": {"bootstrapServers", "properties"}}`.
 * Sources read with Flink's KafkaSource (group id = deployment id), sinks write with KafkaSink (transactional id
 * prefix = deployment id and node id); the checkpoint interval and the delivery guarantee are the pipeline's.
 */
public final class WeirJob {
    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--spec")) throw new IllegalArgumentException("usage: WeirJob --spec BASE64_JSON");
        JsonNode spec = JobBuilder.JSON.readTree(new String(Base64.getDecoder().decode(args[1]), StandardCharsets.UTF_8));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, spec);
        env.execute("weir: " + spec.get("pipeline").get("id").asText() + " (" + spec.get("deploymentId").asText() + ")");
    }

    static void build(StreamExecutionEnvironment env, JsonNode spec) throws Exception {
        JobBuilder builder = new JobBuilder(spec);
        JsonNode settings = builder.plan.get("settings");
        boolean exactlyOnce = !"at-least-once".equals(settings.get("delivery").asText());
        env.enableCheckpointing(settings.get("checkpointIntervalMs").asLong(), exactlyOnce ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);
        JobBuilder.configure(env, builder.maxParallelism);
        String deployment = spec.get("deploymentId").asText();
        JsonNode kafka = spec.get("kafka");
        Map<String, Integer> partitions = new HashMap<>();
        spec.path("sourcePartitions").fields().forEachRemaining(e -> partitions.put(e.getKey(), e.getValue().asInt()));
        builder.planParallelism(env.getParallelism(), partitions);

        for (JsonNode node : builder.nodes()) {
            String id = node.get("id").asText();
            JsonNode params = node.get("params");
            if (node.get("source").asBoolean()) {
                DataStream<KafkaMessage> records = env
                    .fromSource(KafkaConnectors.source(params, kafka, deployment), KafkaConnectors.watermarks(params), id + ": " + params.get("topic").asText())
                    // The offsets belong to the topic: a source that reads another topic after an upgrade starts afresh
                    // there, as on the Weir server (its old offsets are state the savepoint may drop).
                    .uid(id + "@" + params.get("topic").asText())
                    .setParallelism(builder.parallelism(id));
                builder.host(node, records, false, 0, id + "/records");
                continue;
            }
            SingleOutputStreamOperator<SinkMessage> host = builder.host(node, builder.inputOf(node, List.of(), node.get("keyed").asBoolean()), false, 1, id);
            if (node.get("sink").asBoolean()) {
                host.sinkTo(KafkaConnectors.sink(params, kafka, exactlyOnce, deployment + "-" + id)).uid(id + "/kafka").name(id + ": " + params.get("topic").asText())
                    .setParallelism(builder.parallelism(id));
            }
        }
    }
}
