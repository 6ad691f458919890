package dev.weir.flink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * Builds the DataStream job of a weir/v1 pipeline: one Flink operator per node (HostOperator, uid = node id), one
 * side output per edge, edges into a keyed node routed by the key group of the record's key. The shape comes from
 * the engine itself (graphPlan in flink/js/host.ts), so this class knows no operator type but the two ends: Kafka
 * sources and sinks, which run on Flink's KafkaSource and KafkaSink when deployed.
 */
final class JobBuilder {
    static final ObjectMapper JSON = new ObjectMapper();
    static final TypeInformation<WeirRecord> RECORD_TYPE = TypeInformation.of(WeirRecord.class);
    static final TypeInformation<SinkMessage> SINK_TYPE = TypeInformation.of(SinkMessage.class);

    /** What the Node side hands the runner: the pipeline and its UDF modules compiled ahead, and for a deployment, Kafka. */
    final JsonNode spec;
    final String pipelineJson;
    final JsonNode plan;
    final int maxParallelism;
    final Map<String, SingleOutputStreamOperator<SinkMessage>> operators = new HashMap<>();
    final Map<String, List<OutputTag<WeirRecord>>> edgeTags = new HashMap<>();
    /** Parallelism by node id; a node not in it runs at the job's parallelism. */
    final Map<String, Integer> parallelisms = new HashMap<>();

    JobBuilder(JsonNode spec) throws Exception {
        this.spec = spec;
        this.pipelineJson = JSON.writeValueAsString(spec.get("pipeline"));
        this.plan = JSON.readTree(planOf(pipelineJson));
        this.maxParallelism = plan.get("maxParallelism").asInt();
    }

    private static String planOf(String pipelineJson) {
        return JsHost.plan("graphPlan", pipelineJson);
    }

    List<JsonNode> nodes() {
        List<JsonNode> nodes = new ArrayList<>();
        plan.get("nodes").forEach(nodes::add);
        return nodes;
    }

    List<JsonNode> edgesFrom(String id) {
        List<JsonNode> edges = new ArrayList<>();
        for (JsonNode e : plan.get("edges")) if (e.get("from").asText().equals(id)) edges.add(e);
        edges.sort((a, b) -> Integer.compare(a.get("fromIndex").asInt(), b.get("fromIndex").asInt()));
        return edges;
    }

    List<JsonNode> edgesTo(String id) {
        List<JsonNode> edges = new ArrayList<>();
        for (JsonNode e : plan.get("edges")) if (e.get("to").asText().equals(id)) edges.add(e);
        return edges;
    }

    /** The host of one node; `inputs` is its input stream (null for a source fed by the simulation driver's tag). */
    <IN> SingleOutputStreamOperator<SinkMessage> host(JsonNode node, DataStream<IN> input, boolean simulation, int channels, String uid) throws Exception {
        String id = node.get("id").asText();
        List<JsonNode> out = edgesFrom(id);
        List<OutputTag<WeirRecord>> tags = new ArrayList<>();
        int[] channelOf = new int[out.size()];
        int[] inputOf = new int[out.size()];
        ObjectNode options = JSON.createObjectNode();
        options.put("nodeId", id);
        options.put("mode", simulation ? "simulation" : "deployed");
        options.put("channels", channels);
        options.set("modules", spec.get("modules"));
        options.put("budgetMs", spec.path("udfBudgetMs").asInt(1000));
        var edges = options.putArray("edges");
        for (int i = 0; i < out.size(); i++) {
            JsonNode e = out.get(i);
            tags.add(new OutputTag<>(id + "#" + i, RECORD_TYPE));
            channelOf[i] = e.get("channel").asInt();
            inputOf[i] = e.get("input").asInt();
            edges.addObject().put("port", e.get("port").asText()).put("channel", channelOf[i]).put("input", inputOf[i]).put("keyed", e.get("keyed").asBoolean());
        }
        edgeTags.put(id, tags);
        boolean stateful = node.get("keyed").asBoolean();
        HostOperator<IN> operator = new HostOperator<>(pipelineJson, id, JSON.writeValueAsString(options), channels, simulation, stateful, maxParallelism, tags, channelOf, inputOf, spec.path("udfBudgetMs").asLong(1000));
        SingleOutputStreamOperator<SinkMessage> stream = input.transform(node.get("name").asText(), SINK_TYPE, operator).uid(uid).setParallelism(parallelism(id));
        operators.put(id, stream);
        return stream;
    }

    int parallelism(String id) {
        return parallelisms.getOrDefault(id, -1);
    }

    /**
     * Parallelism per node for a job at `parallelism`: a source reads at most as many partitions as its topic has
     * (a subtask without a partition would hold the watermark back for ever); a keyed node runs at the job's
     * parallelism; any other node at that of its inputs, so records keep their partition's order up to the next
     * keyed node (forward edges, chained by Flink).
     */
    void planParallelism(int parallelism, Map<String, Integer> sourcePartitions) {
        for (JsonNode node : nodes()) {
            String id = node.get("id").asText();
            int p;
            if (node.get("source").asBoolean()) p = Math.max(1, Math.min(parallelism, sourcePartitions.getOrDefault(id, parallelism)));
            else if (node.get("keyed").asBoolean()) p = parallelism;
            else {
                p = 0;
                for (JsonNode e : edgesTo(id)) p = Math.max(p, parallelisms.get(e.get("from").asText()));
                if (p == 0) p = parallelism;
            }
            parallelisms.put(id, p);
        }
    }

    /** The union of a node's incoming edges (and any extra streams), routed by key group when the node is keyed. */
    DataStream<WeirRecord> inputOf(JsonNode node, List<DataStream<WeirRecord>> extra, boolean keyed) {
        List<DataStream<WeirRecord>> streams = new ArrayList<>(extra);
        for (JsonNode e : edgesTo(node.get("id").asText())) {
            String from = e.get("from").asText();
            streams.add(operators.get(from).getSideOutput(edgeTags.get(from).get(e.get("fromIndex").asInt())));
        }
        DataStream<WeirRecord> union = streams.get(0);
        if (streams.size() > 1) union = union.union(streams.subList(1, streams.size()).toArray(DataStream[]::new));
        if (!keyed) return union;
        int max = maxParallelism;
        return union.partitionCustom((Integer group, int partitions) -> KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(max, partitions, group), r -> r.keyGroup);
    }

    static void configure(StreamExecutionEnvironment env, int maxParallelism) {
        env.setMaxParallelism(maxParallelism);
    }
}
