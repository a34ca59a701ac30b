package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/cli.md is generated from the command definitions: the committed page must be the generated one. */
class CliPageTest {

    @Test
    void theCommittedPageIsTheGeneratedOne() throws IOException {
        String generated = DocsCommand.cliPage();
        assertTrue(generated.contains("\n## `pipeline`\n") && generated.contains("--from-run=FILE"), "the page holds pipeline's help");
        assertEquals(generated, Files.readString(Path.of("docs", "cli.md")),
                "docs/cli.md differs from the command definitions: run `" + DocsCommand.REGENERATE + "` and commit docs/cli.md");
    }

    @Test
    void docsWritesThePagesAndCheckFindsAStaleOne(@TempDir Path dir) throws IOException {
        assertEquals(0, CliTest.run("docs", "--out", dir.toString()).code());
        assertEquals(DocsCommand.cliPage(), Files.readString(dir.resolve("cli.md")));
        assertEquals(sinkscope.spark.TablesPage.markdown(), Files.readString(dir.resolve("tables.md")));
        assertEquals(0, CliTest.run("docs", "--out", dir.toString(), "--check").code());
        Files.writeString(dir.resolve("tables.md"), "edited by hand\n");
        CliTest.Run stale = CliTest.run("docs", "--out", dir.toString(), "--check");
        assertEquals(1, stale.code());
        assertTrue(stale.out().contains("tables.md differs from the generated page: run jobs/sinkscope docs"), stale.out());
    }
}
