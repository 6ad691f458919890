package dev.weir.bench;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A discarding sink that counts and checksums what reaches it, and notes when end of input arrived (the end of the
 * measured interval). Local mode runs the job in this JVM with parallelism 1, so the totals live in static fields
 * that main() reads once the job has finished.
 */
public final class ChecksumSink<T extends ChecksumSink.Hashable> implements Sink<T> {
    public interface Hashable {
        int hash();
    }

    static volatile long count;
    static volatile int checksum;
    static volatile long endNanos;
    static volatile long endCpuNanos;

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        return new Writer<>();
    }

    private static final class Writer<T extends Hashable> implements SinkWriter<T> {
        private long n;
        private int sum;

        @Override
        public void write(T element, Context context) {
            n++;
            sum += element.hash();
        }

        @Override
        public void flush(boolean endOfInput) {
            if (!endOfInput) return;
            count = n;
            checksum = sum;
            endNanos = System.nanoTime();
            endCpuNanos = FlinkBench.processCpuNanos();
        }

        @Override
        public void close() {}
    }
}
