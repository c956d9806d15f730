package dev.distill.core.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file line by line as strict UTF-8, one line at a time, so a line in another encoding
 * (Latin-1, UTF-16) is reported with its line number, and under {@link ErrorPolicy#SKIP} only
 * that line is lost. Line ends are {@code \n} or {@code \r\n}; a UTF-8 byte-order mark at the
 * start is dropped. A file that starts with a UTF-16 byte-order mark is refused as a whole.
 */
final class Utf8Lines implements AutoCloseable {

    /** One decoded line, or the reason it could not be decoded. */
    record Line(long number, String text, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private final InputStream in;
    private final String source;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    private long lineNumber;
    private boolean eof;

    Utf8Lines(InputStream in, String source) {
        this.in = in.markSupported() ? in : new BufferedInputStream(in, 1 << 16);
        this.source = source;
        try {
            this.in.mark(3);
            int b0 = this.in.read();
            int b1 = this.in.read();
            int b2 = this.in.read();
            if ((b0 == 0xFE && b1 == 0xFF) || (b0 == 0xFF && b1 == 0xFE)) {
                throw new DataException(source, 1, "the file starts with a UTF-16 byte-order mark; distill reads"
                        + " UTF-8 only: re-encode it, e.g. iconv -f UTF-16 -t UTF-8");
            }
            if (!(b0 == 0xEF && b1 == 0xBB && b2 == 0xBF)) {
                this.in.reset();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source, e);
        }
    }

    static Utf8Lines open(Path file) {
        try {
            return new Utf8Lines(Files.newInputStream(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    String source() {
        return source;
    }

    /** The next line, or {@code null} at the end of the file. */
    Line next() {
        if (eof) {
            return null;
        }
        buf.reset();
        try {
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                buf.write(b);
            }
            if (b == -1) {
                eof = true;
                if (buf.size() == 0) {
                    return null;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + " after line " + lineNumber, e);
        }
        lineNumber++;
        byte[] bytes = buf.toByteArray();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') {
            len--;
        }
        try {
            decoder.reset();
            String text = decoder.decode(ByteBuffer.wrap(bytes, 0, len)).toString();
            return new Line(lineNumber, text, null);
        } catch (CharacterCodingException e) {
            String err = "not valid UTF-8 (" + e.getClass().getSimpleName() + "); re-encode the file as UTF-8,"
                    + " e.g. iconv -f LATIN1 -t UTF-8";
            return new Line(lineNumber, null, err);
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + source, e);
        }
    }
}
