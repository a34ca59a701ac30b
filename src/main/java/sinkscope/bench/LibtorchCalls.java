package sinkscope.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts the libtorch operator calls a piece of code makes, with libtorch's own profiler (DJL's
 * {@code JniUtils.startProfile}): every top-level ATen op on the calling thread is one call (the ops an op runs inside
 * itself, e.g. {@code aten::linear}'s {@code aten::addmm}, are part of it), so the count is what the code asks of
 * libtorch, not a guess from reading it. {@code kernels} leaves out the calls that only make a view (slice, reshape
 * without copy, transpose, permute, ...), which launch nothing on a GPU. Costs nothing when not counting: the profiler
 * runs only inside {@link #count}.
 */
public final class LibtorchCalls {
    /** ATen ops that only describe a view or a dtype (no kernel, no copy). */
    static final Set<String> VIEWS = Set.of("aten::as_strided", "aten::slice", "aten::select", "aten::view", "aten::_reshape_alias", "aten::reshape",
            "aten::transpose", "aten::permute", "aten::expand", "aten::narrow", "aten::unsqueeze", "aten::squeeze", "aten::alias", "aten::t",
            "aten::detach", "aten::split", "aten::chunk", "aten::unbind", "aten::result_type", "aten::resolve_conj", "aten::resolve_neg",
            "aten::lift_fresh", "aten::expand_as", "aten::view_as", "aten::_unsafe_view", "aten::contiguous");

    /** Calls by op name (top-level ops), and how many of them launch work. */
    public record Counts(Map<String, Integer> byOp, int calls, int kernels) {
        /** {@code (this - other) / n} per op, for the calls of one layer from two depths of the same model. */
        public Counts minus(Counts other, int n) {
            Map<String, Integer> d = new TreeMap<>();
            for (String op : union(byOp.keySet(), other.byOp.keySet())) {
                int v = (byOp.getOrDefault(op, 0) - other.byOp.getOrDefault(op, 0)) / n;
                if (v != 0) {
                    d.put(op, v);
                }
            }
            return new Counts(d, (calls - other.calls) / n, (kernels - other.kernels) / n);
        }

        /** Every count times {@code n}. */
        public Counts scaled(int n) {
            Map<String, Integer> d = new TreeMap<>();
            byOp.forEach((op, v) -> d.put(op, v * n));
            return new Counts(d, calls * n, kernels * n);
        }

        private static Set<String> union(Set<String> a, Set<String> b) {
            Set<String> u = new java.util.TreeSet<>(a);
            u.addAll(b);
            return u;
        }

        /** {@code op x n, ...}, most frequent first. */
        public String histogram() {
            StringBuilder s = new StringBuilder();
            byOp.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> s.append(s.length() == 0 ? "" : ", ").append(e.getKey().replace("aten::", "")).append(" x").append(e.getValue()));
            return s.toString();
        }
    }

    private LibtorchCalls() {}

    /** Runs {@code code} under libtorch's profiler and counts its top-level ops. */
    public static synchronized Counts count(Runnable code) {
        Path trace;
        try {
            trace = Files.createTempFile("sinkscope-calls", ".json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            JniUtils.startProfile(false, false, false);
            try {
                code.run();
            } finally {
                JniUtils.stopProfile(trace.toString());
            }
            try (Reader r = Files.newBufferedReader(trace)) {
                return parse(JsonParser.parseReader(r));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read libtorch's profile " + trace + ": " + e.getMessage(), e);
        } finally {
            trace.toFile().delete();
        }
    }

    /** One profiled op: name, start and end (microseconds), thread. */
    private record Event(String name, double start, double end, String tid) {}

    /** Top-level ops of a chrome trace (an op is top-level when no other op on its thread encloses it). */
    static Counts parse(JsonElement root) {
        List<Event> events = new ArrayList<>();
        JsonElement list = root.isJsonArray() ? root : root.getAsJsonObject().get("traceEvents");
        for (JsonElement e : list.getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            if (!o.has("ph") || !o.get("ph").getAsString().equals("X")) {
                continue;
            }
            double ts = o.get("ts").getAsDouble();
            events.add(new Event(o.get("name").getAsString(), ts, ts + o.get("dur").getAsDouble(), o.has("tid") ? o.get("tid").getAsString() : ""));
        }
        // outer ops first when two start together
        events.sort(Comparator.comparing(Event::tid).thenComparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::end).reversed()));
        Map<String, Integer> byOp = new TreeMap<>();
        int calls = 0;
        int kernels = 0;
        Event top = null;
        boolean topLaunches = false;
        for (Event e : events) {
            if (top != null && e.tid.equals(top.tid) && e.end <= top.end) {
                topLaunches |= !VIEWS.contains(e.name);
                continue;
            }
            if (top != null && topLaunches) {
                kernels++;
            }
            top = e;
            topLaunches = !VIEWS.contains(e.name);
            byOp.merge(e.name, 1, Integer::sum);
            calls++;
        }
        if (top != null && topLaunches) {
            kernels++;
        }
        return new Counts(byOp, calls, kernels);
    }
}
