package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Fail-fast devices on the CPU libtorch this project ships: what the engine says, and each refusal's message. */
class DeviceCheckTest {
    private static final long GIB = 1L << 30;
    /** llava-1.5-7b-hf's parameter count ({@code info} on its config.json). */
    private static final long LLAVA_7B = 7_063_427_072L;

    @BeforeAll
    static void engine() {
        Torch.configure(2);
    }

    @Test
    void theCpuLibtorchIsReportedAsSuchWithTheReasonCudaIsUnavailable() {
        DeviceCheck.EngineInfo e = DeviceCheck.engine();
        assertEquals("2.7.1", e.libtorchVersion());
        assertEquals("cpu", e.flavor());
        assertFalse(e.cudaBuild());
        assertFalse(e.cudaAvailable());
        assertEquals(0, e.gpuCount());
        assertTrue(Files.exists(Path.of(e.libraryPath(), "libtorch_cpu.so")), e.libraryPath());
        assertTrue(e.reason().contains("is the CPU build"), e.reason());
        assertTrue(e.reason().contains("PYTORCH_LIBRARY_PATH"), "the reason says how to get a CUDA build: " + e.reason());
    }

    @Test
    void cudaOnTheCpuLibtorchFailsNamingTheCause() {
        DeviceCheck.DeviceException x = assertThrows(DeviceCheck.DeviceException.class, () -> Torch.device("cuda:0"));
        assertTrue(x.getMessage().startsWith("cuda:0 asked for, but CUDA is not available: the loaded libtorch 2.7.1 is the CPU build"),
                x.getMessage());
        assertThrows(DeviceCheck.DeviceException.class, () -> Torch.device("cuda"));
        assertEquals(Device.cpu(), Torch.device("cpu"));
    }

    @Test
    void weightsThatDoNotFitTheFreeMemoryAreRefused() {
        DeviceCheck.GpuMemory a10 = new DeviceCheck.GpuMemory(24 * GIB, 22 * GIB, "test");
        long fp32 = DeviceCheck.weightBytes(LLAVA_7B, DataType.FLOAT32);
        long fp16 = DeviceCheck.weightBytes(LLAVA_7B, DataType.FLOAT16);
        assertEquals(2 * fp16, fp32);
        DeviceCheck.DeviceException x = assertThrows(DeviceCheck.DeviceException.class,
                () -> DeviceCheck.requireFits("cuda:0", a10, fp32, "/models/llava-1.5-7b-hf"));
        assertTrue(x.getMessage().contains("does not fit cuda:0: /models/llava-1.5-7b-hf needs 26.31 GiB of weights"), x.getMessage());
        assertTrue(x.getMessage().contains("22.00 GiB free of 24.00 GiB"), x.getMessage());
        // fp16: 13.16 GiB of weights, 15.47 GiB with the headroom: fits 22 GiB free, not 15 GiB free (another process holds 9)
        assertDoesNotThrow(() -> DeviceCheck.requireFits("cuda:0", a10, fp16, "m"));
        assertThrows(DeviceCheck.DeviceException.class,
                () -> DeviceCheck.requireFits("cuda:1", new DeviceCheck.GpuMemory(24 * GIB, 15 * GIB, "test"), fp16, "m"));
        // nothing to check on the CPU
        assertDoesNotThrow(() -> DeviceCheck.requireFits(Device.cpu(), Long.MAX_VALUE / 4, "m"));
    }

    @Test
    void flavorComesFromTheCacheFolderName() {
        assertEquals("cu128", DeviceCheck.flavor("/root/.djl.ai/pytorch/2.7.1-cu128-linux-x86_64", true));
        assertEquals("cpu", DeviceCheck.flavor("/root/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64", false));
        assertEquals("cu124", DeviceCheck.flavor("/root/.djl.ai/pytorch/2.5.1-20241113-cu124-linux-x86_64", false));
        assertEquals("cpu-precxx11", DeviceCheck.flavor("/x/2.7.1-cpu-precxx11-linux-aarch64", false));
        assertEquals("cuda", DeviceCheck.flavor("/opt/venv/lib/python3.12/site-packages/torch/lib", true));
        assertEquals("cpu", DeviceCheck.flavor("/opt/libtorch/lib", false));
    }
}
