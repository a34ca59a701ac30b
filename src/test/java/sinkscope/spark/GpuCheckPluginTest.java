package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** When the driver gives up on an application whose GPU executors all fail their check (the cluster run is in StandaloneClusterTest). */
class GpuCheckPluginTest {

    @Test
    void failureLimitIsTwiceTheExecutorsAskedForAndAtLeastFour() {
        assertEquals(4, GpuCheckPlugin.failureLimit(new SparkConf(false)));
        assertEquals(16, GpuCheckPlugin.failureLimit(new SparkConf(false).set("spark.executor.instances", "8")));
        assertEquals(4, GpuCheckPlugin.failureLimit(new SparkConf(false).set("spark.executor.instances", "1")));
        // standalone: cores.max / executor.cores executors
        assertEquals(8, GpuCheckPlugin.failureLimit(new SparkConf(false).set("spark.cores.max", "16").set("spark.executor.cores", "4")));
        assertEquals(10, GpuCheckPlugin.failureLimit(new SparkConf(false).set("spark.cores.max", "5")));
        // instances win over cores
        assertEquals(6, GpuCheckPlugin.failureLimit(new SparkConf(false).set("spark.executor.instances", "3").set("spark.cores.max", "64")));
    }
}
