package sinkscope.spark;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST DOUBLE: the real {@link ModelRunnerFactory} as if Spark had given the task GPU address 0 (local mode assigns no
 * task resources); counts the runners it made.
 */
public final class GpuAddressRunnerFactory implements SampleRunnerFactory {
    public static final AtomicInteger CREATED = new AtomicInteger();

    @Override
    public SampleRunner create(RunnerSpec spec, DeviceAssignment device) {
        SampleRunner r = new ModelRunnerFactory().create(spec, new DeviceAssignment("cuda:0", device.threads()));
        CREATED.incrementAndGet();
        return r;
    }
}
