package dev.weir.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Simulation on a MiniCluster runs in lock step, so that it sees what Weir's engine sees: records travel the
 * graph depth-first, each sample is processed through the whole graph before the next arrives (SPEC §2).
 *
 * Every item an operator sends on an edge is counted as pending until its receiver has processed it, including
 * everything the receiver sent on in turn; the sender waits for that before it goes on. Only one item is ever in
 * flight, so the order of sink records is the order in which the engine emits them, across tasks and threads.
 * The MiniCluster runs in this JVM, so one counter serves every task.
 */
final class Lockstep {
    private static final AtomicLong PENDING = new AtomicLong();
    private static volatile String failure;
    private static final List<String> OUTPUT = new ArrayList<>();

    private Lockstep() {}

    static synchronized void reset() {
        PENDING.set(0);
        failure = null;
        OUTPUT.clear();
    }

    /** Sends one item and returns once it (and all it caused) has been processed downstream. */
    static void send(Runnable emit) {
        long before = PENDING.getAndIncrement();
        emit.run();
        while (PENDING.get() != before) {
            if (failure != null) throw new SimulationStopped();
            LockSupport.parkNanos(2_000);
        }
    }

    /** A receiver is done with one item. */
    static void done() {
        PENDING.decrementAndGet();
    }

    /** A node failed (SPEC §5 "fail"); JSON of nodeId, reason and input, or a message for anything else. */
    static void fail(String what) {
        if (failure == null) failure = what;
    }

    static String failure() {
        return failure;
    }

    static synchronized void output(String line) {
        OUTPUT.add(line);
    }

    static synchronized List<String> outputs() {
        return new ArrayList<>(OUTPUT);
    }

    /** Unwinds a task whose simulation another task already failed. */
    static final class SimulationStopped extends RuntimeException {
        SimulationStopped() {
            super("the simulation stopped: a node failed");
        }
    }
}
