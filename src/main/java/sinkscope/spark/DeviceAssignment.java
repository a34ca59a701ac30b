package sinkscope.spark;

import java.io.Serializable;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The device a task runs its samples on: {@code cuda:N} from the task's first {@code gpu} resource address
 * when Spark assigned one ({@code spark.task.resource.gpu.amount}), else {@code cpu}; {@code threads} is the
 * CPU intra-op thread count for the runner (0 = the runner's default).
 */
public record DeviceAssignment(String device, int threads) implements Serializable {

    public static DeviceAssignment cpu(int threads) {
        return new DeviceAssignment("cpu", threads);
    }

    /** The current task's device ({@code cpu} outside a task or without a GPU resource). */
    public static DeviceAssignment forCurrentTask(int cpuThreads) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            ResourceInformation gpu = task.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                return new DeviceAssignment("cuda:" + gpu.addresses()[0].trim(), cpuThreads);
            }
        }
        return cpu(cpuThreads);
    }
}
