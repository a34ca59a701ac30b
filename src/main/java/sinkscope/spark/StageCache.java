package sinkscope.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Where a stage keeps its model outputs while the tables that read them are written: the model runs once per sample,
 * and extract's five tables (evaluate's three) are each a pass over the kept outputs.
 *
 * <p>{@code spark.sinkscope.stageCache}, a Spark storage level name. The default {@code DISK_ONLY} writes them,
 * serialized, to each executor's local disk ({@code spark.local.dir}): the heap does not grow with the number of
 * samples (measured by {@code bench-scale}), at the cost of one serialization per sample, small next to a model pass.
 * {@code MEMORY_AND_DISK} keeps them on the heap up to Spark's storage memory and spills the rest.
 */
final class StageCache {

    static final String KEY = "spark.sinkscope.stageCache";

    private StageCache() {}

    /** The storage level the session's configuration names; a bad name is an error naming the key and the levels. */
    static StorageLevel level(SparkSession spark) {
        String name = spark.conf().get(KEY, "DISK_ONLY");
        try {
            return StorageLevel.fromString(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(KEY + "=" + name + " is not a storage level; use DISK_ONLY (default), "
                    + "MEMORY_AND_DISK, MEMORY_AND_DISK_SER, MEMORY_ONLY or another name of org.apache.spark.storage.StorageLevel");
        }
    }
}
