package sinkscope.spark;

import java.util.concurrent.atomic.AtomicInteger;

/** TEST DOUBLE: makes {@link FakeSampleRunner}s and counts how many this JVM made. */
public final class FakeRunnerFactory implements SampleRunnerFactory {
    public static final AtomicInteger CREATED = new AtomicInteger();

    @Override
    public SampleRunner create(RunnerSpec spec, DeviceAssignment device) {
        CREATED.incrementAndGet();
        return new FakeSampleRunner(spec);
    }
}
