package dev.weir.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Feeds a simulation (SPEC §2) into the job in lock step: for each sample in arrival order, the virtual processing
 * time it sets (to every node that keeps processing-time timers, in the engine's topological order), the sample to
 * its source, and processing time again; then end of input at every source, and processing time +∞. The plan comes
 * from the engine (simulationPlan in flink/js/host.ts).
 */
final class SimulationDriver extends AbstractStreamOperator<WeirRecord> implements OneInputStreamOperator<Integer, WeirRecord> {
    private static final long serialVersionUID = 1L;

    /** [sourceIndex, sampleIndex, time or NaN] per step. */
    private final double[][] steps;
    private final List<OutputTag<WeirRecord>> sourceTags;
    private final List<OutputTag<WeirRecord>> timedTags;

    SimulationDriver(double[][] steps, List<OutputTag<WeirRecord>> sourceTags, List<OutputTag<WeirRecord>> timedTags) {
        this.steps = steps;
        this.sourceTags = new ArrayList<>(sourceTags);
        this.timedTags = new ArrayList<>(timedTags);
    }

    static OutputTag<WeirRecord> sourceTag(String id) {
        return new OutputTag<>("sample:" + id, JobBuilder.RECORD_TYPE);
    }

    static OutputTag<WeirRecord> timeTag(String id) {
        return new OutputTag<>("time:" + id, JobBuilder.RECORD_TYPE);
    }

    @Override
    public void processElement(StreamRecord<Integer> element) {
        double clock = Double.NEGATIVE_INFINITY;
        for (double[] step : steps) {
            double time = step[2];
            if (!Double.isNaN(time)) {
                clock = Math.max(clock, time);
                advance(clock);
            }
            WeirRecord sample = WeirRecord.control(WeirRecord.SAMPLE, 0, 0);
            sample.input = (int) step[1];
            send(sourceTags.get((int) step[0]), sample);
            advance(clock);
        }
        for (OutputTag<WeirRecord> tag : sourceTags) send(tag, WeirRecord.control(WeirRecord.END, 0, 0));
        advance(Double.POSITIVE_INFINITY);
    }

    private void advance(double time) {
        for (OutputTag<WeirRecord> tag : timedTags) send(tag, WeirRecord.control(WeirRecord.TIME, 0, time));
    }

    private void send(OutputTag<WeirRecord> tag, WeirRecord item) {
        Lockstep.send(() -> output.collect(tag, new StreamRecord<>(item)));
    }
}
