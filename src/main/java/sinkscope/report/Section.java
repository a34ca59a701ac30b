package sinkscope.report;

import java.io.IOException;

/**
 * One part of the page. {@link #query} reads the output root into plain data (no Spark type in it); {@link #render}
 * turns that data into HTML and charts on the {@link Page}. A table that is absent or lacks a column becomes a note
 * in its section, never a failed report.
 *
 * @param <D> the section's data
 */
interface Section<D> {
    /** The anchor id of the section. */
    String id();

    /** The heading. */
    String title();

    D query(Input in) throws IOException;

    void render(D data, Page page) throws IOException;
}
