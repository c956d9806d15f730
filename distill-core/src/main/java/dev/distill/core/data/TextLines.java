package dev.distill.core.data;

import java.io.InputStream;
import java.nio.file.Path;

/**
 * Plain text, one example per line. Blank lines (after trimming) are not examples and are passed
 * over silently; a line that is not UTF-8 is a data error.
 */
public final class TextLines {

    private TextLines() {}

    /**
     * Streams the non-blank lines of {@code file}.
     *
     * @param file a UTF-8 text file, one example per line
     * @param policy what a bad line does: fail, or be skipped and counted (null: fail)
     * @return a stream of examples with origin {@code file:line}; close it after use
     */
    public static RecordStream<TextExample> open(Path file, ErrorPolicy policy) {
        return new Reader(Utf8Lines.open(file), policy);
    }

    /**
     * Streams the non-blank lines of {@code in}; {@code sourceName} appears in error messages.
     *
     * @param in UTF-8 text, one example per line; closed with the stream
     * @param sourceName the name used for origins and errors
     * @param policy what a bad line does: fail, or be skipped and counted (null: fail)
     * @return a stream of examples; close it after use
     */
    public static RecordStream<TextExample> open(InputStream in, String sourceName, ErrorPolicy policy) {
        return new Reader(new Utf8Lines(in, sourceName), policy);
    }

    private static final class Reader extends RecordStream<TextExample> {
        private final Utf8Lines lines;

        Reader(Utf8Lines lines, ErrorPolicy policy) {
            super(policy);
            this.lines = lines;
        }

        @Override
        protected TextExample readNext() {
            Utf8Lines.Line line;
            while ((line = lines.next()) != null) {
                if (!line.ok()) {
                    refuse(new DataException(lines.source(), line.number(), line.error()));
                    continue;
                }
                String t = line.text().strip();
                if (!t.isEmpty()) {
                    return new TextExample(t, null, null, lines.source() + ":" + line.number());
                }
            }
            return null;
        }

        @Override
        protected void closeSource() {
            lines.close();
        }
    }
}
