package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Storage}: local paths unchanged, other schemes through Hadoop (a fake scheme over the local disk). */
class StorageTest {
    @TempDir
    Path tmp;

    @Test
    void localPathsAndFileUrisAreTheJdksOwn() {
        assertEquals(Path.of("a/b.jsonl"), Storage.path("a/b.jsonl"));
        assertEquals(tmp, Storage.path("file://" + tmp));
        assertEquals(tmp, Storage.path("file:" + tmp));
        assertEquals(Path.of("").toAbsolutePath().resolve("x/y").toString(), Storage.absolute("x/./y"));
        assertEquals("hdfs://nn:8020/data", Storage.absolute("hdfs://nn:8020/data"));
        assertTrue(Storage.isLocal("file:/x") && Storage.isLocal("/x") && !Storage.isLocal("s3a://b/x"));
        assertThrows(IllegalArgumentException.class, () -> Storage.path("hdfs://nn:8020/a b^"));
    }

    @Test
    void hadoopPathsKeepTheirUriAndBehaveAsPaths() {
        Path p = Storage.path("hdfs://nn:8020/data/images/a.png");
        assertInstanceOf(HadoopPath.class, p);
        assertEquals("hdfs://nn:8020/data/images/a.png", p.toString());
        assertEquals(p, Storage.path(p.toString()));
        assertEquals("a.png", p.getFileName().toString());
        Path root = Storage.path("hdfs://nn:8020/data");
        assertTrue(p.startsWith(root));
        assertFalse(p.startsWith(Storage.path("hdfs://other:8020/data")));
        assertEquals("images/a.png", root.relativize(p).toString());
        assertEquals(p, root.resolve("images/a.png"));
        assertEquals(p, root.resolve(Path.of("images", "a.png")));
        assertEquals("hdfs://nn:8020/x.png", root.resolve("../x.png").normalize().toString());
        assertFalse(root.resolve("../x.png").normalize().startsWith(root));
        assertEquals("hdfs://nn:8020/data", p.getParent().getParent().toString());
        assertEquals(java.net.URI.create("hdfs://nn:8020/data/images/a.png"), p.toUri());
        assertNotEquals(p, Storage.path("hdfs://nn:8020/data/images/b.png"));
    }

    @Test
    void filesWorksOnAnotherSchemeThroughHadoop() throws IOException {
        Path dir = Storage.path(FakeSchemeFileSystem.uri(tmp)).resolve("out/report");
        Files.createDirectories(dir);
        assertTrue(Files.isDirectory(dir));
        assertTrue(Files.isDirectory(tmp.resolve("out/report")), "written to the local disk under the fake scheme");
        Path f = dir.resolve("run.json");
        Files.writeString(f, "{\"a\": 1}\n");
        assertEquals("{\"a\": 1}\n", Files.readString(tmp.resolve("out/report/run.json")));
        assertEquals("{\"a\": 1}\n", Files.readString(f));
        assertEquals(9, Files.size(f));
        assertTrue(Files.isRegularFile(f) && Files.exists(f));
        Files.writeString(f, "{}");
        assertEquals("{}", new String(Files.readAllBytes(f), StandardCharsets.UTF_8), "replaced, not appended");
        assertThrows(FileAlreadyExistsException.class, () -> Files.newOutputStream(f, StandardOpenOption.CREATE_NEW).close());
        Path moved = dir.resolve("moved.json");
        Files.move(f, moved);
        assertFalse(Files.exists(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(moved), s.toList());
        }
        Files.delete(moved);
        assertThrows(NoSuchFileException.class, () -> Files.size(moved));
        assertThrows(NoSuchFileException.class, () -> Files.newInputStream(moved));
    }

    @Test
    void readersAndTheImageDecoderReadUris() throws IOException {
        Files.writeString(tmp.resolve("q.jsonl"), "{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"Is there a cat?\"}\n{bad\n");
        QuestionReader.Result r = QuestionReader.read(Storage.path(FakeSchemeFileSystem.uri(tmp.resolve("q.jsonl"))));
        assertEquals(1, r.questions().size());
        assertEquals(1, r.errors().size());
        assertEquals(2, r.errors().get(0).line());

        Files.createDirectories(tmp.resolve("images"));
        ImageIO.write(new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB), "png", tmp.resolve("images/a.png").toFile());
        Path root = Storage.path(FakeSchemeFileSystem.uri(tmp.resolve("images")));
        Path image = ImageDecoder.resolve(root, "a.png");
        assertEquals(FakeSchemeFileSystem.uri(tmp.resolve("images/a.png")), image.toString());
        BufferedImage img = new ImageDecoder().decode(Storage.path(image.toString()));
        assertEquals(7, img.getWidth());
        ImageException escape = assertThrows(ImageException.class, () -> ImageDecoder.resolve(root, "../q.jsonl"));
        assertTrue(escape.getMessage().contains("escapes the image root"), escape.getMessage());
        ImageException missing = assertThrows(ImageException.class, () -> new ImageDecoder().decode(root.resolve("none.png")));
        assertTrue(missing.getMessage().contains("no such file") && missing.getMessage().contains("fakefs://"), missing.getMessage());
        ImageException big = assertThrows(ImageException.class, () -> new ImageDecoder(10, 100).decode(image));
        assertTrue(big.getMessage().contains("exceeds the limit of 10 bytes"), big.getMessage());
    }
}
