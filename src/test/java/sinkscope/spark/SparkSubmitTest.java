package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uber-jar runs through Spark's own submit entry point ({@code org.apache.spark.deploy.SparkSubmit}, what
 * {@code spark-submit} calls) with {@code --master local[2]}: {@code pipeline} on the fixture with the fake
 * runner (from test-classes). The classpath is Spark and the other provided jars only, everything else must
 * come from the uber-jar. Builds the jar with {@code mvn -q -Puber -DskipTests package} (offline, else online) when it is missing.
 */
@Tag("submit")
class SparkSubmitTest {
    @TempDir
    Path dir;

    /** target/sinkscope*-uber.jar, (re)built with mvn (offline, else online) when missing or older than src/main. */
    static Path uberJar() throws Exception {
        long sources;
        try (Stream<Path> s = Files.walk(Path.of("src/main"))) {
            sources = s.mapToLong(p -> p.toFile().lastModified()).max().orElse(0);
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            try (Stream<Path> s = Files.list(Path.of("target"))) {
                List<Path> jars = s.filter(p -> p.getFileName().toString().matches("sinkscope.*-uber\\.jar")).toList();
                if (!jars.isEmpty() && jars.get(0).toFile().lastModified() >= sources) {
                    return jars.get(0);
                }
            }
            // offline from ~/.m2 first; a clean machine (CI) has not fetched the shade plugin yet: then from the registry
            if (!mvn("-o", "-q", "-Puber", "-DskipTests", "package")) {
                assertTrue(mvn("-q", "-Puber", "-DskipTests", "package"), "mvn -Puber package failed (offline and online)");
            }
        }
        throw new AssertionError("mvn -Puber package made no target/sinkscope*-uber.jar");
    }

    private static boolean mvn(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        return p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0;
    }

    /** Entries of target/classpath.txt whose classes are not shaded into the uber-jar (Spark and friends). */
    static String providedClasspath(Path uber) throws Exception {
        List<String> keep = new ArrayList<>();
        try (JarFile shaded = new JarFile(uber.toFile())) {
            for (String entry : Files.readString(Path.of("target/classpath.txt")).trim().split(File.pathSeparator)) {
                String probe = null;
                try (JarFile jar = new JarFile(entry)) {
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements() && probe == null; ) {
                        String n = e.nextElement().getName();
                        if (n.endsWith(".class") && !n.startsWith("META-INF/") && !n.equals("module-info.class")) {
                            probe = n;
                        }
                    }
                }
                if (probe == null || shaded.getEntry(probe) == null) {
                    keep.add(entry);
                }
            }
        }
        return String.join(File.pathSeparator, keep);
    }

    @Test
    void pipelineRunsUnderSparkSubmit() throws Exception {
        Path uber = uberJar();
        Path questions = Fixture.write(dir);
        Path out = dir.resolve("out");
        String cp = providedClasspath(uber) + File.pathSeparator + Path.of("target/test-classes").toAbsolutePath()
                + File.pathSeparator + uber.toAbsolutePath();
        assertTrue(cp.contains("spark-core"), "Spark on the classpath");
        assertTrue(!cp.contains("/ai/djl/api/"), "DJL comes from the uber-jar");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
        cmd.addAll(List.of(new String(Files.readAllBytes(Path.of("pom.xml")), StandardCharsets.UTF_8)
                .replaceAll("(?s).*<jvm.opens>(.*?)</jvm.opens>.*", "$1").trim().split("\\s+")));
        cmd.addAll(List.of("-Dspark.ui.enabled=false", "-Dlog4j2.configurationFile=" + Path.of("conf/log4j2.properties").toAbsolutePath(),
                "-cp", cp, "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
                "--conf", "spark.sql.shuffle.partitions=2", "--class", "sinkscope.cli.Main", uber.toAbsolutePath().toString(),
                "pipeline", "--runner", FakeRunnerFactory.class.getName(), "--questions", questions.toString(),
                "--images", dir.resolve("images").toString(), "--out", out.toString(), "--configs", "baseline,var",
                "--partitions", "2"));
        Path log = dir.resolve("submit.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "spark-submit finished");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("extract: 19 inputs = 12 processed + 7 errors"), output);
        assertTrue(output.contains("evaluate: 30 runs (2 configs) = 24 predictions + 6 errors"), output);
        assertTrue(output.contains("sinkstats: recommended sink dims [7, 19]"), output);
        for (String t : new String[] {"tokens", "heads", "errors", "sink_dimensions", "sink_tokens", "head_profile", "predictions", "metrics"}) {
            assertTrue(Files.exists(out.resolve(t).resolve("_SUCCESS")) || Files.isDirectory(out.resolve(t).resolve("job=read")), t);
        }
    }
}
