package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

/** doctor on this CPU-only machine: it must say what is true of it (CPU libtorch, no CUDA and why, fp32 works, bf16 does not). */
class DoctorCommandTest {

    private static String run(int expectedExit, String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(argv);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(expectedExit, code, out);
        return out;
    }

    @Test
    void onTheCpuItReportsTheCpuBuildAndWhyCudaIsNotAvailable() {
        String out = run(0, "doctor", "--dtypes", "fp32,bf16", "--threads", "2", "--profile", "conf/gpu-cluster.properties");
        assertTrue(out.contains("PyTorch (libtorch) 2.7.1, flavor cpu"), out);
        assertTrue(out.contains("(CPU build)"), out);
        assertTrue(out.contains("cuda: CUDA not available: the loaded libtorch 2.7.1 is the CPU build"), out);
        assertTrue(out.contains("threads: intra-op 2, inter-op 1"), out);
        // the test JVM runs without a preload (mvn): glibc, with the pointer to what jobs/sinkscope does
        String preload = System.getenv("LD_PRELOAD");
        assertTrue(out.contains("allocator: " + (preload == null || preload.isBlank() ? "glibc (jobs/sinkscope preloads tcmalloc" : preload.trim())), out);
        assertTrue(out.contains("device: cpu usable"), out);
        assertTrue(out.matches("(?s).*fp32\\s+works \\(max_rel_err=0\\.00e\\+00\\).*"), out);
        // DJL's JNI has no bfloat16: the child JVM that tries it dies, this one goes on
        assertTrue(out.matches("(?s).*bf16\\s+FAILS \\(the JVM aborted \\(SIGABRT, exit 134\\).*"), out);
        assertTrue(out.contains("spark.executor.resource.gpu.amount=1"), out);
        assertTrue(out.endsWith("doctor: ok\n"), out);
    }

    @Test
    void askedForCudaOnTheCpuItFailsWithTheCauseAndTheModelMemory() {
        String out = run(1, "doctor", "--device", "cuda:0", "--dtypes", "fp32",
                "--model", Golden.referenceConfigs().resolve("llava-1.5-7b-hf.config.json").toString());
        assertTrue(out.contains("problem: cuda:0 asked for, but CUDA is not available: the loaded libtorch 2.7.1 is the CPU build"), out);
        assertTrue(out.contains("7,063,427,072 parameters; weights fp32 26.31 GiB, fp16 13.16 GiB"), out);
        assertTrue(!out.contains("dtypes on"), "no dtype is tried on a device that cannot be used: " + out);
        assertTrue(out.endsWith("doctor: 1 problem(s)\n"), out);
    }
}
