package sinkscope.spark;

/** The default {@link SampleRunnerFactory}: a {@link ModelSampleRunner} on the task's device. */
public final class ModelRunnerFactory implements SampleRunnerFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public SampleRunner create(RunnerSpec spec, DeviceAssignment device) {
        return new ModelSampleRunner(spec, device);
    }
}
