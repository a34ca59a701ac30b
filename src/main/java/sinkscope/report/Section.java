package sinkscope.report;

import java.io.IOException;

/**
 * One part of the page, under its anchor {@link #id} and heading {@link #title}. {@link #query} reads the output root
 * into plain data (no Spark type in it); {@link #render} turns that data into HTML and charts on the {@link Page}. A
 * table that is absent or lacks a column becomes a note in its section, never a failed report.
 *
 * @param <D> the section's data
 */
abstract class Section<D> {
    final String id;
    final String title;

    Section(String id, String title) {
        this.id = id;
        this.title = title;
    }

    abstract D query(Input in) throws IOException;

    abstract void render(D data, Page page) throws IOException;

    /** Renders what the query reads. */
    final void write(Input in, Page page) throws IOException {
        render(query(in), page);
    }
}
