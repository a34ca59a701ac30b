package sinkscope.spark;

import java.io.Serializable;

/**
 * Builds the {@link SampleRunner} for one executor JVM and device. Called once per (spec, device) by
 * {@link ExecutorModels}; loading the model happens here.
 */
public interface SampleRunnerFactory extends Serializable {
    SampleRunner create(RunnerSpec spec, DeviceAssignment device) throws Exception;
}
