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

    /**
     * The Spark local property (set by the commands' {@code --device}) naming the device of tasks that Spark assigns no
     * GPU (local mode assigns none); {@code cpu} there also keeps a task with a GPU address on the CPU.
     */
    public static final String DEVICE_PROPERTY = "sinkscope.device";

    /**
     * The current task's device: {@code cpu} when {@link #DEVICE_PROPERTY} says so, else {@code cuda:N} from the task's GPU
     * address, else the device {@link #DEVICE_PROPERTY} names, else {@code cpu} (also outside a task).
     */
    public static DeviceAssignment forCurrentTask(int cpuThreads) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            String asked = task.getLocalProperty(DEVICE_PROPERTY);
            if ("cpu".equals(asked)) {
                return cpu(cpuThreads);
            }
            ResourceInformation gpu = task.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                return new DeviceAssignment("cuda:" + gpu.addresses()[0].trim(), cpuThreads);
            }
            if (asked != null && !asked.isBlank()) {
                return new DeviceAssignment(asked.trim(), cpuThreads);
            }
        }
        return cpu(cpuThreads);
    }
}
