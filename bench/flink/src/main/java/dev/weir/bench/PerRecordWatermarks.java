package dev.weir.bench;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Flink's BoundedOutOfOrdernessWatermarks (watermark = max timestamp seen - bound - 1), but emitted after every
 * record as Weir's source does (SPEC §2), not every autoWatermarkInterval: with the same records in the same order
 * both systems then judge exactly the same records late and fire exactly the same panes. Flink drops a watermark
 * that does not advance, as Weir does.
 */
public final class PerRecordWatermarks implements WatermarkGenerator<UserEvent> {
    private final long bound;
    private long maxTimestamp;

    public PerRecordWatermarks(long bound) {
        this.bound = bound;
        this.maxTimestamp = Long.MIN_VALUE + bound + 1;
    }

    @Override
    public void onEvent(UserEvent event, long eventTimestamp, WatermarkOutput output) {
        if (eventTimestamp > maxTimestamp) {
            maxTimestamp = eventTimestamp;
            output.emitWatermark(new Watermark(maxTimestamp - bound - 1));
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {}
}
