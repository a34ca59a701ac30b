package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VarParamsTest {
    static final int[] DIMS = {1415, 2533};

    @Test
    void validationNamesTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VarParams(20, 1.5, 0.2, 0.6, true, DIMS, VarParams.HeadRule.OFFICIAL, 2))
                .getMessage().contains("rho"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VarParams(-1, 0.5, 0.2, 0.6, true, DIMS, VarParams.HeadRule.OFFICIAL, 2))
                .getMessage().contains("tau"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VarParams(20, 0.5, 0.2, 1.6, true, DIMS, VarParams.HeadRule.OFFICIAL, 2))
                .getMessage().contains("p must"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VarParams(20, 0.5, 0.2, 0.6, true, new int[] {3, 3},
                VarParams.HeadRule.OFFICIAL, 2)).getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VarParams.official(DIMS).checkHiddenSize(2048))
                .getMessage().contains("2533"));
    }

    @Test
    void relativeTauAndReachability() {
        assertEquals(20.0, VarParams.tauForHiddenSize(VarParams.PAPER_TAU_FRACTION, 4096), 1e-12);
        assertEquals(2.5, VarParams.official(new int[] {7}).withRelativeTau(VarParams.PAPER_TAU_FRACTION, 64).tau(), 1e-12);
        assertTrue(VarParams.official(DIMS).tauReachable(4096));
        assertFalse(VarParams.official(new int[] {7}).tauReachable(64), "tau 20 needs D > 400");
        assertFalse(VarParams.official(new int[] {7}).withTau(8).tauReachable(64), "tau = sqrt(D) never fires (strict >)");
        assertTrue(VarParams.official(new int[] {7}).withTau(4).tauReachable(64));
    }

    @Test
    void presetsFromConf() {
        Map<String, VarParams> p = VarParams.presets(Path.of("conf/interventions/var.json"), DIMS);
        assertEquals(0.8, p.get("general").rho());
        assertEquals(0.5, p.get("hallucination").rho());
        assertEquals(0.9, p.get("vision-centric").rho());
        VarParams general = VarParams.preset("general", DIMS);
        assertEquals(20, general.tau());
        assertEquals(0.2, general.summ());
        assertEquals(0.6, general.p());
        assertTrue(general.exceptLastLayer());
        assertEquals(2, general.sinkLayersFrom());
        assertArrayEquals(DIMS, general.sinkDims());
        assertEquals(VarParams.official(DIMS).withHeadRule(VarParams.HeadRule.OFFICIAL), p.get("hallucination"), "hallucination = the authors' defaults");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VarParams.preset("nope", DIMS)).getMessage().contains("general"));
    }

    @Test
    void badPresetFileNamesFileAndField(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("var.json");
        String defaults = "\"defaults\": {\"p\": 0.6, \"rho\": 0.5, \"summ\": 0.2, \"from\": 2, \"last\": 0}";
        Files.writeString(f, "{" + defaults + ", \"presets\": {\"x\": {\"tau\": 20, \"rho\": \"half\"}}}");
        String msg = assertThrows(IllegalArgumentException.class, () -> VarParams.presets(f, DIMS)).getMessage();
        assertTrue(msg.contains(f.toString()) && msg.contains("presets.x.rho"), msg);
        Files.writeString(f, "{" + defaults + ", \"presets\": {\"x\": {\"tau\": 20, \"rho\": 2}}}");
        msg = assertThrows(IllegalArgumentException.class, () -> VarParams.presets(f, DIMS)).getMessage();
        assertTrue(msg.contains(f.toString()) && msg.contains("presets.x") && msg.contains("rho"), msg);
        Files.writeString(f, "{" + defaults + ", \"presets\": {\"x\": {\"except_last_layer\": true}}}");
        msg = assertThrows(IllegalArgumentException.class, () -> VarParams.presets(f, DIMS)).getMessage();
        assertTrue(msg.contains("presets.x.except_last_layer is not a VAR parameter"), msg);
        Files.writeString(f, "{\"defaults\": {\"p\": 0.6, \"rho\": 0.5, \"summ\": 0.2, \"from\": 2}, \"presets\": {\"x\": {}}}");
        msg = assertThrows(IllegalArgumentException.class, () -> VarParams.presets(f, DIMS)).getMessage();
        assertTrue(msg.contains(f.toString()) && msg.contains("defaults.last must be a number"), msg);
    }

    @Test
    void knownSinkDims() {
        assertArrayEquals(new int[] {1415, 2533}, KnownSinkDims.forModel("lmsys/vicuna-7b-v1.5", 4096).orElseThrow().dims());
        assertArrayEquals(new int[] {1415, 2533}, KnownSinkDims.forModel("meta-llama/Llama-2-7b-hf", 4096).orElseThrow().dims());
        assertArrayEquals(new int[] {2100, 4743}, KnownSinkDims.forModel("lmsys/vicuna-13b-v1.5", 5120).orElseThrow().dims());
        assertArrayEquals(new int[] {458, 2570}, KnownSinkDims.forModel("Qwen/Qwen2-VL-7B-Instruct", 3584).orElseThrow().dims());
        assertArrayEquals(new int[] {3584}, KnownSinkDims.forModel("OpenGVLab/InternVL2-8B", 4096).orElseThrow().dims());
        KnownSinkDims.Match byHidden = KnownSinkDims.forModel("some/unknown-llm", 5120).orElseThrow();
        assertEquals("llama-v2-13b", byHidden.model());
        assertEquals("hidden size", byHidden.reason());
        assertTrue(KnownSinkDims.forModel("some/unknown-llm", 64).isEmpty());
        assertTrue(KnownSinkDims.forModel("meta-llama/Llama-2-70b-hf", 8192).isEmpty(), "70b is not 7b");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KnownSinkDims.forModel("lmsys/vicuna-7b-v1.5", 5120))
                .getMessage().contains("hidden size 5120"));
    }
}
