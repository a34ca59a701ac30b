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
        assertEquals(List.of("baseline", "var", "ablate_sinks", "ablate_random", "pai", "vaf"), Interventions.names());
        for (Intervention i : Interventions.ALL) {
            Map<String, Double> d = Interventions.defaults(i);
            for (Parameter p : i.parameters()) {
                assertTrue(d.containsKey(p.name()) || p.absent() != null, i.name() + "." + p.name() + " has a default");
            }
        }
        assertEquals(Map.of("alpha", 0.2, "start", 2.0, "end", 32.0, "first", 1.0), Interventions.defaults(Interventions.get("pai")));
        assertEquals(Map.of("enh", 1.15, "sup", 0.95, "start", 9.0, "end", 15.0), Interventions.defaults(Interventions.get("vaf")));
        assertEquals(Map.of("p", 0.6, "rho", 0.5, "summ", 0.2, "from", 2.0, "last", 0.0), Interventions.defaults(Interventions.get("var")));
        String unknown = assertThrows(IllegalArgumentException.class, () -> Interventions.get("vcd")).getMessage();
        assertEquals("unknown intervention 'vcd'; known: baseline, var, ablate_sinks, ablate_random, pai, vaf", unknown);
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
        Files.writeString(f, "{\"defaults\": {\"alpha\": 0.2, \"start\": 2, \"end\": 32}}");
        assertEquals(f + ": defaults.first is missing (1: amplify the prefill (the first token) too; 0: from the second token on)",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"alpha\": 0.2, \"start\": 2, \"end\": 32, \"first\": 1, \"gamma\": 1.1}}");
        assertEquals(f + ": unknown pai parameter 'gamma'; known: alpha, start, end, first",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"alpha\": -0.2, \"start\": 2, \"end\": 32, \"first\": 1}}");
        assertEquals(f + ": defaults: alpha must be a number in [0, 1000000], got -0.2",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"defaults\": {\"alpha\": \"x\", \"start\": 2, \"end\": 32, \"first\": 1}}");
        assertEquals(f + ": defaults.alpha must be a number, got \"x\"",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"reference_layers\": 0, \"defaults\": {}}");
        assertEquals(f + ": reference_layers must be a positive integer, got 0",
                assertThrows(IllegalArgumentException.class, () -> Interventions.read(pai, f)).getMessage());
        Files.writeString(f, "{\"reference_layers\": 40, \"defaults\": {\"alpha\": 0.5, \"start\": 4, \"end\": 40, \"first\": 0}}");
        Interventions.Defaults d = Interventions.read(pai, f);
        assertEquals(40, d.referenceLayers());
        assertEquals(0.5, d.values().get("alpha"));
        assertEquals(Map.of(), Interventions.read(Interventions.get("baseline"), tmp.resolve("absent.json")).values(), "no parameters, no file");
    }
}
