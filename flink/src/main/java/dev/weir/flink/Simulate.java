package dev.weir.flink;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * `weir simulate --engine flink` and `weir test --engine flink`: runs pipelines on their samples in a Flink
 * MiniCluster in this JVM, at parallelism 1, in lock step (SPEC §2's arrival order, each sample through the whole
 * graph before the next), and prints what reached the sinks.
 *
 * Reads one job a line on stdin — `{"name", "pipeline", "modules", "udfBudgetMs"}`, samples (or test inputs) in the
 * pipeline's sources — and answers each with one line on stdout, after the prefix `weir-result `:
 * `{"name", "outputs": [sink records as the CLI prints them]}`, plus `"failure"` (JSON of nodeId, reason, input)
 * when a node failed under onError "fail", or `"error"` (text) when the job could not run.
 */
public final class Simulate {
    static final String RESULT = "weir-result ";

    public static void main(String[] args) throws Exception {
        // One MiniCluster and one polyglot engine for the whole batch: each pipeline pays for its own tasks only.
        JsHost.keepEngineOpen();
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        // Nothing of the MiniCluster listens where a real cluster would (8081): any free port, loopback only.
        config.set(RestOptions.BIND_PORT, "0");
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.ADDRESS, "127.0.0.1");
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(config).setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build())) {
            cluster.start();
            runAll(cluster, config);
        }
        System.exit(0);
    }

    static void runAll(MiniCluster cluster, Configuration config) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            JsonNode spec = JobBuilder.JSON.readTree(line);
            ObjectNode result = JobBuilder.JSON.createObjectNode();
            result.put("name", spec.path("name").asText());
            String outputs;
            try {
                outputs = String.join(",", run(cluster, config, spec));
            } catch (Throwable error) {
                outputs = String.join(",", Lockstep.outputs());
                String failure = Lockstep.failure();
                if (failure != null && failure.startsWith("{")) result.set("failure", JobBuilder.JSON.readTree(failure));
                else result.put("error", failure != null ? failure : rootMessage(error));
            }
            String text = result.toString();
            System.out.println(RESULT + text.substring(0, text.length() - 1) + ",\"outputs\":[" + outputs + "]}");
            System.out.flush();
        }
    }

    static List<String> run(MiniCluster cluster, Configuration config, JsonNode spec) throws Exception {
        Lockstep.reset();
        JobBuilder builder = new JobBuilder(spec);
        JsonNode plan = JobBuilder.JSON.readTree(JsHost.plan("simulationPlan", builder.pipelineJson, JobBuilder.JSON.writeValueAsString(spec.get("modules"))));

        List<String> sources = new ArrayList<>();
        plan.get("sources").forEach(s -> sources.add(s.asText()));
        List<String> timed = new ArrayList<>();
        plan.get("timed").forEach(t -> timed.add(t.asText()));
        double[][] steps = new double[plan.get("steps").size()][];
        for (int i = 0; i < steps.length; i++) {
            JsonNode s = plan.get("steps").get(i);
            steps[i] = new double[] {sources.indexOf(s.get(0).asText()), s.get(1).asDouble(), s.get(2).isNull() ? Double.NaN : s.get(2).asDouble()};
        }
        List<OutputTag<WeirRecord>> sourceTags = sources.stream().map(SimulationDriver::sourceTag).toList();
        List<OutputTag<WeirRecord>> timedTags = timed.stream().map(SimulationDriver::timeTag).toList();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, config);
        env.setBufferTimeout(0);
        JobBuilder.configure(env, builder.maxParallelism);
        SingleOutputStreamOperator<WeirRecord> driver = env.fromData(1)
            .transform("simulation", JobBuilder.RECORD_TYPE, new SimulationDriver(steps, sourceTags, timedTags))
            .uid("$simulation");

        for (JsonNode node : builder.nodes()) {
            String id = node.get("id").asText();
            List<DataStream<WeirRecord>> extra = new ArrayList<>();
            if (sources.contains(id)) extra.add(driver.getSideOutput(SimulationDriver.sourceTag(id)));
            if (timed.contains(id)) extra.add(driver.getSideOutput(SimulationDriver.timeTag(id)));
            int channels = builder.edgesTo(id).size();
            builder.host(node, builder.inputOf(node, extra, false), true, channels, id);
        }
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("weir simulate " + spec.path("name").asText());
        cluster.executeJobBlocking(graph.getJobGraph());
        if (Lockstep.failure() != null) throw new IllegalStateException(Lockstep.failure());
        return Lockstep.outputs();
    }

    static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
