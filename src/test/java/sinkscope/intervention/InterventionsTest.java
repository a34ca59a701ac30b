package sinkscope.intervention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry, the defaults files and the model-dependent checks. */
class InterventionsTest {

    @Test
    void registryListsEveryMethodOnceAndEveryDefaultsFileIsComplete() {
        assertEquals(List.of("baseline", "var", "ablate_sinks", "ablate_random", "pai", "vcd", "vaf", "opera"), Interventions.names());
        for (Intervention i : Interventions.ALL) {
            Map<String, Double> d = Interventions.defaults(i);
            for (Parameter p : i.parameters()) {
                assertTrue(d.containsKey(p.name()) || p.absent() != null, i.name() + "." + p.name() + " has a default");
            }
        }
        assertEquals(Map.of("alpha", 0.2, "start", 2.0, "end", 32.0, "gamma", 2.0, "guidance", 1.0, "decoding", 0.0, "temperature", 1.0, "topp", 1.0,
                "topk", 0.0, "beams", 1.0), Interventions.defaults(Interventions.get("pai")), "PAI's pope_eval.py: greedy, guidance on, gamma 2");
        assertEquals(Map.of("alpha", 1.0, "beta", 0.2, "noise", 500.0, "decoding", 1.0, "temperature", 1.0, "topp", 1.0, "topk", 0.0, "beams", 1.0),
                Interventions.defaults(Interventions.get("vcd")), "VCD's POPE script: sampling with no warper, alpha 1, beta 0.2, step 500");
        assertEquals(Map.of("enh", 1.15, "sup", 0.95, "start", 9.0, "end", 15.0), Interventions.defaults(Interventions.get("vaf")));
        assertEquals(Map.of("p", 0.6, "rho", 0.5, "summ", 0.2, "from", 2.0, "last", 0.0), Interventions.defaults(Interventions.get("var")));
        String unknown = assertThrows(IllegalArgumentException.class, () -> Interventions.get("halc")).getMessage();
        assertEquals("unknown intervention 'halc'; known: baseline, var, ablate_sinks, ablate_random, pai, vcd, vaf, opera", unknown);
        assertEquals("ablate_sinks", Interventions.prefixOf("ablate_sinks").name(), "the longest registered prefix");
        assertEquals(null, Interventions.prefixOf("ablate"));
    }

    @Test
    void layerDefaultsScaleWithDepthAndGivenLayersAreAbsolute() {
        Intervention pai = Interventions.get("pai");
        Settings s = Interventions.settings(pai, "pai", Map.of());
        assertArrayEquals(new int[] {2, 32}, s.layerRange("start", "end", 32), "the official 2..31 of 32");
        assertArrayEquals(new int[] {2, 28}, s.layerRange("start", "end", 28));
        assertArrayEquals(new int[] {3, 40}, s.layerRange("start", "end", 40));
        assertArrayEquals(new int[] {0, 4}, s.layerRange("start", "end", 4));
        Settings v = Interventions.settings(Interventions.get("vaf"), "vaf", Map.of());
        assertArrayEquals(new int[] {9, 15}, v.layerRange("start", "end", 32), "ClearSight's i > 8 and i < 15");
        assertArrayEquals(new int[] {1, 2}, v.layerRange("start", "end", 4));
        Settings given = Interventions.settings(pai, "pai_start1_end3", Map.of("start", 1.0, "end", 3.0));
        assertArrayEquals(new int[] {1, 3}, given.layerRange("start", "end", 32), "given layers are the model's own");

        String beyond = assertThrows(IllegalArgumentException.class,
                () -> pai.check(Interventions.settings(pai, "pai_end40", Map.of("end", 40.0)), 32)).getMessage();
        assertEquals("pai_end40: end = 40 is outside the model's 32 layers (0..32)", beyond);
        String empty = assertThrows(IllegalArgumentException.class,
                () -> pai.check(Interventions.settings(pai, "pai_start5_end5", Map.of("start", 5.0, "end", 5.0)), 32)).getMessage();
        assertTrue(empty.startsWith("pai_start5_end5: the layer range [start, end) = [5, 5) selects no layer"), empty);
        Intervention var = Interventions.get("var");
        String from = assertThrows(IllegalArgumentException.class, () -> var.check(Interventions.settings(var, "var_from4", Map.of("from", 4.0)), 4))
                .getMessage();
        assertTrue(from.contains("var_from4: from = 4 is outside the model's 4 layers"), from);
        String alpha = assertThrows(IllegalArgumentException.class, () -> Interventions.settings(pai, "pai_alpha-1", Map.of("alpha", -1.0)))
                .getMessage();
        assertEquals("config 'pai_alpha-1': alpha must be a number in [0, 1000000], got -1", alpha);
        String flag = assertThrows(IllegalArgumentException.class, () -> Interventions.settings(pai, "pai_first2", Map.of("first", 2.0)))
                .getMessage();
        assertEquals("config 'pai_first2': first must be 0 or 1, got 2", flag);
    }

    @Test
    void badDefaultsFilesNameTheFileAndTheField(@TempDir Path tmp) throws Exception {
        Intervention pai = Interventions.get("pai");
        Path f = tmp.resolve("pai.json");
        Intervention vaf = Interventions.get("vaf");
        Files.writeString(f, "{\"defaults\": {\"enh\": 1.1, \"start\": 2, \"end\": 32}}");
        assertEquals(f + ": defaults.sup is missing (factor on the system-prompt keys' scores (sup_para))",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(vaf, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"enh\": 1.1, \"sup\": 1, \"start\": 2, \"end\": 32, \"gamma\": 1.1}}");
        assertEquals(f + ": unknown vaf parameter 'gamma'; known: enh, sup, start, end",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(vaf, f)).getMessage());
        Intervention vcd = Interventions.get("vcd");
        Files.writeString(f, "{\"defaults\": {\"alpha\": 1, \"beta\": 0.2, \"noise\": 500, \"decoding\": \"nucleus\"}}");
        assertEquals(f + ": defaults: decoding must be one of greedy, sample, beam, got 'nucleus'",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(vcd, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"alpha\": 1, \"beta\": 0.2, \"noise\": 500, \"decoding\": true}}");
        assertEquals(f + ": defaults.decoding must be one of greedy, sample, beam, got true",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(vcd, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"alpha\": -0.2, \"start\": 2, \"end\": 32}}");
        assertEquals(f + ": defaults: alpha must be a number in [0, 1000000], got -0.2",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"alpha\": \"x\", \"start\": 2, \"end\": 32}}");
        assertEquals(f + ": defaults.alpha must be a number, got \"x\"",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"reference_layers\": 0, \"defaults\": {}}");
        assertEquals(f + ": reference_layers must be a positive integer, got 0",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"reference_layers\": 40, \"defaults\": {\"alpha\": 0.5, \"start\": 4, \"end\": 40, \"first\": 0, \"gamma\": 1.1, \"guidance\": 1,"
                + " \"decoding\": \"beam\", \"temperature\": 1, \"topp\": 1, \"topk\": 0, \"beams\": 5}}");
        Interventions.Defaults d = Interventions.read(pai, f);
        assertEquals(40, d.referenceLayers());
        assertEquals(0.5, d.values().get("alpha"));
        assertEquals(2.0, d.values().get("decoding"), "a choice's word is its index");
        assertEquals(Map.of(), Interventions.read(Interventions.get("baseline"), tmp.resolve("absent.json")).values(), "no parameters, no file");
    }

    @Test
    void decodingParametersAreCheckedNamingTheConfigAndTheParameter() {
        Intervention vcd = Interventions.get("vcd");
        Intervention pai = Interventions.get("pai");
        assertEquals("pai_decodingsample_temperature0: temperature must be > 0, got 0", assertThrows(IllegalArgumentException.class,
                () -> pai.check(Interventions.settings(pai, "pai_decodingsample_temperature0", Map.of("decoding", 1.0, "temperature", 0.0)), 32))
                .getMessage());
        assertEquals("vcd_topp0: topp must be in (0, 1], got 0",
                assertThrows(IllegalArgumentException.class, () -> vcd.check(Interventions.settings(vcd, "vcd_topp0", Map.of("topp", 0.0)), 32)).getMessage());
        assertEquals("config 'vcd_topp1.5': topp must be a number in [0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> Interventions.settings(vcd, "vcd_topp1.5", Map.of("topp", 1.5))).getMessage());
        assertEquals("config 'vcd_topk-1': topk must be an integer in [0, 1000000000], got -1",
                assertThrows(IllegalArgumentException.class, () -> Interventions.settings(vcd, "vcd_topk-1", Map.of("topk", -1.0))).getMessage());
        assertEquals("config 'pai_decodingbeam_beams0': beams must be an integer in [1, 1000], got 0", assertThrows(IllegalArgumentException.class,
                () -> Interventions.settings(pai, "pai_decodingbeam_beams0", Map.of("decoding", 2.0, "beams", 0.0))).getMessage());
        assertEquals("vcd_decodinggreedy_topk5: topk applies to decoding=sample only, not greedy", assertThrows(IllegalArgumentException.class,
                () -> vcd.check(Interventions.settings(vcd, "vcd_decodinggreedy_topk5", Map.of("decoding", 0.0, "topk", 5.0)), 32)).getMessage());
        assertEquals("pai_temperature0.7: temperature applies to decoding=sample only, not greedy", assertThrows(IllegalArgumentException.class,
                () -> pai.check(Interventions.settings(pai, "pai_temperature0.7", Map.of("temperature", 0.7)), 32)).getMessage(), "pai decodes greedily");
        assertEquals("vcd_beams3: beams applies to decoding=beam only, not sample", assertThrows(IllegalArgumentException.class,
                () -> vcd.check(Interventions.settings(vcd, "vcd_beams3", Map.of("beams", 3.0)), 32)).getMessage());
        assertEquals("config 'pai_gamma-1': gamma must be a number in [0, 1000000], got -1",
                assertThrows(IllegalArgumentException.class, () -> Interventions.settings(pai, "pai_gamma-1", Map.of("gamma", -1.0))).getMessage());
        assertEquals("config 'vcd_alpha-1': alpha must be a number in [0, 1000000], got -1",
                assertThrows(IllegalArgumentException.class, () -> Interventions.settings(vcd, "vcd_alpha-1", Map.of("alpha", -1.0))).getMessage());
        assertEquals("config 'vcd_noise1000': noise must be an integer in [0, 999], got 1000",
                assertThrows(IllegalArgumentException.class, () -> Interventions.settings(vcd, "vcd_noise1000", Map.of("noise", 1000.0))).getMessage());
        assertEquals("vcd_beta0: beta must be in (0, 1], got 0",
                assertThrows(IllegalArgumentException.class, () -> vcd.check(Interventions.settings(vcd, "vcd_beta0", Map.of("beta", 0.0)), 32)).getMessage());
        vcd.check(Interventions.settings(vcd, "vcd_topk5_topp0.9", Map.of("topk", 5.0, "topp", 0.9)), 32);
        pai.check(Interventions.settings(pai, "pai_decodingbeam_beams5", Map.of("decoding", 2.0, "beams", 5.0)), 32);
    }

    @Test
    void extraPassesAndSeedsFollowTheSettings() {
        Intervention pai = Interventions.get("pai");
        Intervention vcd = Interventions.get("vcd");
        assertEquals(1, pai.extraPassesPerToken(Interventions.settings(pai, "pai", Map.of())), "the text-only pass");
        assertEquals(0, pai.extraPassesPerToken(Interventions.settings(pai, "pai_guidance0", Map.of("guidance", 0.0))), "attention only");
        assertEquals(0, pai.extraPassesPerToken(Interventions.settings(pai, "pai_gamma1", Map.of("gamma", 1.0))), "gamma 1 returns s");
        assertEquals(1, vcd.extraPassesPerToken(Interventions.settings(vcd, "vcd", Map.of())));
        assertEquals(0, Interventions.get("vaf").extraPassesPerToken(Interventions.settings(Interventions.get("vaf"), "vaf", Map.of())));
        long s = Context.seed(0, "q1", "vcd");
        assertEquals(s, Context.seed(0, "q1", "vcd"), "a rerun draws the same");
        assertTrue(s != Context.seed(1, "q1", "vcd") && s != Context.seed(0, "q2", "vcd") && s != Context.seed(0, "q1", "vcd_decodinggreedy"),
                "run seed, question and config each change it");
    }
}
