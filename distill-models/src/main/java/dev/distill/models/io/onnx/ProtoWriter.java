package dev.distill.models.io.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The writing half of {@link ProtoReader}: protobuf's wire format and nothing more (no schema, no
 * reflection, no dependency). A {@link Message} is built as a tree of fields; a sub-message's
 * length prefix is its size, which is computed before anything is written, so a model of any
 * size streams to disk without being assembled in one array (Java arrays stop at 2 GiB).
 *
 * <p>Encoding (protobuf encoding guide): a key {@code (fieldNumber << 3) | wireType} as a varint,
 * then the value: a varint (wire type 0), a little-endian 4-byte value (5), or a varint length
 * followed by that many bytes (2: strings, bytes, sub-messages, packed repeated scalars).
 */
final class ProtoWriter {

    private ProtoWriter() {}

    /** Streams a payload of a size known in advance (a tensor's {@code raw_data}). */
    @FunctionalInterface
    interface Payload {
        /** Writes exactly the number of bytes announced with it. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** One message under construction; fields are written in the order they are added. */
    static final class Message {
        private final List<Object> parts = new ArrayList<>();
        private long size = -1;

        /** A varint field (int32, int64, enum, bool). Negative values take 10 bytes, as protobuf writes them. */
        Message varint(int field, long value) {
            parts.add(concat(key(field, ProtoReader.VARINT), varintBytes(value)));
            return this;
        }

        /** A 4-byte little-endian float field. */
        Message float32(int field, float value) {
            int bits = Float.floatToIntBits(value);
            byte[] v = {(byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16), (byte) (bits >>> 24)};
            parts.add(concat(key(field, ProtoReader.FIXED32), v));
            return this;
        }

        /** A UTF-8 string field. */
        Message string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        /** A bytes field. */
        Message bytes(int field, byte[] value) {
            parts.add(concat(key(field, ProtoReader.LEN), varintBytes(value.length), value));
            return this;
        }

        /** A packed repeated varint field (e.g. {@code repeated int64 ints}). */
        Message packedVarints(int field, long[] values) {
            byte[][] encoded = new byte[values.length][];
            int n = 0;
            for (int i = 0; i < values.length; i++) {
                encoded[i] = varintBytes(values[i]);
                n += encoded[i].length;
            }
            byte[] body = new byte[n];
            int at = 0;
            for (byte[] e : encoded) {
                System.arraycopy(e, 0, body, at, e.length);
                at += e.length;
            }
            return bytes(field, body);
        }

        /** A repeated varint field written unpacked, one key per value (ONNX readers accept both). */
        Message varints(int field, long[] values) {
            for (long v : values) {
                varint(field, v);
            }
            return this;
        }

        /** An embedded message field. */
        Message message(int field, Message value) {
            parts.add(new Nested(field, value));
            return this;
        }

        /** A bytes field whose {@code length} bytes are streamed by {@code payload} at write time. */
        Message payload(int field, long length, Payload payload) {
            parts.add(new Streamed(field, length, payload));
            return this;
        }

        /** Encoded size in bytes (computed once; do not add fields afterwards). */
        long size() {
            if (size < 0) {
                long n = 0;
                for (Object p : parts) {
                    if (p instanceof byte[]) {
                        n += ((byte[]) p).length;
                    } else if (p instanceof Nested) {
                        Nested m = (Nested) p;
                        long s = m.value.size();
                        n += key(m.field, ProtoReader.LEN).length + varintBytes(s).length + s;
                    } else {
                        Streamed s = (Streamed) p;
                        n += key(s.field, ProtoReader.LEN).length + varintBytes(s.length).length + s.length;
                    }
                }
                size = n;
            }
            return size;
        }

        /** Writes the message's fields (without a length prefix of its own). */
        void writeTo(OutputStream out) throws IOException {
            for (Object p : parts) {
                if (p instanceof byte[]) {
                    out.write((byte[]) p);
                } else if (p instanceof Nested) {
                    Nested m = (Nested) p;
                    out.write(key(m.field, ProtoReader.LEN));
                    out.write(varintBytes(m.value.size()));
                    m.value.writeTo(out);
                } else {
                    Streamed s = (Streamed) p;
                    out.write(key(s.field, ProtoReader.LEN));
                    out.write(varintBytes(s.length));
                    CountingStream counted = new CountingStream(out);
                    s.payload.writeTo(counted);
                    if (counted.count != s.length) {
                        throw new IOException("payload of field " + s.field + " wrote " + counted.count
                                + " bytes, announced " + s.length);
                    }
                }
            }
        }
    }

    private record Nested(int field, Message value) {}

    private record Streamed(int field, long length, Payload payload) {}

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    static byte[] key(int field, int wireType) {
        if (field <= 0) {
            throw new IllegalArgumentException("protobuf field number (" + field + ") must be positive");
        }
        return varintBytes(((long) field << 3) | wireType);
    }

    /** Base-128 varint, least significant group first, high bit set on all but the last byte. */
    static byte[] varintBytes(long value) {
        byte[] tmp = new byte[10];
        int n = 0;
        long v = value;
        while ((v & ~0x7FL) != 0) {
            tmp[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        tmp[n++] = (byte) v;
        byte[] out = new byte[n];
        System.arraycopy(tmp, 0, out, 0, n);
        return out;
    }

    private static byte[] concat(byte[]... arrays) {
        int n = 0;
        for (byte[] a : arrays) {
            n += a.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] a : arrays) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }
}
