package sinkscope.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sinkscope.spark.TablesPage;

/**
 * {@code docs}: writes the generated reference pages, {@code docs/cli.md} (every command's {@code --help}, from the
 * command definitions) and {@code docs/tables.md} (every output table's columns, from {@link sinkscope.spark.Tables}).
 * With {@code --check} it writes nothing and exits 1 when a committed page differs from what it would write.
 */
@Command(name = "docs", mixinStandardHelpOptions = true, sortOptions = false,
        description = "write the generated pages docs/cli.md (every command's --help) and docs/tables.md (every output table's columns)")
final class DocsCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", order = 1, description = "folder of the pages (default: docs under the project directory)")
    Path out;
    @Option(names = "--check", paramLabel = "BOOL", order = 2, arity = "0..1", defaultValue = "false",
            description = "only compare the pages with what would be written; exit 1 when one differs (default: ${DEFAULT-VALUE})")
    boolean check;

    /** The command that regenerates the pages, for the messages of a stale page. */
    static final String REGENERATE = "jobs/sinkscope docs";

    @Override
    public Integer call() throws IOException {
        Path dir = out != null ? out : SparkFlags.home().resolve("docs");
        int stale = 0;
        for (Map.Entry<String, String> page : pages().entrySet()) {
            Path file = dir.resolve(page.getKey());
            if (check) {
                boolean same = Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(page.getValue());
                System.out.println("docs: " + file + (same ? " is up to date" : " differs from the generated page: run " + REGENERATE));
                stale += same ? 0 : 1;
            } else {
                Files.createDirectories(dir);
                Files.writeString(file, page.getValue(), StandardCharsets.UTF_8);
                System.out.println("docs: wrote " + file);
            }
        }
        return stale == 0 ? Main.OK : Main.FAILED;
    }

    /** The generated pages by file name. */
    static Map<String, String> pages() {
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("cli.md", cliPage());
        pages.put("tables.md", TablesPage.markdown());
        return pages;
    }

    /** {@code docs/cli.md}: the exit codes, then each command's usage help as {@code --help} prints it. */
    static String cliPage() {
        CommandLine root = Main.commandLine();
        StringBuilder s = new StringBuilder();
        s.append("# Command-line reference\n\n");
        s.append("<!-- GENERATED from the command definitions in sinkscope.cli by `" + REGENERATE + "`; do not edit (CliPageTest checks it)."
                + " Over 500 lines because it holds every command's full help, one section each. -->\n\n");
        s.append("`jobs/sinkscope <command> --help` prints the same text. Flags take `--name value` or `--name=value`; a yes/no flag alone\n"
                + "means true (`--resume`, or `--resume=false`). A mistyped flag is answered with the nearest ones (\"Did you mean\").\n\n");
        s.append("```\n").append(usage(root)).append("```\n");
        for (Map.Entry<String, CommandLine> c : root.getSubcommands().entrySet()) {
            if (c.getKey().equals("help")) {
                continue;
            }
            s.append("\n## `").append(c.getKey()).append("`\n\n```\n").append(usage(c.getValue())).append("```\n");
        }
        return s.toString();
    }

    private static String usage(CommandLine c) {
        return c.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("[ \t]+\n", "\n");
    }
}
