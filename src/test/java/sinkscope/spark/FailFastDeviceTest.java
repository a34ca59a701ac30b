package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that Spark gives a GPU address on an executor whose libtorch has no CUDA: the job stops at the runner's
 * creation with the cause, before any sample is processed, and no sample becomes an error row.
 */
class FailFastDeviceTest {
    @TempDir
    Path dir;

    @Test
    void extractWithDeviceCudaOnACpuLibtorchStopsWithTheCause() throws Exception {
        ExecutorModels.closeAll();
        Path questions = Fixture.write(dir);
        Path out = dir.resolve("cli-out");
        java.io.PrintStream oldErr = System.err;
        java.io.PrintStream oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int rc;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            rc = sinkscope.cli.Main.run("extract", "--questions", questions.toString(), "--images", dir.resolve("images").toString(),
                    "--out", out.toString(), "--master", "local[1]", "--device", "cuda:0", "--threads", "1");
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, e);
        assertTrue(e.contains("cuda:0 asked for, but CUDA is not available: the loaded libtorch 2.7.1 is the CPU build"), e);
        assertFalse(stdout.toString(StandardCharsets.UTF_8).contains("processed"), stdout.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(out.resolve("samples")) && Files.list(out.resolve("samples")).anyMatch(p -> p.toString().endsWith(".parquet")));
        assertEquals(0, ExecutorModels.loaded());
    }

    @Test
    void aGpuAddressWithoutCudaStopsTheJobBeforeAnySample() throws Exception {
        ExecutorModels.closeAll();
        GpuAddressRunnerFactory.CREATED.set(0);
        Path questions = Fixture.write(dir);
        Path out = dir.resolve("out");
        RunnerSpec spec = new RunnerSpec(GpuAddressRunnerFactory.class.getName(), null, "auto", 1, List.of(), Double.NaN, "llava_hf", 4);
        Pipeline.Settings base = Fixture.settings(questions, out, false, 2);
        Pipeline.Settings s = new Pipeline.Settings(base.questions(), null, base.columns(), base.images(), base.out(), false, 0, 2, spec,
                base.extract(), base.configs(), null, 2, 4);
        SparkSession spark = Fixture.session("local[2]");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Exception x = assertThrows(Exception.class, () -> Pipeline.extract(spark, s, Pipeline.source(spark, s), log));
            String msg = String.valueOf(x.getMessage());
            assertTrue(msg.contains("cuda:0 asked for, but CUDA is not available: the loaded libtorch 2.7.1 is the CPU build"), msg);
            assertEquals(0, GpuAddressRunnerFactory.CREATED.get(), "no runner was made");
            assertEquals(0, ExecutorModels.loaded());
            assertFalse(Files.exists(out.resolve("samples")) && Files.list(out.resolve("samples")).anyMatch(p -> p.toString().endsWith(".parquet")),
                    "no sample was written");
            assertFalse(buf.toString(StandardCharsets.UTF_8).contains("processed"), "the job did not get to count samples: " + buf);
        } finally {
            spark.stop();
            ExecutorModels.closeAll();
        }
    }
}
