package dev.distill.core.cache;

import dev.distill.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Assembles one shard in memory (see {@link ShardFormat}) and writes it atomically: a crash
 * leaves either no shard or a complete one.
 */
final class ShardWriter {

    private final ShardFormat.Header header;
    private final byte[] headerBytes;
    private final long[] offsets;
    private final int posBytes;
    private ByteBuffer records = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private int added;
    private long positions;

    ShardWriter(ShardFormat.Header header) {
        this.header = header;
        this.headerBytes = ShardFormat.headerBytes(header);
        this.offsets = new long[header.numExamples() + 1];
        this.posBytes = ShardFormat.positionBytes(header.k(), header.idBytes());
    }

    /**
     * Appends the next example's record.
     *
     * @param positions kept positions (P)
     * @param ids P × k token ids, row-major
     * @param probs P × k probabilities, row-major
     * @param pooled pooled_dim values, or null when pooled_dim is 0
     * @param tokens T, the example's length
     * @param hidden the stored hidden layers, each T × hidden_dim fp16 bits ({@link Fp16}) row-major,
     *     in the fingerprint's order, or null when it names none
     */
    void add(int[] positions, int[] ids, float[] probs, float[] pooled, int tokens, short[][] hidden) {
        int k = header.k();
        int p = positions.length;
        if (added >= header.numExamples()) {
            throw new IllegalStateException("shard " + header.shard() + " already holds its " + header.numExamples()
                    + " examples");
        }
        if (ids.length != p * k || probs.length != p * k) {
            throw new IllegalArgumentException("expected " + p + " × " + k + " ids and probabilities, got " + ids.length
                    + " and " + probs.length);
        }
        if ((pooled == null ? 0 : pooled.length) != header.pooledDim()) {
            throw new IllegalArgumentException("pooled embedding of length " + (pooled == null ? 0 : pooled.length)
                    + " but the cache stores " + header.pooledDim());
        }
        if (tokens < 0 || tokens > 65535) {
            throw new IllegalArgumentException("an example of " + tokens + " tokens does not fit the cache's uint16");
        }
        int layers = header.fingerprint().hiddenLayers().size();
        if ((hidden == null ? 0 : hidden.length) != layers) {
            throw new IllegalArgumentException((hidden == null ? 0 : hidden.length) + " hidden layers given but the"
                    + " cache stores " + layers);
        }
        long hiddenValues = (long) tokens * header.hiddenDim();
        for (int l = 0; l < layers; l++) {
            if (hidden[l].length != hiddenValues) {
                throw new IllegalArgumentException("hidden layer " + header.fingerprint().hiddenLayers().get(l)
                        + " has " + hidden[l].length + " values; " + tokens + " tokens × " + header.hiddenDim()
                        + " need " + hiddenValues);
            }
        }
        ensure(ShardFormat.recordBytes(header, p, tokens));
        offsets[added++] = records.position();
        records.putShort((short) p);
        records.putShort((short) tokens);
        if (pooled != null) {
            for (float v : pooled) {
                records.putShort(Fp16.fromFloat(v));
            }
        }
        int vocab = header.vocabSize();
        for (int i = 0; i < p; i++) {
            records.putShort((short) positions[i]);
            for (int j = 0; j < k; j++) {
                int id = ids[i * k + j];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocab + ")");
                }
                putId(id);
            }
            for (int j = 0; j < k; j++) {
                records.putShort(Fp16.fromFloat(probs[i * k + j]));
            }
        }
        for (int l = 0; l < layers; l++) {
            records.asShortBuffer().put(hidden[l]);
            records.position(records.position() + 2 * hidden[l].length);
        }
        this.positions += p;
    }

    private void putId(int id) {
        switch (header.idBytes()) {
            case 1:
                records.put((byte) id);
                break;
            case 2:
                records.putShort((short) id);
                break;
            case 3:
                records.putShort((short) id);
                records.put((byte) (id >>> 16));
                break;
            default:
                records.putInt(id);
        }
    }

    private void ensure(long more) {
        if (records.remaining() < more) {
            long want = Math.max((long) records.capacity() * 2, records.position() + more);
            if (want > Integer.MAX_VALUE - 64) {
                throw new IllegalStateException("cache shard " + header.shard() + " would exceed 2 GiB; use fewer"
                        + " examples per shard");
            }
            ByteBuffer bigger = ByteBuffer.allocate((int) want).order(ByteOrder.LITTLE_ENDIAN);
            records.flip();
            bigger.put(records);
            records = bigger;
        }
    }

    long positions() {
        return positions;
    }

    /**
     * The complete shard file as buffers in order (header, index, records, trailer), each
     * positioned at 0; fresh buffers on every call.
     */
    ByteBuffer[] parts() {
        if (added != header.numExamples()) {
            throw new IllegalStateException("shard " + header.shard() + " has " + added + " of its "
                    + header.numExamples() + " examples");
        }
        long base = headerBytes.length + 8L * offsets.length;
        offsets[added] = records.position();
        ByteBuffer index = ByteBuffer.allocate(8 * offsets.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long o : offsets) {
            index.putLong(base + o);
        }
        index.flip();
        ByteBuffer body = records.duplicate().flip();
        CRC32 crc = new CRC32();
        crc.update(headerBytes);
        crc.update(index.duplicate());
        crc.update(body.duplicate());
        ByteBuffer trailer = ByteBuffer.allocate(ShardFormat.TRAILER).order(ByteOrder.LITTLE_ENDIAN);
        trailer.put(ShardFormat.END).putInt((int) crc.getValue()).putInt(0).flip();
        return new ByteBuffer[] {ByteBuffer.wrap(headerBytes), index, body, trailer};
    }

    /** Size in bytes of the complete shard file. */
    long size() {
        return headerBytes.length + 8L * offsets.length + records.position() + ShardFormat.TRAILER;
    }

    /** Writes the complete shard to {@code file} atomically; returns its size in bytes. */
    long write(Path file) throws IOException {
        ByteBuffer[] parts = parts();
        AtomicFiles.write(file, ch -> {
            for (ByteBuffer b : parts) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        });
        return size();
    }
}
