package sinkscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sinkscope.cli.Main;

/**
 * One real pipeline run shared by the report, export and notebook tests (built once per test JVM): a synthetic
 * benchmark of 4 images, its first 12 POPE eval questions, the first {@value #PER_BENCHMARK} (or fewer) of each other synthetic
 * benchmark (open answers, multiple choice, captions) and two bad lines (a missing image, malformed JSON) so the errors
 * table is not empty, through {@code pipeline} with the golden tiny model under baseline, VAR, both ablations, PAI, VCD, VAF
 * and a two-point rho sweep (which writes the report), then {@code export} to CSV.
 */
final class ReportFixture {
    static final String BAD_IMAGE_ID = "9001";
    /** POPE questions taken from the synthetic eval split (two images). */
    static final int GOOD = 12;
    /** Questions taken from each non-POPE synthetic benchmark, at most (4 images give one caption). */
    static final int PER_BENCHMARK = 2;
    /** The benchmarks of the run, as the {@code benchmark} column names them. */
    static final List<String> BENCHMARKS = List.of("pope", "synth_vqa", "synth_choice", "synth_caption");
    /** The configurations of the run, every registered intervention: the sweep's points are {@code var_rho0.2} and {@code var_rho0.8}. */
    static final String CONFIGS = "baseline,var,ablate_sinks,ablate_random,pai,vcd,vaf,var[rho=0.2|0.8]";

    private static Path dir;

    private ReportFixture() {}

    /** The folder holding {@code out/} (output root, report in {@code out/report}) and {@code export/}. */
    static synchronized Path get() throws IOException {
        if (dir == null) {
            Path d = Files.createTempDirectory("sinkscope-report-test");
            Path synth = d.resolve("synth");
            assertEquals(0, Main.run("synth", "--out", synth.toString(), "--images", "4", "--seed", "3"));
            Path questions = d.resolve("questions.jsonl");
            List<String> lines = new ArrayList<>();
            List<String> all = Files.readAllLines(synth.resolve("eval/benchmarks.jsonl"), StandardCharsets.UTF_8);
            for (String b : BENCHMARKS) {
                List<String> of = all.stream()
                        .filter(l -> b.equals(JsonParser.parseString(l).getAsJsonObject().get("benchmark").getAsString()))
                        .limit(b.equals("pope") ? GOOD : PER_BENCHMARK).toList();
                assertFalse(of.isEmpty(), b + " lines in " + synth);
                lines.addAll(of);
            }
            lines.add("{\"question_id\": " + BAD_IMAGE_ID + ", \"image\": \"gone.png\", \"text\": \"Is there a cat?\", \"label\": \"no\","
                    + " \"category\": \"random\"}");
            lines.add("{\"question_id\": 9002, \"text\": ");
            Files.write(questions, lines, StandardCharsets.UTF_8);
            String model = sinkscope.Golden.llava().toString();
            assertEquals(0, Main.run("pipeline", "--questions", questions.toString(), "--images", synth.resolve("images").toString(),
                    "--model", model, "--out", d.resolve("out").toString(), "--sink-dims", "7,41", "--tau", "4",
                    "--master", "local[2]", "--partitions", "2", "--configs", CONFIGS,
                    "--attention-layers", "1,2,3", "--max-new-tokens", "3"));
            assertEquals(0, Main.run("export", "--in", d.resolve("out").toString(), "--out", d.resolve("export").toString(),
                    "--master", "local[2]"));
            dir = d;
        }
        return dir;
    }
}
