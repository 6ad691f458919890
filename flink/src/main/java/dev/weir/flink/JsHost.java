package dev.weir.flink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

/**
 * One GraalJS context running Weir's engine bundle (flink/js/host.ts), hosting one node of one operator instance.
 *
 * The context is closed to the outside: no host access (JavaScript cannot see a single Java object), no I/O, no
 * environment, no threads, no other languages. Java calls in with strings and numbers and gets strings back, which
 * measured faster than polyglot proxies. Contexts of one JVM share a polyglot engine, so the bundle is parsed once
 * and each further context opens quickly; the engine is closed when the last context is.
 */
final class JsHost implements AutoCloseable {
    private static Engine engine;
    private static Source bundle;
    private static int open;
    private static boolean keepEngine;

    /**
     * The engine's budget guard (SPEC §5) stops a user loop within its budget; what it cannot reach — one regular
     * expression that backtracks for ever, one huge allocation — the watchdog ends by cancelling the context after
     * ten budgets (at least ten seconds). The call then fails the task, and Flink restarts it from its last
     * checkpoint, as the Weir server restarts a worker its heartbeat found hung.
     */
    private static ScheduledExecutorService watchdog;

    private final Context context;
    private final Value host;
    private final Value element;
    private final Value watermark;
    private final String nodeId;
    private final long limitNanos;
    /** System.nanoTime() when the call in progress began; 0 between calls. */
    private volatile long callStarted;
    private volatile boolean cancelled;
    private final ScheduledFuture<?> watch;

    private JsHost(Context context, Value host, String nodeId, long budgetMs) {
        this.context = context;
        this.host = host;
        this.element = host.getMember("element");
        this.watermark = host.getMember("watermark");
        this.nodeId = nodeId;
        this.limitNanos = Math.max(10 * budgetMs, 10_000) * 1_000_000L;
        this.watch = watchdog().scheduleWithFixedDelay(this::check, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** A host for one node: `options` is the JSON of flink/js/host.ts's HostOptions. */
    static JsHost forNode(String pipelineJson, String optionsJson, String nodeId, long budgetMs) {
        Context context = newContext();
        try {
            Value api = context.getBindings("js").getMember("WeirHost");
            return new JsHost(context, api.getMember("createHost").execute(pipelineJson, optionsJson), nodeId, budgetMs);
        } catch (RuntimeException e) {
            release(context);
            throw e;
        }
    }

    private void check() {
        long started = callStarted;
        if (started != 0 && System.nanoTime() - started > limitNanos && !cancelled) {
            cancelled = true;
            context.close(true);
        }
    }

    private Value guarded(Supplier<Value> call) {
        callStarted = System.nanoTime();
        try {
            return call.get();
        } catch (PolyglotException e) {
            if (cancelled || e.isCancelled()) {
                throw new IllegalStateException("node \"" + nodeId + "\": user code did not return within " + limitNanos / 1_000_000
                    + " ms (a regular expression that backtracks, or one enormous operation?); its context was stopped");
            }
            throw e;
        } finally {
            callStarted = 0;
        }
    }

    /** One of host.ts's plans (graphPlan, simulationPlan), made by the engine's own classes in a context of its own. */
    static String plan(String function, Object... args) {
        Context context = newContext();
        try {
            return context.getBindings("js").getMember("WeirHost").getMember(function).execute(args).asString();
        } finally {
            release(context);
        }
    }

    Value element(int input, String key, String value, long timestamp, String headers) {
        return guarded(() -> element.execute(input, key, value, (double) timestamp, headers));
    }

    Value watermark(int channel, double time) {
        return guarded(() -> watermark.execute(channel, time));
    }

    Value call(String method, Object... args) {
        return guarded(() -> host.getMember(method).execute(args));
    }

    String callString(String method, Object... args) {
        return call(method, args).asString();
    }

    @Override
    public void close() {
        watch.cancel(false);
        if (!cancelled) release(context);
        else releaseCount();
    }

    private static synchronized Context newContext() {
        if (engine == null) {
            engine = Engine.newBuilder("js").option("engine.WarnInterpreterOnly", "false").build();
            bundle = Source.newBuilder("js", readBundle(), "weir-host.js").cached(true).buildLiteral();
        }
        Context context = Context.newBuilder("js")
            .engine(engine)
            .allowHostAccess(HostAccess.NONE)
            .allowHostClassLookup(name -> false)
            .allowIO(IOAccess.NONE)
            .allowCreateThread(false)
            .allowCreateProcess(false)
            .allowNativeAccess(false)
            .allowPolyglotAccess(PolyglotAccess.NONE)
            .allowEnvironmentAccess(EnvironmentAccess.NONE)
            .build();
        open++;
        try {
            context.eval(bundle);
        } catch (RuntimeException e) {
            releaseLocked(context);
            throw e;
        }
        return context;
    }

    /** A JVM that runs job after job (the simulation runner) keeps the engine, and the parsed bundle, between jobs. */
    static synchronized void keepEngineOpen() {
        keepEngine = true;
    }

    private static synchronized void release(Context context) {
        releaseLocked(context);
    }

    /** A context the watchdog already closed: only the count goes down. */
    private static synchronized void releaseCount() {
        if (--open == 0) closeShared();
    }

    private static void releaseLocked(Context context) {
        context.close(true);
        if (--open == 0) closeShared();
    }

    /**
     * The last context of this JVM's job is gone: the polyglot engine and the watchdog's thread go too. Both are
     * held through this job's class loader, so a cluster that runs job after job would otherwise keep every job's
     * classes (Metaspace) until the TaskManager runs out.
     */
    private static void closeShared() {
        if (watchdog != null) {
            watchdog.shutdownNow();
            watchdog = null;
        }
        if (engine != null && !keepEngine) {
            engine.close();
            engine = null;
            bundle = null;
        }
    }

    private static synchronized ScheduledExecutorService watchdog() {
        if (watchdog == null) {
            watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "weir-udf-watchdog");
                thread.setDaemon(true);
                // Not the task's: a thread that outlived its job must not hold the job's class loader.
                thread.setContextClassLoader(null);
                return thread;
            });
        }
        return watchdog;
    }

    private static String readBundle() {
        try (InputStream in = JsHost.class.getResourceAsStream("/weir-host.js")) {
            if (in == null) throw new IllegalStateException("weir-host.js is missing from the runner jar (build it with flink/build.sh)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read weir-host.js from the runner jar", e);
        }
    }
}
