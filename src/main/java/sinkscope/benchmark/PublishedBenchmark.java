package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sinkscope.data.Question;
import sinkscope.data.ReadError;

/**
 * A benchmark in the layout it is published in, read as questions: the files of one {@link Benchmark} of the registry
 * ({@link Benchmark#layout}) become {@link Question}s with the label, options, reference answers, group and category its
 * scoring uses and the question text LLaVA-1.5's eval script builds before its suffix. {@code evaluate} reads a layout to
 * ask its questions (each image looked up under the image folder); {@code score} reads it as annotations
 * ({@link Benchmark.Reading#score}: no image looked up, every record kept). Every bad record is a {@link ReadError}
 * naming file, line and field, and so is (for {@code evaluate}) a question whose image file is missing or whose image
 * path leaves the image folder; the rest is read on.
 */
public final class PublishedBenchmark {

    private PublishedBenchmark() {}

    /**
     * One benchmark to read: its name, its files in {@code --annotations} order, and its image folder ({@code null} where
     * the layout holds the images, {@link Benchmark#layoutImages}, or where {@code score} reads it: {@code annotations}).
     */
    public record Input(String benchmark, List<Path> files, Path images, boolean annotations) {
        public Input {
            Benchmark b = Benchmarks.published(benchmark);
            benchmark = b.name();
            files = List.copyOf(files);
            if (files.size() < b.minFiles(annotations) || files.size() > b.maxFiles()) {
                throw new IllegalArgumentException(benchmark + " needs " + b.layout() + ", got " + files);
            }
            if (!annotations && images == null && b.layoutImages(files.get(0)) == null) {
                throw new IllegalArgumentException(benchmark + " needs its image folder (" + benchmark + "=FILES@IMAGES or --images DIR)");
            }
            for (Path f : files) {
                if (!Files.exists(f)) {
                    throw new IllegalArgumentException(benchmark + ": no file " + f);
                }
            }
        }

        /** The questions {@code evaluate} asks, images under {@code images} (or the layout's own folder). */
        public Input(String benchmark, List<Path> files, Path images) {
            this(benchmark, files, images, false);
        }

        /** {@code score}'s annotation files of a benchmark. */
        public static Input annotations(String benchmark, List<Path> files) {
            return new Input(benchmark, files, null, true);
        }

        /** {@code NAME=FILE[,FILE][@IMAGES]}. */
        public static Input parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected NAME=FILE[,FILE][@IMAGES], got '" + spec + "'");
            }
            String rest = spec.substring(eq + 1);
            int at = rest.lastIndexOf('@');
            Path images = at >= 0 ? sinkscope.data.Storage.path(rest.substring(at + 1).trim()) : null;
            return new Input(spec.substring(0, eq), files(at >= 0 ? rest.substring(0, at) : rest), images);
        }

        /** Comma-separated paths. */
        public static List<Path> files(String csv) {
            List<Path> out = new ArrayList<>();
            for (String f : csv.split(",")) {
                if (!f.isBlank()) {
                    out.add(sinkscope.data.Storage.path(f.trim()));
                }
            }
            return out;
        }

        /** The folder the questions' images are under (the layout's own when none was given); null when read as annotations. */
        public Path imageRoot() {
            if (annotations) {
                return null;
            }
            return (images != null ? images : Benchmarks.get(benchmark).layoutImages(files.get(0))).toAbsolutePath().normalize();
        }
    }

    /**
     * One question: its image is {@code imagePath} (absolute, checked to exist under the input's image folder) or
     * {@code imageBytes} (MMBench); both null when read as annotations.
     */
    public record Item(Question question, Path imagePath, byte[] imageBytes) {}

    /** What one benchmark became: its questions and one error per record that could not be asked. */
    public record Result(Input input, List<Item> items, List<ReadError> errors) {

        /**
         * Adds the question with its image {@code root/relative} (root: {@link Input#imageRoot}), or an error naming the field
         * when the image leaves the root or is missing; read as annotations, the question as it is.
         */
        public void add(Path file, int line, String field, String relative, Question q) {
            Path root = input.imageRoot();
            if (root == null) {
                items.add(new Item(q, null, null));
                return;
            }
            Path p = root.resolve(relative).normalize();
            if (!p.startsWith(root)) {
                errors.add(new ReadError(file.toString(), line, field, "image path " + relative + " leaves the image folder " + root));
            } else if (!Files.isRegularFile(p)) {
                errors.add(new ReadError(file.toString(), line, field, "no image " + p));
            } else {
                items.add(new Item(q, p, null));
            }
        }
    }

    /**
     * Reads {@code in} for {@code evaluate}; with {@code limit > 0} only its first {@code limit} questions are kept (the
     * errors all are). {@code synonyms}: CHAIR's synonym lines (needed for {@code chair} only).
     */
    public static Result read(Input in, List<String> synonyms, int limit) throws IOException {
        return read(in, synonyms, false, limit);
    }

    /** {@link #read(Input, List, int)}; {@code allRounds}: MMBench's questions once per option rotation ({@link Mmbench}). */
    public static Result read(Input in, List<String> synonyms, boolean allRounds, int limit) throws IOException {
        return readAs(in, Benchmark.Reading.evaluate(synonyms, allRounds), limit);
    }

    /** Reads {@code in} as {@code how} says. */
    public static Result readAs(Input in, Benchmark.Reading how, int limit) throws IOException {
        Result r = new Result(in, new ArrayList<>(), new ArrayList<>());
        Benchmarks.get(in.benchmark()).read(in, how, r);
        if (limit > 0 && r.items().size() > limit) {
            r.items().subList(limit, r.items().size()).clear();
        }
        return r;
    }
}
