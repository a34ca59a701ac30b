package sinkscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Executes each notebook of {@code notebooks/} headlessly ({@code jupyter-nbconvert --execute}, Python kernel)
 * against the CSV export of a real pipeline run ({@link ReportFixture}); a cell that raises fails the test, and the VAR
 * notebook must show every benchmark of the run and chart its rho sweep.
 * Without {@code jupyter-nbconvert}: fails when {@code CI} is set (CI must install it), else is skipped.
 */
class NotebooksTest {
    static final String INSTALL = "apt-get install -y jupyter-nbconvert python3-ipykernel jupyter-client python3-pandas python3-matplotlib";

    @ParameterizedTest
    @ValueSource(strings = {"sink_statistics", "var_evaluation"})
    void executes(String name) throws IOException, InterruptedException {
        Path nbconvert = nbconvert();
        if (nbconvert == null) {
            String why = "jupyter-nbconvert is not on the PATH; install it (Debian: " + INSTALL + ")";
            if (System.getenv("CI") != null) {
                fail("CI is set but " + why);
            }
            Assumptions.assumeTrue(false, why + " to execute the notebooks");
        }
        Path dir = ReportFixture.get();
        Path executed = dir.resolve("notebooks");
        Files.createDirectories(executed);
        Path log = executed.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(nbconvert.toString(), "--to", "notebook", "--execute",
                "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=300",
                "--output-dir", executed.toString(), name + ".ipynb")
                .directory(Path.of("notebooks").toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SINKSCOPE_OUT", dir.resolve("out").toString());
        pb.environment().put("SINKSCOPE_EXPORT", dir.resolve("export").toString());
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("notebook " + name + " still running after 10 minutes; log " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "notebook " + name + " failed:\n" + output);
        String nb = Files.readString(executed.resolve(name + ".ipynb"), StandardCharsets.UTF_8);
        assertTrue(nb.contains("\"image/png\""), name + " draws plots");
        assertTrue(nb.contains("reading CSV from") || nb.contains("reading Parquet"), name + " ran its load helper");
        if (name.equals("var_evaluation")) {
            for (String b : ReportFixture.BENCHMARKS) {
                assertTrue(nb.contains(b + " (headline: "), name + " shows benchmark " + b + " per category");
            }
            assertTrue(nb.contains("sweep over var rho: var_rho0.2, var, var_rho0.8"), name + " charts the rho sweep");
            for (String b : ReportFixture.BENCHMARKS) {
                assertTrue(nb.contains(b + " side by side (headline: "), name + " shows the interventions side by side on " + b);
            }
        }
    }

    /** jupyter-nbconvert from the PATH (Debian: /usr/bin), or null. */
    private static Path nbconvert() {
        for (String d : List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))) {
            Path p = Path.of(d, "jupyter-nbconvert");
            if (!d.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
