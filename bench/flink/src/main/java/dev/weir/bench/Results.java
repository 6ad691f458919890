package dev.weir.bench;

import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** The records the workloads emit, and the aggregate functions behind them (Weir's `count` and `avg`). */
public final class Results {
    private Results() {}

    /** `stateless`: the map's projection of a page view. */
    public static class PageView implements ChecksumSink.Hashable {
        public long user_id;
        public String page_url;
        public long ts;

        public PageView() {}

        public PageView(long userId, String pageUrl, long ts) {
            this.user_id = userId;
            this.page_url = pageUrl;
            this.ts = ts;
        }

        @Override
        public int hash() {
            return Checksum.mixLong(Checksum.mixString(Checksum.mixLong(0, user_id), page_url), ts);
        }
    }

    /** A fired pane: Weir's `{ key, window: { start, end }, result }`, with an integer or a real result. */
    public static class WindowResult implements ChecksumSink.Hashable {
        public long key;
        public long start;
        public long end;
        public long count;
        public double average;
        public boolean isAverage;

        public WindowResult() {}

        @Override
        public int hash() {
            int h = Checksum.mixLong(Checksum.mixLong(Checksum.mixLong(0, key), start), end);
            return isAverage ? Checksum.mixDouble(h, average) : Checksum.mixLong(h, count);
        }
    }

    public static final class Count implements AggregateFunction<UserEvent, Long, Long> {
        @Override
        public Long createAccumulator() {
            return 0L;
        }

        @Override
        public Long add(UserEvent value, Long acc) {
            return acc + 1;
        }

        @Override
        public Long getResult(Long acc) {
            return acc;
        }

        @Override
        public Long merge(Long a, Long b) {
            return a + b;
        }
    }

    /** Accumulator `[sum, count]` like Weir's AvgAggregate, so both divide the same exact sum by the same count. */
    public static final class Average implements AggregateFunction<UserEvent, double[], Double> {
        @Override
        public double[] createAccumulator() {
            return new double[2];
        }

        @Override
        public double[] add(UserEvent value, double[] acc) {
            acc[0] += value.duration_ms;
            acc[1] += 1;
            return acc;
        }

        @Override
        public Double getResult(double[] acc) {
            return acc[0] / acc[1];
        }

        @Override
        public double[] merge(double[] a, double[] b) {
            return new double[] {a[0] + b[0], a[1] + b[1]};
        }
    }

    public static final class EmitCount extends ProcessWindowFunction<Long, WindowResult, Long, TimeWindow> {
        @Override
        public void process(Long key, Context context, Iterable<Long> counts, Collector<WindowResult> out) {
            WindowResult r = new WindowResult();
            r.key = key;
            r.start = context.window().getStart();
            r.end = context.window().getEnd();
            r.count = counts.iterator().next();
            out.collect(r);
        }
    }

    public static final class EmitAverage extends ProcessWindowFunction<Double, WindowResult, Long, TimeWindow> {
        @Override
        public void process(Long key, Context context, Iterable<Double> averages, Collector<WindowResult> out) {
            WindowResult r = new WindowResult();
            r.key = key;
            r.start = context.window().getStart();
            r.end = context.window().getEnd();
            r.average = averages.iterator().next();
            r.isAverage = true;
            out.collect(r);
        }
    }
}
