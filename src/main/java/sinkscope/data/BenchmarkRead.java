package sinkscope.data;

import java.util.ArrayList;
import java.util.List;

/**
 * What a benchmark reader returns: the good records in file order and one {@link ReadError} per bad one.
 *
 * @param <T> the record type
 */
public record BenchmarkRead<T>(List<T> items, List<ReadError> errors) {

    public BenchmarkRead() {
        this(new ArrayList<>(), new ArrayList<>());
    }

    /** The number of records seen: good plus bad. */
    public int records() {
        return items.size() + errors.size();
    }
}
