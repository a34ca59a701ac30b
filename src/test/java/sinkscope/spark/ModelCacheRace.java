package sinkscope.spark;

import java.nio.file.Path;
import sinkscope.data.Storage;

/** One racer of {@link ModelCacheTest}: {@code SOURCE_URI CACHE_DIR}; prints {@code copied} or {@code found}. */
public final class ModelCacheRace {
    private ModelCacheRace() {}

    public static void main(String[] args) throws Exception {
        ModelCache.Result r = ModelCache.local(Storage.path(args[0]), Path.of(args[1]));
        System.out.println(r.copied() ? "copied" : "found");
    }
}
