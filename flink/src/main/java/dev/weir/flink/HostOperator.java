package dev.weir.flink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.graalvm.polyglot.Value;

/**
 * A Flink operator that runs one node of a Weir pipeline: Weir's own operator class, in a GraalJS context of its
 * own (JsHost). What the node emits goes out on one side output per outgoing edge, so that Flink routes each edge on
 * its own (keyed targets by key group); a `sink.kafka` node emits its Kafka messages on the main output.
 *
 * Deployed, watermarks are Flink's: the node hears its input's combined watermark, fires what is due and only then
 * lets the watermark go on (SPEC §3: all firing caused by a watermark happens before it moves downstream). The
 * node's state is checkpointed as the engine snapshots it, one entry per subtask, tagged with the key groups the
 * subtask owns.
 *
 * In simulation (MiniCluster, parallelism 1) everything, watermarks included, travels in band and in lock step
 * (Lockstep), so the node sees exactly the sequence Weir's engine would give it.
 */
final class HostOperator<IN> extends AbstractStreamOperator<SinkMessage> implements OneInputStreamOperator<IN, SinkMessage> {
    private static final long serialVersionUID = 1L;
    private static final String SEP = "\u0001";
    private static final long TIMER_INTERVAL_MS = 100;
    /** How often a deployed node's counts are read out of the engine for the `weirNode` gauge. */
    private static final long METRICS_INTERVAL_MS = 1000;

    private final String pipelineJson;
    private final String nodeId;
    private final String optionsJson;
    private final boolean simulation;
    private final boolean stateful;
    /** Hosts a `source.kafka` node, fed by Flink's KafkaSource. */
    private final boolean source;
    private final int maxParallelism;
    private final List<OutputTag<WeirRecord>> edgeTags;
    private final int[] edgeChannels;
    private final int[] edgeInputs;
    private final long budgetMs;

    private transient JsHost host;
    private transient ListState<String> checkpointed;
    private transient String restored;
    private transient KeyGroupRange keyGroups;
    /** The node's counts as JSON, written on the task thread (GraalJS is single-threaded), read by the metrics thread. */
    private transient volatile String counts;

    HostOperator(String pipelineJson, String nodeId, String optionsJson, int channels, boolean simulation, boolean stateful, int maxParallelism,
                 List<OutputTag<WeirRecord>> edgeTags, int[] edgeChannels, int[] edgeInputs, long budgetMs) {
        this.pipelineJson = pipelineJson;
        this.nodeId = nodeId;
        this.optionsJson = optionsJson;
        this.simulation = simulation;
        this.stateful = stateful;
        this.source = channels == 0;
        this.maxParallelism = maxParallelism;
        this.edgeTags = new ArrayList<>(edgeTags);
        this.edgeChannels = edgeChannels;
        this.edgeInputs = edgeInputs;
        this.budgetMs = budgetMs;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        if (simulation || !stateful) return;
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        keyGroups = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism, subtask);
        checkpointed = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("weir-node-state", Types.STRING));
        if (!context.isRestored()) return;
        String prefix = rangeTag(keyGroups);
        List<String> others = new ArrayList<>();
        for (String entry : checkpointed.get()) {
            if (entry.startsWith(prefix)) restored = entry.substring(prefix.length());
            else others.add(entry.substring(0, entry.indexOf(' ')));
        }
        if (restored == null && !others.isEmpty()) {
            throw new IllegalStateException("node \"" + nodeId + "\": the savepoint holds its state for key groups " + others
                + " (another parallelism); resume it at the parallelism it was stopped with");
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        host = JsHost.forNode(pipelineJson, optionsJson, nodeId, budgetMs);
        if (restored != null) {
            host.call("restore", restored);
            restored = null;
        }
        if (simulation) return;
        if (host.call("timed").asBoolean()) scheduleProcessingTime();
        publishCounts(getProcessingTimeService().getCurrentProcessingTime());
        getMetricGroup().gauge("weirNode", (Gauge<String>) () -> counts);
        scheduleCounts();
    }

    /**
     * The Weir server reads a deployed node's records in, out per port and errors from this operator's `weirNode`
     * gauge (Flink's REST API): `{"node", "subtask", "at", "counts": {"in", "out": {port: n}, "errors"}}`. The node
     * id travels in the value, so the server maps it back whatever Flink makes of the operator's name.
     */
    private void publishCounts(long time) throws IOException {
        var value = JobBuilder.JSON.createObjectNode();
        value.put("node", nodeId);
        value.put("subtask", getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        value.put("at", time);
        value.set("counts", JobBuilder.JSON.readTree(host.callString("metrics")));
        counts = JobBuilder.JSON.writeValueAsString(value);
    }

    private void scheduleCounts() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + METRICS_INTERVAL_MS, time -> {
            publishCounts(time);
            scheduleCounts();
        });
    }

    private void scheduleProcessingTime() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + TIMER_INTERVAL_MS, time -> {
            dispatch(host.call("processingTime", (double) time));
            scheduleProcessingTime();
        });
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        Object in = element.getValue();
        if (in instanceof KafkaMessage m) {
            dispatch(host.call("kafka", m.partition, (double) m.offset, m.key, m.value, (double) m.kafkaTimestamp, m.headers));
            return;
        }
        WeirRecord r = (WeirRecord) in;
        if (!simulation) {
            dispatch(host.element(r.input, r.key, r.value, r.timestamp, r.headers));
            return;
        }
        try {
            Value entries = switch (r.kind) {
                case WeirRecord.RECORD -> host.element(r.input, r.key, r.value, r.timestamp, r.headers);
                case WeirRecord.WATERMARK -> host.watermark(r.channel, r.time);
                case WeirRecord.TIME -> host.call("processingTime", r.time);
                case WeirRecord.SAMPLE -> host.call("sample", r.input);
                case WeirRecord.END -> host.call("endOfInput");
                default -> throw new IllegalStateException("unknown item kind " + r.kind);
            };
            dispatch(entries);
        } catch (Lockstep.SimulationStopped stopped) {
            throw stopped;
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            Lockstep.fail(message.startsWith("node \"") ? message : "node \"" + nodeId + "\": " + message);
            throw e;
        } finally {
            Lockstep.done();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // In simulation, watermarks travel in band; Flink's own (its end-of-input one) means nothing there.
        if (simulation) return;
        // A source's watermarks are Flink's per-partition ones (KafkaConnectors.SpecWatermarks): nothing to fire.
        if (!source) {
            double time = mark.getTimestamp() == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : (double) mark.getTimestamp();
            dispatch(host.watermark(0, time));
        }
        output.emitWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (checkpointed == null) return;
        checkpointed.update(List.of(rangeTag(keyGroups) + host.callString("snapshot")));
    }

    @Override
    public void close() throws Exception {
        if (host != null) host.close();
        host = null;
        super.close();
    }

    private static String rangeTag(KeyGroupRange range) {
        return range.getStartKeyGroup() + "-" + range.getEndKeyGroup() + " ";
    }

    /** Sends on what the node emitted, in order. */
    private void dispatch(Value entries) {
        long size = entries.getArraySize();
        for (long i = 0; i < size; i++) {
            String entry = entries.getArrayElement(i).asString();
            switch (entry.charAt(0)) {
                case 'R' -> sendRecord(entry);
                case 'W' -> {
                    if (simulation) {
                        String[] f = entry.split(SEP, 3);
                        int edge = Integer.parseInt(f[1]);
                        WeirRecord w = WeirRecord.control(WeirRecord.WATERMARK, edgeChannels[edge], Double.parseDouble(f[2]));
                        Lockstep.send(() -> output.collect(edgeTags.get(edge), new StreamRecord<>(w)));
                    }
                }
                case 'S' -> sendToSink(entry);
                case 'L' -> LOG.info("[{}] {}", nodeId, entry.substring(2));
                case 'F' -> {
                    if (simulation) Lockstep.fail(entry.substring(2));
                    throw new NodeFailure(nodeId, entry.substring(2));
                }
                default -> throw new IllegalStateException("unknown entry from node \"" + nodeId + "\": " + entry);
            }
        }
    }

    private void sendRecord(String entry) {
        String[] f = entry.split(SEP, 7);
        int edge = Integer.parseInt(f[1]);
        WeirRecord r = new WeirRecord();
        r.kind = WeirRecord.RECORD;
        r.channel = edgeChannels[edge];
        r.input = edgeInputs[edge];
        r.keyGroup = Integer.parseInt(f[2]);
        r.key = f[3];
        r.timestamp = (long) Double.parseDouble(f[4]);
        r.headers = f[5];
        r.value = f[6];
        StreamRecord<WeirRecord> record = new StreamRecord<>(r, r.timestamp);
        if (simulation) Lockstep.send(() -> output.collect(edgeTags.get(edge), record));
        else output.collect(edgeTags.get(edge), record);
    }

    private void sendToSink(String entry) {
        if (simulation) {
            Lockstep.output(entry.substring(2));
            return;
        }
        String[] f = entry.split(SEP, 5);
        SinkMessage m = new SinkMessage();
        m.key = f[1].equals("\u0003") ? null : f[1];
        m.timestamp = f[2].isEmpty() ? -1 : Long.parseLong(f[2]);
        m.headers = f[3];
        m.value = f[4];
        output.collect(new StreamRecord<>(m));
    }

    /** A record failed under `onError: "fail"` (SPEC §5): the job fails and Flink restarts it from its last checkpoint. */
    static final class NodeFailure extends RuntimeException {
        NodeFailure(String nodeId, String failureJson) {
            super("node \"" + nodeId + "\" failed: " + failureJson);
        }
    }
}
