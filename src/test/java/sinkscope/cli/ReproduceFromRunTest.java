package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.model.BundledModel;

/**
 * {@code pipeline} writes run.json beside the tables, and {@code pipeline --from-run run.json --out OTHER} re-runs it to the
 * same predictions, benchmark metrics and significance (fake runner, synthetic benchmark with every task type, a sweep).
 */
class ReproduceFromRunTest {
    @TempDir
    Path dir;

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void runRecordHoldsVersionsDigestsAndSettingsAndReproducesTheRun() throws Exception {
        Path synth = dir.resolve("synth");
        assertEquals(0, Main.run("synth", "--out", synth.toString(), "--images", "4", "--seed", "3"));
        Path questions = synth.resolve("eval/benchmarks.jsonl");
        Path out1 = dir.resolve("out1");
        assertEquals(0, Main.run("pipeline", "--questions", questions.toString(), "--images", synth.resolve("images").toString(),
                "--runner", "sinkscope.spark.FakeRunnerFactory", "--out", out1.toString(), "--master", "local[2]", "--tau", "20",
                "--configs", "baseline,var[rho=0.3|0.6]", "--resamples", "300", "--seed", "11", "--attention-layers", "1"));
        JsonObject run = JsonParser.parseString(Files.readString(out1.resolve("run.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("4.1.0", run.getAsJsonObject("versions").get("spark").getAsString());
        assertEquals(ai.djl.engine.Engine.getDjlVersion(), run.getAsJsonObject("versions").get("djl").getAsString());
        assertEquals(System.getProperty("java.version"), run.getAsJsonObject("versions").get("java").getAsString().split(" ")[0]);
        JsonObject data = run.getAsJsonObject("data");
        assertEquals(sha256(questions), data.get("questions_sha256").getAsString());
        assertEquals(4, data.get("images_files").getAsInt());
        // the contents hash: the four images in name order
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var files = Files.list(synth.resolve("images"))) {
            for (Path p : files.sorted().toList()) {
                md.update(Files.readAllBytes(p));
            }
        }
        assertEquals(HexFormat.of().formatHex(md.digest()), data.get("images_contents_sha256").getAsString());
        JsonObject model = run.getAsJsonObject("model");
        assertEquals(sha256(BundledModel.path().resolve("model.safetensors")), model.getAsJsonObject("sha256").get("model.safetensors").getAsString());
        assertEquals(128, model.getAsJsonObject("config").getAsJsonObject("text_config").get("hidden_size").getAsInt());
        JsonObject gen = run.getAsJsonObject("generation");
        assertEquals(8, gen.get("max_new_tokens").getAsInt());
        assertEquals("USER: <image>\n{question} ASSISTANT:", gen.get("template_text").getAsString());
        JsonObject suffixes = gen.getAsJsonObject("suffix_by_benchmark");
        assertEquals(List.of("pope", "synth_caption", "synth_choice", "synth_vqa"), new ArrayList<>(suffixes.keySet()));
        assertEquals("\nAnswer with the option's letter from the given choices directly.", suffixes.get("synth_choice").getAsString());
        JsonObject var = run.getAsJsonObject("var");
        assertEquals(20.0, var.get("tau").getAsDouble());
        JsonObject configs = run.getAsJsonObject("configs");
        assertEquals(List.of("baseline", "var_rho0.3", "var_rho0.6"), new ArrayList<>(configs.keySet()));
        JsonObject rho03 = configs.getAsJsonObject("var_rho0.3");
        assertEquals("var", rho03.get("kind").getAsString());
        assertEquals(0.3, rho03.getAsJsonObject("parameters").get("rho").getAsDouble());
        assertEquals(0.6, rho03.getAsJsonObject("parameters").get("p").getAsDouble(), "the default from conf/interventions/var.json");
        assertEquals("300", run.getAsJsonObject("settings").get("resamples").getAsString());
        assertEquals("sinkscope.spark.FakeRunnerFactory", run.getAsJsonObject("command").getAsJsonObject("flags").get("runner").getAsString());

        String html = Files.readString(out1.resolve("report/index.html"), StandardCharsets.UTF_8);
        for (String b : List.of("pope", "synth_caption", "synth_choice", "synth_vqa")) {
            assertTrue(html.contains("id=\"benchmark-" + b + "\""), "report section of " + b);
            assertTrue(Files.isRegularFile(out1.resolve("report/charts/benchmark_" + b + ".png")), b);
        }
        assertTrue(Files.isRegularFile(out1.resolve("report/charts/sweep_var_rho.png")), "sensitivity chart");
        assertTrue(html.contains("Against baseline: difference and noise"));
        Path out2 = dir.resolve("out2");
        assertEquals(0, Main.run("pipeline", "--from-run", out1.resolve("run.json").toString(), "--out", out2.toString()));
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            for (String table : new String[] {"predictions", "benchmark_metrics", "significance", "metrics"}) {
                List<String> a = rows(spark, out1, table);
                assertTrue(a.size() > 3, table);
                assertEquals(a, rows(spark, out2, table), table);
            }
            assertEquals(4, spark.read().parquet(out1.resolve("benchmark_metrics").toString()).select("benchmark").distinct().count());
        } finally {
            spark.stop();
        }
        JsonObject again = JsonParser.parseString(Files.readString(out2.resolve("run.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(run.getAsJsonObject("data"), again.getAsJsonObject("data"));
        assertEquals(run.getAsJsonObject("var"), again.getAsJsonObject("var"));
        assertEquals(run.getAsJsonObject("configs"), again.getAsJsonObject("configs"));
        assertEquals(out2.toString(), again.getAsJsonObject("command").getAsJsonObject("flags").get("out").getAsString());
    }

    static List<String> rows(SparkSession spark, Path out, String table) {
        List<String> rows = new ArrayList<>();
        var d = spark.read().parquet(out.resolve(table).toString());
        for (Row r : (List.of(d.columns()).contains("latency_ms") ? d.drop("latency_ms") : d).collectAsList()) {
            rows.add(r.toString());
        }
        rows.sort(null);
        return rows;
    }
}
