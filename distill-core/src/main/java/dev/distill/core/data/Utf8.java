package dev.distill.core.data;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding that reports where the first bad byte is. */
final class Utf8 {

    private Utf8() {}

    /** Thrown for bytes that are not UTF-8; {@link #offset()} is the first bad byte. */
    static final class DecodeError extends Exception {
        private static final long serialVersionUID = 1L;
        private final long offset;

        DecodeError(long offset) {
            super("not valid UTF-8 at byte " + offset + "; re-encode the file as UTF-8 (e.g. iconv -f LATIN1"
                    + " -t UTF-8)");
            this.offset = offset;
        }

        long offset() {
            return offset;
        }
    }

    static String decode(byte[] bytes) throws DecodeError {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        try {
            return d.decode(in).toString();
        } catch (CharacterCodingException e) {
            // Find the offending byte with a second, incremental pass.
            ByteBuffer probe = ByteBuffer.wrap(bytes, start, bytes.length - start);
            java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
            d.reset();
            d.decode(probe, out, true);
            throw new DecodeError(probe.position());
        }
    }
}
