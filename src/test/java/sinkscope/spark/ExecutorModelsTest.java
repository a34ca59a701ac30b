package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The per-JVM model cache and the small contract types, without Spark jobs. */
class ExecutorModelsTest {

    @Test
    void concurrentTasksShareOneRunnerPerSpecAndDevice() throws Exception {
        ExecutorModels.closeAll();
        int before = FakeRunnerFactory.CREATED.get();
        RunnerSpec spec = Fixture.spec();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<SampleRunner>> calls = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                calls.add(() -> ExecutorModels.get(spec, DeviceAssignment.forCurrentTask(1)));
            }
            List<Future<SampleRunner>> got = pool.invokeAll(calls);
            for (Future<SampleRunner> f : got) {
                assertSame(got.get(0).get(), f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, FakeRunnerFactory.CREATED.get() - before);
        ExecutorModels.get(spec, new DeviceAssignment("cuda:1", 1));
        assertEquals(2, ExecutorModels.loaded());
        ExecutorModels.closeAll();
        assertEquals(0, ExecutorModels.loaded());
    }

    @Test
    void outsideATaskTheDeviceIsCpu() {
        assertEquals(new DeviceAssignment("cpu", 3), DeviceAssignment.forCurrentTask(3));
    }

    @Test
    void evalConfigNamesCarryTheirParameters() {
        EvalConfig var = EvalConfig.parse("var_rho0.8");
        assertEquals("var", var.kind());
        // the name gives rho; every other parameter takes conf/interventions/var.json's default
        assertEquals(Map.of("rho", 0.8), var.parameters());
        assertEquals(Map.of("p", 0.6, "rho", 0.8, "summ", 0.2, "from", 2.0, "last", 0.0), var.values());
        assertEquals("ablate_random", EvalConfig.parse("ablate_random").kind());
        assertEquals(Map.of(), EvalConfig.parse("baseline").parameters());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("var_rho"));
        assertTrue(e.getMessage().contains("'_rho'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EvalConfig.parse("greedy"));
    }

    @Test
    void popeAnswersParseLikeLlavaEvalPope() {
        assertEquals("yes", sinkscope.eval.PopeAnswer.strict("Yes, there is a cat in the image."));
        assertEquals("no", sinkscope.eval.PopeAnswer.strict("No, there is no cat."));
        assertEquals("no", sinkscope.eval.PopeAnswer.strict("There is not a cat."));
        // only the first sentence counts
        assertEquals("yes", sinkscope.eval.PopeAnswer.strict("Yes. There is no dog."));
        assertEquals("other", sinkscope.eval.PopeAnswer.strict("I cannot tell."));
        assertEquals("no", sinkscope.eval.PopeAnswer.strict("No"));
    }

    @Test
    void imagePathsMayNotEscapeTheRoot() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of("/data/images");
        assertEquals(java.nio.file.Path.of("/data/images/a/b.jpg"), SampleSource.resolveImage(root, "a/../a/b.jpg"));
        SampleException e = assertThrows(SampleException.class, () -> SampleSource.resolveImage(root, "../secret.jpg"));
        assertEquals("image", e.stage());
        assertThrows(SampleException.class, () -> SampleSource.resolveImage(root, "/etc/passwd"));
    }
}
