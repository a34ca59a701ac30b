package sinkscope.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sinkscope.eval.Chair;
import sinkscope.eval.TaskScore;

/**
 * The benchmark registry: every {@link Benchmark} SinkScope knows, by name. {@code evaluate} (reading layouts, suffixes,
 * scoring), {@code score}, the metrics ({@link BenchmarkScores}) and the report look benchmarks up here; a benchmark
 * this registry does not know but whose questions name their task is scored by that task's generic rules ({@link #of}).
 */
public final class Benchmarks {

    /** The registry, in the order docs and usage list it. */
    public static final List<Benchmark> ALL = List.of(new Pope(), new Mme(), new Mmbench(), new ScienceQa(), new Seed(), new CvBench(),
            new Mmvp(), new VqaV2(), new TextVqa(), new VizWiz(), new Gqa(), new CocoChair(), new MmVet(), new LlavaBench(),
            new Generic("synth_pope", TaskScore.YES_NO), new Generic("synth_choice", TaskScore.CHOICE),
            new Generic("synth_vqa", TaskScore.OPEN), new Generic("synth_caption", TaskScore.CAPTION));

    private static final Map<String, Benchmark> BY_NAME = new LinkedHashMap<>();

    static {
        for (Benchmark b : ALL) {
            if (BY_NAME.put(b.name(), b) != null) {
                throw new IllegalStateException("two benchmarks named " + b.name());
            }
        }
    }

    private Benchmarks() {}

    private static String key(String name) {
        return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    }

    /** A known benchmark; an error listing the known ones otherwise. */
    public static Benchmark get(String name) {
        Benchmark b = BY_NAME.get(key(name));
        if (b == null) {
            throw new IllegalArgumentException("unknown benchmark '" + name + "'; known: " + names());
        }
        return b;
    }

    /** A known benchmark with a published layout; an error listing those otherwise. */
    public static Benchmark published(String name) {
        Benchmark b = BY_NAME.get(key(name));
        if (b == null || b.layout() == null) {
            throw new IllegalArgumentException("benchmark '" + name + "' cannot be read from a published layout; known: " + publishedNames());
        }
        return b;
    }

    /** The benchmark of that name, or for an unknown name the generic rules of {@code task}; an error when neither is known. */
    public static Benchmark of(String name, String task) {
        Benchmark b = BY_NAME.get(key(name));
        if (b != null) {
            return b;
        }
        if (task == null || !TaskScore.TASKS.contains(task)) {
            throw new IllegalArgumentException("unknown benchmark '" + name + "': give field 'task' (" + String.join(", ", TaskScore.TASKS) + ")");
        }
        return new Generic(key(name), task);
    }

    /** The task of a known benchmark; null for one this registry does not know. */
    public static String taskOf(String name) {
        Benchmark b = BY_NAME.get(key(name));
        return b == null ? null : b.task();
    }

    /** Scores one answer by its benchmark's rule ({@link Benchmark#parse}). */
    public static TaskScore.Parsed score(TaskScore.Reference r, String answer, Chair chair) {
        return of(r.benchmark(), r.task()).parse(r, answer, chair);
    }

    /** The metric a benchmark's table or chart leads with ({@link Benchmark#headline}); an unknown benchmark gets the default choice. */
    public static String headline(String benchmark, java.util.Collection<String> metrics) {
        return lookup(benchmark).headline(List.copyOf(metrics));
    }

    /** The unit of a benchmark's metric ({@link Benchmark#unit}). */
    public static Benchmark.Unit unit(String benchmark, String metric) {
        return lookup(benchmark).unit(metric);
    }

    private static Benchmark lookup(String name) {
        Benchmark b = BY_NAME.get(key(name));
        return b != null ? b : new Generic(key(name), TaskScore.OPEN);
    }

    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The benchmarks with a published layout. */
    public static List<String> publishedNames() {
        List<String> out = new ArrayList<>();
        ALL.stream().filter(b -> b.layout() != null).forEach(b -> out.add(b.name()));
        return out;
    }

    /** A benchmark scored by its task's generic rules, without a published layout (the synthetic benchmark's parts). */
    static final class Generic extends Benchmark {
        Generic(String name, String task) {
            super(name, task, null);
        }
    }
}
