package dev.distill.models.io.onnx;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over one protobuf message inside a byte array: the wire format, nothing more (no
 * schema, no reflection, no dependency). Sub-messages and byte fields are returned as ranges of
 * the same array, so a large {@code raw_data} payload is never copied while parsing.
 *
 * <p>Wire format (protobuf encoding guide): every field is a key {@code (fieldNumber << 3) |
 * wireType} written as a varint, followed by its value: wire type 0 a varint (7 bits per byte,
 * little-endian groups, high bit set on every byte but the last, at most 10 bytes); 1 eight bytes
 * little-endian; 2 a varint length then that many bytes (strings, bytes, sub-messages, packed
 * repeated scalars); 5 four bytes little-endian. Wire types 3 and 4 (groups) are deprecated and
 * never used by ONNX; they are rejected.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final int limit;
    private final String source;
    private int pos;
    private int lastTagPos;

    /** Reads {@code buf[start, end)}. */
    ProtoReader(byte[] buf, int start, int end, String source) {
        if (start < 0 || end > buf.length || start > end) {
            throw new IllegalArgumentException("range [" + start + ", " + end + ") outside a buffer of "
                    + buf.length + " bytes");
        }
        this.buf = buf;
        this.pos = start;
        this.limit = end;
        this.source = source;
    }

    byte[] buffer() {
        return buf;
    }

    String source() {
        return source;
    }

    int position() {
        return pos;
    }

    boolean hasMore() {
        return pos < limit;
    }

    /** An error at the current position. */
    OnnxFormatException error(String what) {
        return new OnnxFormatException(source, pos, what);
    }

    /** An error at the start of the field just read (its key). */
    OnnxFormatException fieldError(String what) {
        return new OnnxFormatException(source, lastTagPos, what);
    }

    /**
     * Reads a field key. Returns {@code fieldNumber << 3 | wireType}; use {@link #field} and
     * {@link #wireType} to split it.
     */
    int readTag() throws OnnxFormatException {
        lastTagPos = pos;
        long key = readVarint();
        int wire = (int) (key & 7);
        long field = key >>> 3;
        if (field == 0 || field > 0x1fffffff) {
            throw new OnnxFormatException(source, lastTagPos, "field number " + field
                    + " is invalid (protobuf field numbers are 1 to 536870911)");
        }
        if (wire != VARINT && wire != FIXED64 && wire != LEN && wire != FIXED32) {
            throw new OnnxFormatException(source, lastTagPos, "wire type " + wire + " of field " + field
                    + " is not one of 0 (varint), 1 (64-bit), 2 (length-delimited), 5 (32-bit)");
        }
        return (int) key;
    }

    static int field(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    long readVarint() throws OnnxFormatException {
        int start = pos;
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= limit) {
                throw new OnnxFormatException(source, start, "varint runs past the end of its message"
                        + " (message ends at byte " + limit + ")");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new OnnxFormatException(source, start, "varint longer than 10 bytes");
    }

    int readFixed32() throws OnnxFormatException {
        need(4, "32-bit value");
        int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16
                | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    long readFixed64() throws OnnxFormatException {
        long lo = readFixed32() & 0xffffffffL;
        long hi = readFixed32() & 0xffffffffL;
        return lo | hi << 32;
    }

    /** Reads a length prefix and checks that many bytes follow; returns the payload's start. */
    int readLengthDelimited() throws OnnxFormatException {
        int start = pos;
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw new OnnxFormatException(source, start, "length-delimited field claims " + len
                    + " bytes but only " + (limit - pos) + " remain in its message (ends at byte "
                    + limit + ")");
        }
        int payload = pos;
        pos += (int) len;
        return payload;
    }

    /** The sub-message that follows (a length-delimited field), as a reader over its range. */
    ProtoReader readMessage() throws OnnxFormatException {
        int start = readLengthDelimited();
        return new ProtoReader(buf, start, pos, source);
    }

    String readString() throws OnnxFormatException {
        int start = readLengthDelimited();
        return new String(buf, start, pos - start, StandardCharsets.UTF_8);
    }

    /** Skips the value of a field with the given wire type. */
    void skip(int wireType) throws OnnxFormatException {
        switch (wireType) {
            case VARINT:
                readVarint();
                break;
            case FIXED64:
                need(8, "64-bit value");
                pos += 8;
                break;
            case LEN:
                readLengthDelimited();
                break;
            case FIXED32:
                need(4, "32-bit value");
                pos += 4;
                break;
            default:
                throw error("cannot skip wire type " + wireType);
        }
    }

    /**
     * Appends the values of a repeated integer field (int32, int64, uint64, enum): either one
     * unpacked varint or a packed run of varints, as protobuf parsers must accept both.
     */
    void readVarints(int wireType, LongList out) throws OnnxFormatException {
        if (wireType == VARINT) {
            out.add(readVarint());
        } else if (wireType == LEN) {
            int start = readLengthDelimited();
            int end = pos;
            ProtoReader packed = new ProtoReader(buf, start, end, source);
            while (packed.hasMore()) {
                out.add(packed.readVarint());
            }
        } else {
            throw fieldError("integer field has wire type " + wireType + ", expected 0 or 2 (packed)");
        }
    }

    /** Appends the values of a repeated float field: one fixed32, or a packed run of them. */
    void readFloats(int wireType, FloatList out) throws OnnxFormatException {
        if (wireType == FIXED32) {
            out.add(Float.intBitsToFloat(readFixed32()));
        } else if (wireType == LEN) {
            int start = readLengthDelimited();
            int len = pos - start;
            if (len % 4 != 0) {
                throw new OnnxFormatException(source, start, "packed float field of " + len
                        + " bytes is not a multiple of 4");
            }
            for (int p = start; p < pos; p += 4) {
                int bits = (buf[p] & 0xff) | (buf[p + 1] & 0xff) << 8 | (buf[p + 2] & 0xff) << 16
                        | (buf[p + 3] & 0xff) << 24;
                out.add(Float.intBitsToFloat(bits));
            }
        } else {
            throw fieldError("float field has wire type " + wireType + ", expected 5 or 2 (packed)");
        }
    }

    /** Appends the values of a repeated double field: one fixed64, or a packed run of them. */
    void readDoubles(int wireType, LongList outBits) throws OnnxFormatException {
        if (wireType == FIXED64) {
            outBits.add(readFixed64());
        } else if (wireType == LEN) {
            int start = readLengthDelimited();
            int end = pos;
            if ((end - start) % 8 != 0) {
                throw new OnnxFormatException(source, start, "packed double field of " + (end - start)
                        + " bytes is not a multiple of 8");
            }
            ProtoReader packed = new ProtoReader(buf, start, end, source);
            while (packed.hasMore()) {
                outBits.add(packed.readFixed64());
            }
        } else {
            throw fieldError("double field has wire type " + wireType + ", expected 1 or 2 (packed)");
        }
    }

    /** Checks the wire type of the field just read. */
    void expect(int tag, int wireType, String fieldName) throws OnnxFormatException {
        if (wireType(tag) != wireType) {
            throw fieldError(fieldName + " has wire type " + wireType(tag) + ", expected " + wireType);
        }
    }

    private void need(int n, String what) throws OnnxFormatException {
        if (limit - pos < n) {
            throw error(what + " needs " + n + " bytes but only " + (limit - pos)
                    + " remain in its message (ends at byte " + limit + ")");
        }
    }

    /** A growable {@code long[]}. */
    static final class LongList {
        private long[] a = new long[4];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** A growable {@code float[]}. */
    static final class FloatList {
        private float[] a = new float[4];
        private int n;

        void add(float v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
