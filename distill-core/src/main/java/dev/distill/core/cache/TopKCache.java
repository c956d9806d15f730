// Over 400 lines only because of its Javadoc: 256 lines of code once comments and blank lines are left out.
package dev.distill.core.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.io.MalformedFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a teacher-output cache written by {@link TopKCacheBuilder}: per example, the teacher's
 * top-k token ids and probabilities at the kept positions, and optionally its pooled embedding and
 * chosen hidden states at every token, memory-mapped, so opening is instant, pages come in on
 * demand and several readers share them. {@link CacheReplayTeacher} replays it as a teacher.
 *
 * <p>Opening checks the manifest is complete and every shard's structure (a truncated or damaged
 * shard is refused naming the file); {@link #open(Path, CacheFingerprint)} also refuses a cache
 * made from another teacher, tokenizer, data, length, k or masking seed, listing what differs.
 * Reads are thread-safe.
 */
public final class TopKCache {

    /**
     * One example's entries.
     *
     * @param positions kept positions P, ascending
     * @param ids P × k token ids, row-major, most probable first
     * @param probs P × k probabilities (fp16-rounded, temperature 1)
     * @param pooled the pooled embedding, or an empty array
     */
    public record Entry(int[] positions, int[] ids, float[] probs, float[] pooled) {}

    /**
     * A batch of targets in the layout of {@code TopKTargets}: ids (B, T, k) int64, probabilities
     * (B, T, k) float32, and {@code kept} (B, T) boolean marking the positions the cache holds;
     * elsewhere ids are 0 and probabilities 0, which a top-k loss counts as no target.
     *
     * @param ids (B, T, k) int64 token ids
     * @param probs (B, T, k) float32 probabilities at temperature 1
     * @param kept (B, T) boolean, true where the cache holds targets
     */
    public record Batch(NDArray ids, NDArray probs, NDArray kept) {}

    private final Path dir;
    private final CacheManifest manifest;
    private final List<ShardFormat.Opened> shards;

    private TopKCache(Path dir, CacheManifest manifest, List<ShardFormat.Opened> shards) {
        this.dir = dir;
        this.manifest = manifest;
        this.shards = shards;
    }

    /**
     * Opens a cache and checks it was made from exactly {@code expected}.
     *
     * @param dir the cache directory
     * @param expected the fingerprint of the inputs this run uses
     * @return the open cache
     * @throws FingerprintMismatchException if the cache was made from other inputs (every difference named)
     * @throws IllegalStateException if the cache is incomplete (its build was interrupted)
     * @throws MalformedFileException if a shard is damaged or does not match the manifest
     * @throws IOException if a file is missing or cannot be read
     */
    public static TopKCache open(Path dir, CacheFingerprint expected) throws IOException {
        TopKCache c = open(dir);
        List<String> diff = c.fingerprint().differences(expected);
        if (!diff.isEmpty()) {
            throw new FingerprintMismatchException(dir, diff, "Rebuild the cache for these inputs, or train with the"
                    + " teacher, data and k it was built from");
        }
        return c;
    }

    /**
     * Opens a cache without comparing its fingerprint (to inspect it), verifying shard checksums.
     *
     * @param dir the cache directory
     * @return the open cache
     * @throws IllegalStateException if the cache is incomplete
     * @throws MalformedFileException if a shard is damaged or does not match the manifest
     * @throws IOException if a file is missing or cannot be read
     */
    public static TopKCache open(Path dir) throws IOException {
        return open(dir, true);
    }

    /**
     * Opens a cache without comparing its fingerprint.
     *
     * @param dir the cache directory
     * @param verifyChecksums read every shard once to check its CRC-32 (structure and size are
     *     always checked)
     * @return the open cache
     * @throws IllegalStateException if the cache is incomplete
     * @throws MalformedFileException if a shard is damaged or does not match the manifest
     * @throws IOException if a file is missing or cannot be read
     */
    public static TopKCache open(Path dir, boolean verifyChecksums) throws IOException {
        CacheManifest m = CacheManifest.read(dir);
        if (!m.complete()) {
            throw new IllegalStateException("teacher-output cache " + dir + " is incomplete (its build was"
                    + " interrupted); run the builder again with the same inputs to finish it");
        }
        List<ShardFormat.Opened> shards = new ArrayList<>();
        for (int s = 0; s < m.numShards(); s++) {
            Path f = dir.resolve(CacheManifest.shardName(s));
            if (!java.nio.file.Files.isRegularFile(f)) {
                throw new java.nio.file.NoSuchFileException(f.toString(), null, "cache shard missing; the manifest"
                        + " lists " + m.numShards() + " shards. Run the builder again to rebuild it");
            }
            ShardFormat.Opened o = ShardFormat.open(f, verifyChecksums);
            ShardFormat.Header h = o.header();
            long first = (long) s * m.examplesPerShard();
            int count = (int) Math.min(m.examplesPerShard(), m.numExamples() - first);
            if (h.shard() != s || h.firstExample() != first || h.numExamples() != count || h.k() != m.k()
                    || h.idBytes() != m.idBytes() || h.pooledDim() != m.pooledDim() || h.hiddenDim() != m.hiddenDim()
                    || !h.fingerprint().equals(m.fingerprint())) {
                throw new MalformedFileException(f, "shard header " + h.toJson() + " does not match the manifest"
                        + " (shard " + s + ", examples [" + first + ", " + (first + count) + "), k " + m.k() + ")");
            }
            shards.add(o);
        }
        return new TopKCache(dir, m, shards);
    }

    /** {@return the cache directory} */
    public Path directory() {
        return dir;
    }

    /** {@return the fingerprint of the inputs the cache was built from} */
    public CacheFingerprint fingerprint() {
        return manifest.fingerprint();
    }

    /** {@return the number of examples, indexed 0..N−1 in data order} */
    public long numExamples() {
        return manifest.numExamples();
    }

    /** {@return k, the tokens stored per kept position} */
    public int k() {
        return manifest.k();
    }

    /** {@return the teacher's vocabulary size V} */
    public int vocabSize() {
        return manifest.vocabSize();
    }

    /** {@return the width of the stored pooled embeddings, 0 when none are stored} */
    public int pooledDim() {
        return manifest.pooledDim();
    }

    /**
     * The stored hidden-state indices (0 = embedding output, l = layer l), ascending; empty if none.
     *
     * @return an immutable list
     */
    public List<Integer> hiddenLayers() {
        return manifest.fingerprint().hiddenLayers();
    }

    /** {@return the width H of the stored hidden states (0 when none are stored)} */
    public int hiddenDim() {
        return manifest.hiddenDim();
    }

    /** {@return the number of kept positions over all examples} */
    public long positions() {
        return manifest.positions();
    }

    /** {@return the size of all shards together, in bytes} */
    public long bytes() {
        return manifest.bytes();
    }

    /** The shard buffer and the offset of example {@code index}'s record. */
    private record Located(MappedByteBuffer data, int offset) {}

    private Located locate(long index) {
        if (index < 0 || index >= manifest.numExamples()) {
            throw new IndexOutOfBoundsException("example " + index + " is outside the cache's [0, "
                    + manifest.numExamples() + ")");
        }
        int s = (int) (index / manifest.examplesPerShard());
        ShardFormat.Opened shard = shards.get(s);
        int local = (int) (index - (long) s * manifest.examplesPerShard());
        return new Located(shard.data(), Math.toIntExact(shard.recordOffset(local)));
    }

    /**
     * One example's entries, decoded to the heap.
     *
     * @param index the example, in [0, {@link #numExamples()})
     * @return the entry, in new arrays
     * @throws IndexOutOfBoundsException if {@code index} is out of range
     */
    public Entry example(long index) {
        Located at = locate(index);
        MappedByteBuffer b = at.data();
        int off = at.offset();
        int k = manifest.k();
        int p = b.getShort(off) & 0xffff;
        off += 4; // P, T
        float[] pooled = new float[manifest.pooledDim()];
        for (int i = 0; i < pooled.length; i++, off += 2) {
            pooled[i] = Fp16.toFloat(b.getShort(off));
        }
        int[] positions = new int[p];
        int[] ids = new int[p * k];
        float[] probs = new float[p * k];
        int idBytes = manifest.idBytes();
        for (int i = 0; i < p; i++) {
            positions[i] = b.getShort(off) & 0xffff;
            off += 2;
            for (int j = 0; j < k; j++, off += idBytes) {
                ids[i * k + j] = readId(b, off, idBytes);
            }
            for (int j = 0; j < k; j++, off += 2) {
                probs[i * k + j] = Fp16.toFloat(b.getShort(off));
            }
        }
        return new Entry(positions, ids, probs, pooled);
    }

    /**
     * The number of tokens T of example {@code index} (its hidden states cover positions 0..T−1).
     *
     * @param index the example, in [0, {@link #numExamples()})
     * @return T
     * @throws IndexOutOfBoundsException if {@code index} is out of range
     */
    public int tokens(long index) {
        Located at = locate(index);
        return at.data().getShort(at.offset() + 2) & 0xffff;
    }

    /** Offset of the first stored hidden layer of the record at {@code at}. */
    private int hiddenOffset(Located at) {
        int p = at.data().getShort(at.offset()) & 0xffff;
        return at.offset() + 4 + 2 * manifest.pooledDim() + p * ShardFormat.positionBytes(manifest.k(),
                manifest.idBytes());
    }

    private int layerSlot(int layer) {
        int slot = hiddenLayers().indexOf(layer);
        if (slot < 0) {
            throw new IllegalArgumentException("cache " + dir + " holds hidden states " + hiddenLayers()
                    + ", not hidden state " + layer + "; build the cache with that layer among its hidden layers");
        }
        return slot;
    }

    /**
     * The stored hidden state {@code layer} (a hidden-state index, e.g. 12) of one example: T × H
     * values, row-major, decoded from fp16.
     *
     * @param index the example, in [0, {@link #numExamples()})
     * @param layer a hidden-state index among {@link #hiddenLayers()}
     * @return a new array of T·H values
     * @throws IllegalArgumentException if the cache does not hold that layer
     * @throws IndexOutOfBoundsException if {@code index} is out of range
     */
    public float[] hidden(long index, int layer) {
        int slot = layerSlot(layer);
        Located at = locate(index);
        int t = at.data().getShort(at.offset() + 2) & 0xffff;
        int h = manifest.hiddenDim();
        int off = hiddenOffset(at) + 2 * slot * t * h;
        float[] out = new float[t * h];
        for (int i = 0; i < out.length; i++, off += 2) {
            out[i] = Fp16.toFloat(at.data().getShort(off));
        }
        return out;
    }

    /**
     * Every stored hidden state of a batch whose row b is example {@code examples[b]}, padded with
     * zeros to {@code seqLength}: one (B, seqLength, H) float32 array per stored layer, in the order
     * of {@link #hiddenLayers()}. The fp16 bytes are copied straight from the mapped shards into one
     * buffer per layer and widened to float32 by the engine (exact: every fp16 value is a float).
     *
     * @param examples the example index of each row
     * @param seqLength T of the batch
     * @param manager the owner of the returned arrays
     * @return one array per stored layer
     * @throws IllegalStateException if the cache holds no hidden states
     * @throws IllegalArgumentException if an example has more than {@code seqLength} tokens
     */
    public List<NDArray> hiddenStates(long[] examples, int seqLength, NDManager manager) {
        List<Integer> layers = hiddenLayers();
        if (layers.isEmpty()) {
            throw new IllegalStateException("cache " + dir + " holds no hidden states; build it with hidden layers"
                    + " (e.g. ./distill cache --hidden-layers 0,12)");
        }
        int h = manifest.hiddenDim();
        int bsz = examples.length;
        long rowBytes = 2L * seqLength * h;
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            buffers.add(ByteBuffer.allocateDirect(Math.toIntExact(bsz * rowBytes)).order(ByteOrder.nativeOrder()));
        }
        for (int r = 0; r < bsz; r++) {
            Located at = locate(examples[r]);
            int t = at.data().getShort(at.offset() + 2) & 0xffff;
            if (t > seqLength) {
                throw new IllegalArgumentException("example " + examples[r] + " has " + t + " cached tokens, more"
                        + " than the batch length " + seqLength + "; the batch does not hold the inputs the cache was"
                        + " built from");
            }
            int off = hiddenOffset(at);
            for (int l = 0; l < layers.size(); l++) {
                ByteBuffer dst = buffers.get(l);
                ShortBuffer src = at.data().duplicate().order(ByteOrder.LITTLE_ENDIAN)
                        .position(off + 2 * l * t * h).slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                ShortBuffer view = dst.duplicate().order(ByteOrder.nativeOrder())
                        .position(Math.toIntExact(r * rowBytes)).slice().order(ByteOrder.nativeOrder())
                        .asShortBuffer();
                src.limit(t * h);
                view.put(src); // the rest of the row stays zero (padding)
            }
        }
        List<NDArray> out = new ArrayList<>();
        Shape shape = new Shape(bsz, seqLength, h);
        for (ByteBuffer b : buffers) {
            NDArray half = manager.create(b, shape, DataType.FLOAT16);
            NDArray full = half.toType(DataType.FLOAT32, false); // new storage: safe once half is closed
            half.close();
            out.add(full);
        }
        return out;
    }

    private static int readId(MappedByteBuffer b, int off, int idBytes) {
        switch (idBytes) {
            case 1:
                return b.get(off) & 0xff;
            case 2:
                return b.getShort(off) & 0xffff;
            case 3:
                return (b.getShort(off) & 0xffff) | ((b.get(off + 2) & 0xff) << 16);
            default:
                return b.getInt(off);
        }
    }

    /**
     * The targets of a batch whose row b is example {@code examples[b]}, padded to {@code seqLength}.
     *
     * @param examples the example index of each row
     * @param seqLength T of the batch
     * @param manager the owner of the returned arrays
     * @return the targets, (B, T, k) and (B, T)
     * @throws IllegalArgumentException if a kept position lies at or past {@code seqLength}
     */
    public Batch batch(long[] examples, int seqLength, NDManager manager) {
        int k = manifest.k();
        int bsz = examples.length;
        long[] ids = new long[bsz * seqLength * k];
        float[] probs = new float[bsz * seqLength * k];
        boolean[] kept = new boolean[bsz * seqLength];
        for (int r = 0; r < bsz; r++) {
            Entry e = example(examples[r]);
            for (int i = 0; i < e.positions().length; i++) {
                int pos = e.positions()[i];
                if (pos >= seqLength) {
                    throw new IllegalArgumentException("example " + examples[r] + " has a cached position " + pos
                            + " beyond the batch length " + seqLength + "; the batch does not hold the inputs the"
                            + " cache was built from");
                }
                int dst = (r * seqLength + pos) * k;
                for (int j = 0; j < k; j++) {
                    ids[dst + j] = e.ids()[i * k + j];
                    probs[dst + j] = e.probs()[i * k + j];
                }
                kept[r * seqLength + pos] = true;
            }
        }
        Shape shape = new Shape(bsz, seqLength, k);
        return new Batch(manager.create(ids, shape), manager.create(probs, shape),
                manager.create(kept, new Shape(bsz, seqLength)));
    }

    /**
     * The pooled embeddings of a batch, (B, pooledDim) float32.
     *
     * @param examples the example index of each row
     * @param manager the owner of the returned array
     * @return (B, pooledDim) float32
     * @throws IllegalStateException if the cache holds no pooled embeddings
     */
    public NDArray pooled(long[] examples, NDManager manager) {
        int d = manifest.pooledDim();
        if (d == 0) {
            throw new IllegalStateException("cache " + dir + " holds no pooled embeddings; build it with a pooled"
                    + " dimension");
        }
        float[] out = new float[examples.length * d];
        for (int r = 0; r < examples.length; r++) {
            System.arraycopy(example(examples[r]).pooled(), 0, out, r * d, d);
        }
        return manager.create(out, new Shape(examples.length, d)).toType(DataType.FLOAT32, false);
    }
}
