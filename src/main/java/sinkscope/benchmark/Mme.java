package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.MmeReader;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.data.Question;
import sinkscope.eval.Chair;
import sinkscope.eval.MmeScore;
import sinkscope.eval.TaskScore;

/**
 * MME: the {@code MME_Benchmark_release_version/} folder; id {@code subtask/image#line}, category the subtask, group
 * {@code subtask/image} (accuracy+ pairs the image's two questions), label yes/no; images inside the folder. Parsing and
 * metrics {@code calculation.py}'s ({@link MmeScore}): per subtask acc, acc_plus and score (points), perception and
 * cognition totals (points). {@code score} also reads the eval tool's filled-in results ({@code eval_tool/Your_Results/
 * <subtask>.txt}: image, question, answer, prediction), and matches LLaVA's answers to the release folder by subtask, image
 * and question without its answer-format suffixes.
 */
final class Mme extends Benchmark {
    private static final Pattern WS = Pattern.compile("\\s+");

    Mme() {
        super("mme", TaskScore.YES_NO, "the MME_Benchmark_release_version folder");
    }

    @Override
    public Path layoutImages(Path first) {
        return first;
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        Path f0 = in.files().get(0);
        if (!Files.isDirectory(f0)) {
            throw new IllegalArgumentException("mme: evaluate reads the MME_Benchmark_release_version folder (images beside the questions), not " + f0);
        }
        Path root = f0.toAbsolutePath().normalize();
        BenchmarkRead<MmeReader.MmeQuestion> read = MmeReader.read(f0);
        out.errors().addAll(read.errors());
        for (MmeReader.MmeQuestion q : read.items()) {
            Path image = MmeReader.imageDir(sinkscope.data.Storage.path(q.file())).resolve(q.image()).toAbsolutePath().normalize();
            out.add(sinkscope.data.Storage.path(q.file()), q.line(), "image", root.relativize(image).toString(), question(q));
        }
    }

    private Question question(MmeReader.MmeQuestion q) {
        String group = q.subtask() + "/" + q.image();
        return question(group + "#" + q.line(), q.image(), q.question(), q.answer(), q.subtask(), q.line(), List.of(), List.of(), group);
    }

    @Override
    public TaskScore.Parsed parse(TaskScore.Reference r, String answer, Chair chair) {
        String pred = MmeScore.parse(answer == null ? "" : answer);
        return TaskScore.yesNo(pred, pred, r.label());
    }

    @Override
    public List<BenchmarkScores.Metric> metrics(BenchmarkScores s) {
        return s.mme();
    }

    @Override
    public Unit unit(String metric) {
        return metric.equals("score") || metric.equals("perception") || metric.equals("cognition") ? Unit.POINTS : super.unit(metric);
    }

    @Override
    public List<String> keys(Question q) {
        return List.of(key(q.category(), q.image(), q.text()));
    }

    /** LLaVA's answers: {@code question_id} {@code subtask/image}, the prompt the question with LLaVA's suffix. */
    @Override
    public List<String> keys(Prediction p) {
        String[] si = ids(p);
        return p.prompt() == null ? List.of(p.questionId()) : List.of(key(si[0], si[1], p.prompt()));
    }

    /** A predictions table row (id {@code subtask/image#line}, its label and category). */
    @Override
    public Question fromPrediction(Prediction p) {
        String[] si = ids(p);
        return p.label() == null || si[1].isEmpty() ? null
                : question(p.questionId(), si[1], "?", p.label(), si[0], p.line(), List.of(), List.of(), si[0] + "/" + si[1]);
    }

    /** The eval tool's results: a {@code <subtask>.txt}, a folder of them, or a folder holding {@code eval_tool/Your_Results}. */
    @Override
    public BenchmarkRead<Answered> answered(Path file) throws IOException {
        Path p = Files.isDirectory(file.resolve("eval_tool/Your_Results")) ? file.resolve("eval_tool/Your_Results") : file;
        if (!evalToolResults(p)) {
            return null;
        }
        BenchmarkRead<MmeReader.MmeQuestion> r = MmeReader.read(p);
        BenchmarkRead<Answered> out = new BenchmarkRead<>();
        out.errors().addAll(r.errors());
        for (MmeReader.MmeQuestion q : r.items()) {
            out.items().add(new Answered(question(q), q.prediction()));
        }
        return out;
    }

    private static boolean evalToolResults(Path p) throws IOException {
        if (p.toString().endsWith(".txt")) {
            return true;
        }
        if (!Files.isDirectory(p) || Files.isDirectory(p.resolve("predictions")) || Files.isDirectory(p.resolve("questions_answers_YN"))) {
            return false;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.anyMatch(f -> f.getFileName().toString().endsWith(".txt"));
        }
    }

    /** {@code subtask/image[#n]} (category wins for the subtask when set). */
    private static String[] ids(Prediction p) {
        String id = p.questionId();
        int slash = id.indexOf('/');
        String subtask = p.category() != null ? p.category() : slash > 0 ? id.substring(0, slash) : "";
        String image = slash >= 0 ? id.substring(slash + 1) : id;
        int hash = image.lastIndexOf('#');
        return new String[] {subtask, hash >= 0 ? image.substring(0, hash) : image};
    }

    /** LLaVA's MME join key: subtask, image stem, question without the answer-format suffixes. */
    private static String key(String subtask, String image, String question) {
        String q = question.replace("Answer the question using a single word or phrase.", "").replace("Please answer yes or no.", "");
        int slash = image.lastIndexOf('/');
        String name = slash >= 0 ? image.substring(slash + 1) : image;
        int dot = name.lastIndexOf('.');
        return subtask + "\u0000" + (dot > 0 ? name.substring(0, dot) : name) + "\u0000" + WS.matcher(q).replaceAll(" ").trim();
    }
}
