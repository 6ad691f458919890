package dev.weir.flink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
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

    private final Context context;
    private final Value host;
    private final Value element;
    private final Value watermark;

    private JsHost(Context context, Value host) {
        this.context = context;
        this.host = host;
        this.element = host.getMember("element");
        this.watermark = host.getMember("watermark");
    }

    /** A host for one node: `options` is the JSON of flink/js/host.ts's HostOptions. */
    static JsHost forNode(String pipelineJson, String optionsJson) {
        Context context = newContext();
        try {
            Value api = context.getBindings("js").getMember("WeirHost");
            return new JsHost(context, api.getMember("createHost").execute(pipelineJson, optionsJson));
        } catch (RuntimeException e) {
            release(context);
            throw e;
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
        return element.execute(input, key, value, (double) timestamp, headers);
    }

    Value watermark(int channel, double time) {
        return watermark.execute(channel, time);
    }

    Value call(String method, Object... args) {
        return host.getMember(method).execute(args);
    }

    String callString(String method, Object... args) {
        return call(method, args).asString();
    }

    @Override
    public void close() {
        release(context);
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

    private static void releaseLocked(Context context) {
        context.close(true);
        if (--open == 0 && engine != null && !keepEngine) {
            engine.close();
            engine = null;
            bundle = null;
        }
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
