package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalConfigSweepTest {
    static List<String> names(List<EvalConfig> cs) {
        return cs.stream().map(EvalConfig::name).toList();
    }

    @Test
    void gridsExpandToNamedConfigs() {
        List<EvalConfig> cs = EvalConfig.expand("var[rho=0.5:0.9:0.1,p=0.6]");
        assertEquals(List.of("var_rho0.5_p0.6", "var_rho0.6_p0.6", "var_rho0.7_p0.6", "var_rho0.8_p0.6", "var_rho0.9_p0.6"), names(cs));
        assertEquals(0.7, cs.get(2).parameter("rho"));
        assertEquals(0.6, cs.get(2).parameter("p"));
        assertEquals(0.2, cs.get(2).parameter("summ")); // the default stays
        assertEquals(List.of("var_p0.3_from2", "var_p0.3_from3", "var_p0.6_from2", "var_p0.6_from3"),
                names(EvalConfig.expand("var[p=0.3|0.6,from=2|3]")));
        EvalConfig t = EvalConfig.expand("var[tau=4,last=1]").get(0);
        assertEquals("var_tau4_last1", t.name());
        assertEquals(4.0, t.parameter("tau"));
        assertEquals(2.0, t.parameter("from", 2));
        assertEquals(java.util.Map.of("tau", 4.0, "last", 1.0), t.parameters(), "the values the name gives");
        assertEquals(java.util.List.of("p", "rho", "summ", "tau", "from", "last"), java.util.List.copyOf(t.values().keySet()), "with the defaults");
        // every parameter of every intervention sweeps
        assertEquals(List.of("pai_alpha0.1_first0", "pai_alpha0.1_first1", "pai_alpha0.3_first0", "pai_alpha0.3_first1"),
                names(EvalConfig.expand("pai[alpha=0.1:0.3:0.2,first=0|1]")));
        EvalConfig vaf = EvalConfig.expand("vaf[enh=1.3,start=1]").get(0);
        assertEquals("vaf_enh1.3_start1", vaf.name());
        assertEquals(1.3, vaf.parameter("enh"));
        assertEquals(0.95, vaf.parameter("sup"), "the default of conf/interventions/vaf.json");
        // a choice parameter takes words, in names and sweeps
        List<EvalConfig> vcd = EvalConfig.expand("vcd[decoding=sample|greedy,alpha=0.5]");
        assertEquals(List.of("vcd_decodingsample_alpha0.5", "vcd_decodinggreedy_alpha0.5"), names(vcd));
        assertEquals(0.0, vcd.get(1).parameter("decoding"), "greedy is the first word");
        assertEquals(1.0, EvalConfig.parse("vcd").parameter("decoding"), "VCD samples by default");
        assertEquals(java.util.Map.of("decoding", 2.0, "beams", 5.0), EvalConfig.parse("pai_decodingbeam_beams5").parameters());
        String word = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("vcd_decodingnucleus")).getMessage();
        assertTrue(word.contains("'vcd_decodingnucleus'") && word.contains("decoding must be one of greedy, sample, beam, got 'nucleus'"), word);
    }

    @Test
    void listsSplitOutsideBracketsAndDropDuplicates() {
        assertEquals(List.of("baseline", "var", "var_rho0.2", "var_rho0.8", "ablate_sinks"),
                names(EvalConfig.parseList("baseline,var,var[rho=0.2|0.8],var_rho0.8,ablate_sinks")));
    }

    @Test
    void badSweepsNameWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[alpha=1]")).getMessage().contains("unknown var parameter 'alpha'; known: p, rho, summ, tau, from, last"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[rho=0.9:0.5:0.1]")).getMessage().contains("stop >= start"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[rho=1.5]")).getMessage().contains("rho must be a number in [0, 1], got 1.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[rho=x]")).getMessage().contains("not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("ablate_sinks[p=0.3]")).getMessage().contains("ablate_sinks takes no parameters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parseList("var[rho=0.5,baseline")).getMessage().contains("unbalanced"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("ablate_sinks_p0.3")).getMessage().contains("takes no parameters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("var_from1.5")).getMessage().contains("from must be an integer >= 0, got 1.5"));
        String unknown = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("halc")).getMessage();
        assertTrue(unknown.contains("'halc'") && unknown.contains("baseline, var, ablate_sinks, ablate_random, pai, vcd, vaf, opera"), unknown);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("nope[x=1]")).getMessage().contains("known: baseline, var"));
        String alpha = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("pai_alpha-0.5")).getMessage();
        assertTrue(alpha.contains("'pai_alpha-0.5'") && alpha.contains("alpha must be a number in [0, 1000000], got -0.5"), alpha);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("vaf_first1")).getMessage()
                .contains("unknown vaf parameter 'first'; known: enh, sup, start, end"));
    }
}
