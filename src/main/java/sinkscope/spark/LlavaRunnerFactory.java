package sinkscope.spark;

/** The default {@link SampleRunnerFactory}: a {@link LlavaSampleRunner} on the task's device. */
public final class LlavaRunnerFactory implements SampleRunnerFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public SampleRunner create(RunnerSpec spec, DeviceAssignment device) {
        return new LlavaSampleRunner(spec, device);
    }
}
