package sinkscope.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The lines of a UTF-8 file, split on {@code '\n'} (a trailing {@code '\r'} is dropped, as is a byte-order mark
 * at the start). A line whose bytes are not valid UTF-8 is passed as {@code null}, so a reader can report that
 * line and go on; a final line without {@code '\n'} counts, an empty file has no lines.
 */
final class Utf8Lines {
    private Utf8Lines() {}

    static void forEach(Path file, Consumer<String> sink) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        boolean first = true;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        sink.accept(decode(line, decoder, first));
                        first = false;
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(buf, start, n - start);
            }
            if (line.size() > 0) {
                sink.accept(decode(line, decoder, first));
            }
        }
    }

    private static String decode(ByteArrayOutputStream line, CharsetDecoder decoder, boolean first) {
        byte[] b = line.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        try {
            String s = decoder.decode(ByteBuffer.wrap(b, 0, len)).toString();
            return first && s.startsWith("\uFEFF") ? s.substring(1) : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
