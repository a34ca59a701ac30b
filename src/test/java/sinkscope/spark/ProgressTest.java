package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final Pattern LINE = Pattern.compile("test: (\\d+)/8 samples \\(\\d+\\.\\d/s\\)");

    @Test
    void countsTheSamplesOfARunningTaskFromItsHeartbeats() {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("sinkscope-progress-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.executor.heartbeatInterval", "500ms")
                .getOrCreate();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                    Progress progress = new Progress(spark, "test", 8, 50, out)) {
                LongAccumulator counter = progress.counter();
                // one partition: without the heartbeats' partial counts the line would jump from 0 to 8 at its end
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(IntStream.range(0, 8).boxed().toList(), 1).foreach(i -> {
                    Thread.sleep(300);
                    counter.add(1);
                });
            }
            List<Long> counts = bytes.toString(StandardCharsets.UTF_8).lines().map(line -> {
                Matcher m = LINE.matcher(line);
                assertTrue(m.matches(), line);
                return Long.parseLong(m.group(1));
            }).toList();
            assertEquals(8L, counts.get(counts.size() - 1), "final line: " + counts);
            assertTrue(counts.stream().anyMatch(n -> n > 0 && n < 8), "no count while the task ran: " + counts);
        } finally {
            spark.stop();
        }
    }
}
