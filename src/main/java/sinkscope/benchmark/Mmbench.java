package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.MmbenchReader;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.data.Question;
import sinkscope.data.ReadError;
import sinkscope.eval.Chair;
import sinkscope.eval.ChoiceAnswer;
import sinkscope.eval.TaskScore;

/**
 * MMBench: the TSV; {@code hint + "\n" + question} (the hint when present), the options {@code A. ...} lines, label the
 * answer letter, group {@code index % 1e6}; the base64 image is decoded into the sample's image bytes (nothing written to
 * disk). With {@code allRounds} (LLaVA's {@code --all-rounds}) each row is asked once per option: round {@code r} shows
 * option {@code (k + r) % n} as letter {@code k}, so its label is the letter {@code (answer - r) mod n}; round 0 keeps the
 * id {@code index}, round {@code r} is {@code index#r} ({@link #id}), all in the row's group. Parsing MMBench's
 * {@code can_infer} ({@link ChoiceAnswer#mmbench}); metrics accuracy over rounds and {@code circular_accuracy} (a row is
 * right when every round of it is), overall and per category. {@code score} reads every round and matches LLaVA's
 * {@code round_id}.
 */
final class Mmbench extends Benchmark {
    private static final Pattern ROUND_ID = Pattern.compile("(\\d+)#(\\d+)");

    Mmbench() {
        super("mmbench", TaskScore.CHOICE, "the MMBench tsv");
    }

    /** The question id of round {@code round} of row {@code index}: {@code index}, or {@code index#round} after round 0. */
    static String id(String index, int round) {
        return round == 0 ? index : index + "#" + round;
    }

    @Override
    public Path layoutImages(Path first) {
        return first.toAbsolutePath().getParent();
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        Path f0 = in.files().get(0);
        BenchmarkRead<MmbenchReader.MmbenchQuestion> read = MmbenchReader.read(f0);
        out.errors().addAll(read.errors());
        for (MmbenchReader.MmbenchQuestion q : read.items()) {
            byte[] bytes = null;
            if (!how.score()) {
                try {
                    bytes = Base64.getDecoder().decode(q.imageBase64().replaceAll("\\s", ""));
                } catch (IllegalArgumentException e) {
                    out.errors().add(new ReadError(f0.toString(), q.line(), "image", "not base64: " + e.getMessage()));
                    continue;
                }
            }
            String text = q.hint() == null ? q.question() : q.hint() + "\n" + q.question();
            int n = q.options().size();
            for (int round = 0; round < (how.allRounds() ? n : 1); round++) {
                String label = q.answer() < 0 ? null : letter(Math.floorMod(q.answer() - round, n));
                out.items().add(new PublishedBenchmark.Item(question(id(Long.toString(q.index()), round), null, text, label, q.category(),
                        q.line(), MmbenchReader.rotated(q.options(), round), List.of(), Long.toString(q.group())), null, bytes));
            }
        }
    }

    @Override
    public TaskScore.Parsed parse(TaskScore.Reference r, String answer, Chair chair) {
        return TaskScore.choice(ChoiceAnswer.mmbench(answer == null ? "" : answer, r.options()), r.label());
    }

    @Override
    public String groupMetric() {
        return "circular_accuracy";
    }

    /** LLaVA's {@code round_id}; a predictions table's ids are already {@code index#r}. */
    @Override
    public List<String> keys(Prediction p) {
        return List.of(id(p.questionId(), p.round()));
    }

    /** Only round 0 counts as missing when unanswered (a run without {@code --all-rounds} asks only it). */
    @Override
    public boolean expected(Question q) {
        Matcher m = ROUND_ID.matcher(q.questionId());
        return !m.matches();
    }
}
