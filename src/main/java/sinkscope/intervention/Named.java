package sinkscope.intervention;

import java.util.List;

/** What every intervention holds: its config name, its one-line summary and its parameters. */
abstract class Named implements Intervention {
    private final String name;
    private final String summary;
    private final List<Parameter> parameters;

    Named(String name, String summary, List<Parameter> parameters) {
        this.name = name;
        this.summary = summary;
        this.parameters = List.copyOf(parameters);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String summary() {
        return summary;
    }

    @Override
    public final List<Parameter> parameters() {
        return parameters;
    }
}
