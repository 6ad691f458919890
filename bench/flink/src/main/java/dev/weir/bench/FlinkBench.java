package dev.weir.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * Runs one of Weir's benchmark workloads (bench/workloads/*.weir.json) in Flink's local mode and prints one JSON
 * line with its throughput and its output count and checksum.
 *
 *   java -Xmx4g -jar target/weir-flink-bench.jar --workload tumbling-count --events 10000000 [--seed 42]
 *
 * The events are generated in memory before the job starts, as UTF-8 bytes in one array (UserEventGenerator, a port
 * of bench/data/generate.ts); inputChecksum in the result lets the caller check that they equal the TypeScript ones. The measured
 * interval runs from the first event the source parses to end of input at the sink, like Weir's engine loop;
 * cluster start-up is reported apart as wallMs.
 */
public final class FlinkBench {
    /** Weir's source: `watermark: { strategy: "bounded", maxOutOfOrdernessMs: 5000 }` in every workload. */
    static final long OUT_OF_ORDERNESS_MS = 5_000;

    static volatile UserEventGenerator.Input events;
    static volatile long startNanos;
    static volatile long startCpuNanos;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parseArgs(args);
        int count = Integer.parseInt(options.getOrDefault("events", "1000000"));
        long seed = Long.parseLong(options.getOrDefault("seed", String.valueOf(UserEventGenerator.DEFAULT_SEED)));

        events = UserEventGenerator.generate(count, seed);
        long inputChecksum = UserEventGenerator.bytesChecksum(events);
        double inputRssMb = procStatusMb("VmRSS:");
        // Several workloads (comma-separated) run one after the other in this JVM: for tests, not for figures.
        for (String workload : options.getOrDefault("workload", "tumbling-count").split(",")) {
            run(workload, count, inputChecksum, inputRssMb);
        }
    }

    static void run(String workload, int count, long inputChecksum, double inputRssMb) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.getConfig().enableObjectReuse();
        // Watermarks are emitted per record by PerRecordWatermarks; no periodic emission on top.
        env.getConfig().setAutoWatermarkInterval(0);
        build(env, workload, count);

        long wallStart = System.nanoTime();
        env.execute("weir-bench-" + workload);
        long wallEnd = System.nanoTime();

        double seconds = (ChecksumSink.endNanos - startNanos) / 1e9;
        double cpuSeconds = (ChecksumSink.endCpuNanos - startCpuNanos) / 1e9;
        System.out.println(String.format(Locale.ROOT,
            "{\"workload\":\"%s\",\"system\":\"flink\",\"events\":%d,\"outputs\":%d,\"checksum\":%d,\"inputChecksum\":%d,"
                + "\"elapsedMs\":%.1f,\"cpuMs\":%.1f,\"wallMs\":%.1f,\"eventsPerSec\":%.1f,\"peakRssMb\":%.1f,\"inputRssMb\":%.1f}",
            workload, count, ChecksumSink.count, Integer.toUnsignedLong(ChecksumSink.checksum), inputChecksum, seconds * 1000,
            cpuSeconds * 1000, (wallEnd - wallStart) / 1e6, count / seconds, procStatusMb("VmHWM:"), inputRssMb));
    }

    static void build(StreamExecutionEnvironment env, String workload, long count) {
        DataGeneratorSource<UserEvent> source = new DataGeneratorSource<>(new ParseEvent(), count, TypeInformation.of(UserEvent.class));
        WatermarkStrategy<UserEvent> watermarks = WatermarkStrategy
            .<UserEvent>forGenerator(context -> new PerRecordWatermarks(OUT_OF_ORDERNESS_MS))
            .withTimestampAssigner((event, previous) -> event.ts);
        DataStream<UserEvent> input = env.fromSource(source, watermarks, "events");
        switch (workload) {
            case "stateless" -> input
                .filter(e -> "page_view".equals(e.event_type))
                .map(e -> new Results.PageView(e.user_id, e.page_url, e.ts))
                .returns(Results.PageView.class)
                .sinkTo(new ChecksumSink<>());
            case "tumbling-count" -> input
                .filter(e -> "page_view".equals(e.event_type))
                .keyBy(e -> e.user_id, Types.LONG)
                .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                .aggregate(new Results.Count(), new Results.EmitCount())
                .sinkTo(new ChecksumSink<>());
            case "sliding-avg" -> input
                .keyBy(e -> e.user_id, Types.LONG)
                .window(SlidingEventTimeWindows.of(Duration.ofMinutes(1), Duration.ofSeconds(10)))
                .aggregate(new Results.Average(), new Results.EmitAverage())
                .sinkTo(new ChecksumSink<>());
            case "session" -> input
                .keyBy(e -> e.user_id, Types.LONG)
                .window(EventTimeSessionWindows.withGap(Duration.ofSeconds(30)))
                .aggregate(new Results.Count(), new Results.EmitCount())
                .sinkTo(new ChecksumSink<>());
            default -> throw new IllegalArgumentException("unknown workload \"" + workload + "\" (stateless, tumbling-count, sliding-avg, session)");
        }
    }

    /**
     * The source: event number i is the i-th generated JSON text, parsed from its UTF-8 bytes as a Kafka
     * deserializer would (Weir's source decodes the bytes to a string and parses that, as its deployments do).
     */
    static final class ParseEvent implements GeneratorFunction<Long, UserEvent> {
        private transient ObjectReader reader;

        @Override
        public void open(SourceReaderContext context) {
            reader = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false).readerFor(UserEvent.class);
        }

        @Override
        public UserEvent map(Long index) throws Exception {
            int i = index.intValue();
            if (i == 0) {
                startNanos = System.nanoTime();
                startCpuNanos = processCpuNanos();
            }
            UserEventGenerator.Input input = events;
            return reader.readValue(input.bytes, input.offsets[i], input.offsets[i + 1] - input.offsets[i]);
        }
    }

    /** CPU time of the whole JVM so far (every thread: tasks, GC, JIT), like Node's process.cpuUsage(). */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A memory figure of this JVM from /proc/self/status (VmHWM: peak resident, VmRSS: resident now), in MiB; 0 off Linux. */
    static double procStatusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (Exception ignored) {
            // Not Linux: no figure.
        }
        return 0;
    }

    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("usage: --workload NAME --events N [--seed S]");
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
