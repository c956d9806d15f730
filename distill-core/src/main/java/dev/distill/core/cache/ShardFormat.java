package dev.distill.core.cache;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.MalformedFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * The binary layout of one cache shard (format version 2), all little-endian:
 *
 * <pre>
 * magic        8 bytes   "DTOPK\0v2"
 * headerLength 4 bytes   n
 * header       n bytes   UTF-8 JSON: fingerprint (with the hidden layers), shard, first_example,
 *                        num_examples, k, vocab_size, id_bytes, pooled_dim, hidden_dim
 * padding      to a multiple of 8
 * index        (num_examples + 1) × int64: absolute offset of each example's record, then of the end
 * records      per example:
 *                uint16 P (kept positions)
 *                uint16 T (the example's tokens, special tokens included)
 *                pooled_dim × fp16 pooled embedding
 *                P × { uint16 position; k × id (id_bytes each, unsigned); k × fp16 probability }
 *                for each hidden layer of the fingerprint, in order: T × hidden_dim × fp16,
 *                  row-major (token t's vector at t·hidden_dim)
 * trailer      8 bytes "DTOPKEND", 4 bytes CRC-32 of every byte before the trailer, 4 zero bytes
 * </pre>
 *
 * <p>Per kept position: 2 + k·(id_bytes + 2) bytes; with BERT's 30,522-token vocabulary ids take
 * 2 bytes, so k = 32 costs 130 bytes per position, 4.06 per kept entry, against V·4 = 122,088
 * bytes for the full fp32 distribution. Per example 4 bytes of counts and an 8-byte index entry.
 * Hidden states cost 2·H bytes per token and stored layer (768 for H = 384), which is why they
 * are optional: with 15% of tokens kept they dominate the size (one layer of width 384 is about
 * 40× the top-32 entries, 768 against about 20 bytes per token).
 *
 * <p>Version 1 (magic {@code "DTOPK\0v1"}, no T, no hidden states) is refused with a request to
 * rebuild.
 */
final class ShardFormat {

    static final byte[] MAGIC = {'D', 'T', 'O', 'P', 'K', 0, 'v', '2'};
    /** The first format's magic, recognised only to refuse it clearly. */
    static final byte[] MAGIC_V1 = {'D', 'T', 'O', 'P', 'K', 0, 'v', '1'};
    static final byte[] END = {'D', 'T', 'O', 'P', 'K', 'E', 'N', 'D'};
    static final int TRAILER = 16;

    private ShardFormat() {}

    /** Bytes per id for a vocabulary of {@code v} tokens: 1, 2, 3 or 4. */
    static int idBytes(int v) {
        if (v <= 1 << 8) {
            return 1;
        }
        if (v <= 1 << 16) {
            return 2;
        }
        if (v <= 1 << 24) {
            return 3;
        }
        return 4;
    }

    static int positionBytes(int k, int idBytes) {
        return 2 + k * (idBytes + 2);
    }

    /** Bytes of one example's record with P kept positions and T tokens. */
    static long recordBytes(Header h, int p, int t) {
        return 4 + 2L * h.pooledDim() + (long) p * positionBytes(h.k(), h.idBytes())
                + 2L * h.fingerprint().hiddenLayers().size() * t * h.hiddenDim();
    }

    /** A shard's header fields. */
    record Header(CacheFingerprint fingerprint, int shard, long firstExample, int numExamples, int k, int vocabSize,
            int idBytes, int pooledDim, int hiddenDim) {

        JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.add("fingerprint", fingerprint.toJson());
            o.addProperty("shard", shard);
            o.addProperty("first_example", firstExample);
            o.addProperty("num_examples", numExamples);
            o.addProperty("k", k);
            o.addProperty("vocab_size", vocabSize);
            o.addProperty("id_bytes", idBytes);
            o.addProperty("pooled_dim", pooledDim);
            o.addProperty("hidden_dim", hiddenDim);
            return o;
        }

        static Header fromJson(JsonObject o) {
            return new Header(CacheFingerprint.fromJson(o.getAsJsonObject("fingerprint")), o.get("shard").getAsInt(),
                    o.get("first_example").getAsLong(), o.get("num_examples").getAsInt(), o.get("k").getAsInt(),
                    o.get("vocab_size").getAsInt(), o.get("id_bytes").getAsInt(), o.get("pooled_dim").getAsInt(),
                    o.get("hidden_dim").getAsInt());
        }
    }

    /** Header bytes: magic, length, JSON, padding to 8. */
    static byte[] headerBytes(Header h) {
        byte[] json = h.toJson().toString().getBytes(StandardCharsets.UTF_8);
        int len = 12 + json.length;
        int padded = (len + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(json.length).put(json);
        return b.array();
    }

    /** A shard opened for reading: header, index and the mapped bytes. */
    record Opened(Header header, MappedByteBuffer data, long indexOffset, long size) {
        long recordOffset(int localExample) {
            return data.getLong(Math.toIntExact(indexOffset + 8L * localExample));
        }
    }

    /**
     * Maps a shard read-only and checks its structure: magic, header, that the file is as long as
     * its index says (a truncated shard is refused with the sizes), the trailer, and with
     * {@code verifyChecksum} the CRC-32 of its content.
     */
    static Opened open(Path file, boolean verifyChecksum) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            String fix = "; delete it and run the cache builder again, which rebuilds missing shards";
            if (size < 12 + TRAILER) {
                throw new MalformedFileException(file, "truncated cache shard: " + size + " bytes, less than a"
                        + " header" + fix);
            }
            if (size > Integer.MAX_VALUE) {
                throw new MalformedFileException(file, "cache shard of " + size + " bytes exceeds the 2 GiB limit");
            }
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            m.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[8];
            m.get(0, magic);
            if (java.util.Arrays.equals(magic, MAGIC_V1)) {
                throw new MalformedFileException(file, "cache shard of format version 1; this distill reads version 2"
                        + " (hidden states added): delete the cache directory and build it again");
            }
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new MalformedFileException(file, "not a distill top-k cache shard (bad magic bytes)" + fix);
            }
            int jsonLen = m.getInt(8);
            if (jsonLen <= 0 || 12L + jsonLen > size) {
                throw new MalformedFileException(file, "truncated cache shard: header of " + jsonLen
                        + " bytes does not fit in " + size + " bytes" + fix);
            }
            byte[] json = new byte[jsonLen];
            m.get(12, json);
            Header h;
            try {
                h = Header.fromJson(JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject());
            } catch (RuntimeException e) {
                throw new MalformedFileException(file, "unreadable cache shard header: " + e.getMessage() + fix, e);
            }
            long indexOffset = (12L + jsonLen + 7) & ~7L;
            long indexEnd = indexOffset + 8L * (h.numExamples() + 1);
            if (indexEnd + TRAILER > size) {
                throw new MalformedFileException(file, "truncated cache shard: " + size + " bytes, but its index of "
                        + h.numExamples() + " examples alone needs " + (indexEnd + TRAILER) + fix);
            }
            long end = m.getLong(Math.toIntExact(indexOffset + 8L * h.numExamples()));
            if (end + TRAILER != size) {
                throw new MalformedFileException(file, (end + TRAILER > size ? "truncated" : "oversized")
                        + " cache shard: " + size + " bytes, its index says " + (end + TRAILER) + fix);
            }
            byte[] endMagic = new byte[8];
            m.get(Math.toIntExact(end), endMagic);
            if (!java.util.Arrays.equals(endMagic, END)) {
                throw new MalformedFileException(file, "cache shard has no end marker (incomplete write)" + fix);
            }
            long previous = indexEnd;
            for (int i = 0; i <= h.numExamples(); i++) {
                long at = m.getLong(Math.toIntExact(indexOffset + 8L * i));
                if (at < previous || at > end) {
                    throw new MalformedFileException(file, "corrupt cache shard index: record " + i + " at " + at
                            + " outside [" + previous + ", " + end + "]" + fix);
                }
                if (i > 0) {
                    long start = m.getLong(Math.toIntExact(indexOffset + 8L * (i - 1)));
                    int p = m.getShort(Math.toIntExact(start)) & 0xffff;
                    int t = m.getShort(Math.toIntExact(start) + 2) & 0xffff;
                    if (at - start != recordBytes(h, p, t)) {
                        throw new MalformedFileException(file, "corrupt cache shard: record " + (i - 1) + " holds "
                                + (at - start) + " bytes, but " + p + " positions and " + t + " tokens need "
                                + recordBytes(h, p, t) + fix);
                    }
                }
                previous = at;
            }
            if (verifyChecksum) {
                CRC32 crc = new CRC32();
                crc.update(m.slice(0, Math.toIntExact(end)));
                int stored = m.getInt(Math.toIntExact(end + 8));
                if ((int) crc.getValue() != stored) {
                    throw new MalformedFileException(file, "cache shard checksum mismatch (stored "
                            + Integer.toHexString(stored) + ", computed " + Long.toHexString(crc.getValue())
                            + "): the file is damaged" + fix);
                }
            }
            return new Opened(h, m, indexOffset, size);
        }
    }
}
