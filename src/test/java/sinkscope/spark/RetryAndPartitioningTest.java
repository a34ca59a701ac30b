package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables do not depend on how the work is split or retried: local[1] with 1 partition is the reference;
 * local[2,3] with 3 partitions and the fault hook (the first attempt of partition 0 of extract and of
 * evaluate fails after one sample) and local[2] with 5 partitions must give the same rows (sorted, wall times dropped).
 */
class RetryAndPartitioningTest {
    static final String[] TABLES = {"tokens", "heads", "dims", "attention", "samples", "errors", "sink_dimensions",
        "sink_tokens", "head_profile", "predictions", "metrics", "grounding"};

    @TempDir
    Path dir;

    private Map<String, List<String>> run(String master, int partitions, String fault, String name) throws Exception {
        ExecutorModels.closeAll();
        Path questions = java.nio.file.Files.exists(dir.resolve("questions.jsonl")) ? dir.resolve("questions.jsonl") : Fixture.write(dir);
        Path out = dir.resolve("out-" + name);
        SparkSession spark = Fixture.session(master);
        if (fault != null) {
            System.setProperty(FaultInjection.PROPERTY, fault);
        }
        try {
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            assertTrue(Pipeline.run(spark, Fixture.settings(questions, out, false, partitions), quiet), "invariants");
            Map<String, List<String>> tables = new HashMap<>();
            for (String t : TABLES) {
                tables.put(t, Fixture.sorted(spark, out, t));
            }
            return tables;
        } finally {
            System.clearProperty(FaultInjection.PROPERTY);
            spark.stop();
        }
    }

    @Test
    void retriedAndRepartitionedRunsGiveIdenticalTables() throws Exception {
        int refBefore = FakeSampleRunner.EXTRACTS.get();
        Map<String, List<String>> reference = run("local[1]", 1, null, "ref");
        int refCalls = FakeSampleRunner.EXTRACTS.get() - refBefore;
        assertEquals(Fixture.GOOD, reference.get("samples").size());

        int extractsBefore = FakeSampleRunner.EXTRACTS.get();
        Map<String, List<String>> retried = run("local[2,3]", 3, "extract,evaluate", "retried");
        // partition 0's failed first attempt ran samples that its retry ran again
        assertTrue(FakeSampleRunner.EXTRACTS.get() - extractsBefore > refCalls, "the fault hook fired");
        Map<String, List<String>> five = run("local[2]", 5, null, "five");
        for (String t : TABLES) {
            assertEquals(reference.get(t), retried.get(t), t + " after retried extract and evaluate tasks");
            assertEquals(reference.get(t), five.get(t), t + " with 5 partitions on local[2]");
        }
    }
}
