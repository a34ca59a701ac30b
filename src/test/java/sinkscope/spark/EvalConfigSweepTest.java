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
    }

    @Test
    void listsSplitOutsideBracketsAndDropDuplicates() {
        assertEquals(List.of("baseline", "var", "var_rho0.2", "var_rho0.8", "ablate_sinks"),
                names(EvalConfig.parseList("baseline,var,var[rho=0.2|0.8],var_rho0.8,ablate_sinks")));
    }

    @Test
    void badSweepsNameWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[alpha=1]")).getMessage().contains("unknown VAR parameter 'alpha'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[rho=0.9:0.5:0.1]")).getMessage().contains("stop >= start"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[rho=1.5]")).getMessage().contains("rho must be in [0, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("var[rho=x]")).getMessage().contains("not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.expand("ablate_sinks[p=0.3]")).getMessage().contains("only var"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parseList("var[rho=0.5,baseline")).getMessage().contains("unbalanced"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("ablate_sinks_p0.3")).getMessage().contains("takes no parameters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("var_from1.5")).getMessage().contains("layer index"));
    }
}
