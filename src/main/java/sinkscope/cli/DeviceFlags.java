package sinkscope.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import picocli.CommandLine.Option;
import sinkscope.model.Torch;

/** The device flags of the commands that run a model in this JVM (a picocli mixin): device, dtype, libtorch threads. */
public final class DeviceFlags {
    @Option(names = "--device", paramLabel = "cpu|cuda:N", order = 40, defaultValue = "cpu",
            description = "where the model runs; a cuda device that cannot be used stops the command (default: ${DEFAULT-VALUE})")
    String device;
    @Option(names = "--dtype", paramLabel = "fp32|fp16", order = 41, description = "weights and activations (default: fp32 on the CPU, fp16 on a GPU)")
    String dtype;
    @Option(names = "--threads", paramLabel = "INT", order = 42, defaultValue = "0",
            description = "libtorch intra-op threads, 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    /** Sets libtorch's threads; call before anything touches the engine. */
    void configureThreads() {
        Torch.configure(threads);
    }

    Device device() {
        return Torch.device(device);
    }

    DataType dtype(Device d) {
        return dtype == null ? Torch.defaultDtype(d) : Torch.dtype(dtype);
    }
}
