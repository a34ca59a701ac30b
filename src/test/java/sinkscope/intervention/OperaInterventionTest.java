package sinkscope.intervention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import sinkscope.spark.EvalConfig;

/** {@code opera} in the registry: its defaults file, its parameters checked by name, its next-token choice and its cost. */
class OperaInterventionTest {

    @Test
    void defaultsValidationAndNextToken() {
        Intervention opera = Interventions.get("opera");
        assertEquals(Map.of("beams", 5.0, "candidates", 5.0, "sigma", 50.0, "alpha", 1.0, "threshold", 15.0, "window", 512.0), Interventions.defaults(opera),
                "chair_eval.py's settings, the loop's window");
        Settings defaults = EvalConfig.parse("opera").settings();
        NextToken next = opera.nextToken(defaults, null);
        assertEquals(new sinkscope.model.decoding.Opera(5, 5, 50, 1, 15, 512), next.opera());
        assertNull(next.contrast());
        assertNull(opera.hook(defaults, null), "no attention edit");
        assertEquals(29, opera.extraPassesPerToken(defaults), "5 beams x (1 + 5 candidates) row-passes per step, less the baseline's one");
        Settings small = EvalConfig.parse("opera_beams2_candidates3").settings();
        assertEquals(new sinkscope.model.decoding.Opera(2, 3, 50, 1, 15, 512), opera.nextToken(small, null).opera());
        assertEquals(7, opera.extraPassesPerToken(small));

        String beams = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("opera_beams0")).getMessage();
        assertTrue(beams.contains("opera_beams0") && beams.contains("beams must be an integer in [1, 1000], got 0"), beams);
        String cands = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("opera_candidates0")).getMessage();
        assertTrue(cands.contains("opera_candidates0") && cands.contains("candidates must be an integer in [1, 1000], got 0"), cands);
        String r = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("opera_threshold0")).getMessage();
        assertTrue(r.contains("opera_threshold0") && r.contains("threshold must be an integer in [1, 1000000], got 0"), r);
        Settings sigma0 = EvalConfig.parse("opera_sigma0").settings();
        String sigma = assertThrows(IllegalArgumentException.class, () -> opera.check(sigma0, 32)).getMessage();
        assertEquals("opera_sigma0: sigma must be a finite number > 0, got 0.0", sigma);
        assertThrows(IllegalArgumentException.class, () -> new NextToken(sinkscope.model.decoding.Decoding.beam(2), null, next.opera()),
                "OPERA runs its own beam search");
    }
}
