package sinkscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.model.llava.Llava;
import sinkscope.spark.DeviceAssignment;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.ModelSampleRunner;
import sinkscope.spark.RunnerSpec;

class SoakTest {

    @Test
    void parsesVmRssFromProcStatus() {
        assertEquals(123456, Soak.parseVmRssKb(List.of("Name:\tjava", "VmPeak:\t  999 kB", "VmRSS:\t  123456 kB", "VmData: 1 kB")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Soak.parseVmRssKb(List.of("Name:\tjava")));
        assertTrue(e.getMessage().contains("VmRSS"), e.getMessage());
        assertTrue(Soak.rssKb() > 0);
    }

    /** 30 extract passes: no NDArray outlives its sample (this caught the CLIP tower's leak) and RSS stays near flat. */
    @Test
    void extractPathKeepsLiveArraysAndMemoryFlat(@TempDir Path tmp) throws Exception {
        SyntheticBenchmark.generate(tmp.resolve("synth"), 4, 3, 96, 0.5);
        List<Path> images = Soak.images(tmp.resolve("synth/images"));
        RunnerSpec spec = new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, Golden.llava().toString(), "auto", 1, List.of(7, 41), 4, "llava_hf", 8);
        try (ModelSampleRunner runner = new ModelSampleRunner(spec, DeviceAssignment.cpu(1));
                PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            Soak.Result r = Soak.run(runner, images, 0, 30, ExtractOptions.defaults(), runner::liveArrays, quiet);
            assertEquals(30, r.rssMb().length);
            assertEquals(r.liveArraysFirst(), r.liveArraysLast(), "NDArrays alive under the model's manager after sample 1 and 30");
            // generous: the JVM heap still grows lazily in the test JVM; a leak of a tensor per layer per sample does not
            assertTrue(r.growth() < 0.5, "rss growth " + r.growth());
        }
    }

    @Test
    void imageFeaturesLeaveNoArrayBehind() {
        try (Llava model = Llava.load(Golden.llava(), Device.cpu(), DataType.FLOAT32)) {
            int before = model.liveArrays();
            for (int i = 0; i < 3; i++) {
                try (NDManager m = model.newSampleManager()) {
                    int side = model.config().vision().imageSize();
                    model.imageFeatures(m, m.randomUniform(-1, 1, new Shape(1, 3, side, side)));
                }
            }
            assertEquals(before, model.liveArrays(), "arrays under the model's manager after 3 imageFeatures calls");
        }
    }
}
