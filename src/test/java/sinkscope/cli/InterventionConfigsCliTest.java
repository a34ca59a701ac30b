package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.spark.EvalConfig;

/** --configs at the driver: every registered method by name, and bad configs refused before any sample runs. */
class InterventionConfigsCliTest {

    @Test
    void everyRegisteredMethodRunsByNameAndBadOnesFailAtTheDriver() {
        List<EvalConfig> all = SparkFlags.parse("--configs=baseline,var,ablate_sinks,ablate_random,pai,vcd,vaf,pai[alpha=0.1|0.4]").settings(false).configs();
        assertEquals(List.of("baseline", "var", "ablate_sinks", "ablate_random", "pai", "vcd", "vaf", "pai_alpha0.1", "pai_alpha0.4"),
                all.stream().map(EvalConfig::name).toList());
        // the bundled model's depth is known at the driver: a layer beyond it fails before the job starts
        String beyond = assertThrows(UsageException.class, () -> SparkFlags.parse("--configs=baseline,vaf_end99").settings(false)).getMessage();
        assertTrue(beyond.startsWith("--configs: vaf_end99: end = 99 is outside the model's"), beyond);
        String unknown = assertThrows(IllegalArgumentException.class, () -> SparkFlags.parse("--configs=baseline,halc").settings(false)).getMessage();
        assertTrue(unknown.contains("unknown evaluation config 'halc'; known interventions: baseline, var, ablate_sinks, ablate_random, pai, vcd, vaf, opera"),
                unknown);
        // decoding parameters no mode can run: refused at the driver, naming the config and the parameter
        String greedy = assertThrows(UsageException.class, () -> SparkFlags.parse("--configs=baseline,vcd_decodinggreedy_topp0.9").settings(false))
                .getMessage();
        assertEquals("--configs: vcd_decodinggreedy_topp0.9: topp applies to decoding=sample only, not greedy", greedy);
        String temperature = assertThrows(UsageException.class, () -> SparkFlags.parse("--configs=vcd_temperature0").settings(false)).getMessage();
        assertEquals("--configs: vcd_temperature0: temperature must be > 0, got 0", temperature);
        CliTest.Run r = CliTest.run("evaluate", "--configs", "baseline,pai_alpha-1", "--out", "/nonexistent/never-written");
        assertTrue(r.code() != 0 && r.err().contains("pai_alpha-1") && r.err().contains("alpha must be a number in [0, 1000000], got -1"), r.err());
    }
}
