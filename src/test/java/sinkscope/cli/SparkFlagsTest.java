package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Test;

class SparkFlagsTest {

    @Test
    void threadsSplitTheCoresAmongLocalTaskSlots() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.max(1, cores / 2), SparkFlags.defaultThreads("local[2]"));
        assertEquals(1, SparkFlags.defaultThreads("local[*]"));
        assertEquals(cores, SparkFlags.defaultThreads("local[1]"));
        assertEquals(cores, SparkFlags.defaultThreads("local"));
        assertEquals(Math.max(1, cores / 2), SparkFlags.defaultThreads("local[2,3]"));
        assertEquals(0, SparkFlags.defaultThreads("yarn"));
        assertEquals(0, SparkFlags.defaultThreads("spark://host:7077"));
    }
}
