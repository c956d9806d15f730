package dev.distill.core.cache;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The layout of a teacher-output cache being built: its directory, fingerprint, number of
 * examples, examples per shard and record widths. Everything about the cache that does not need
 * the teacher, so that a build can be split across processes: a driver makes the plan and calls
 * {@link #begin()}, any number of workers (each with its own teacher) compute shards with {@link
 * TopKCacheBuilder#buildShard}, each shard written atomically under a name fixed by its index,
 * and the driver ends with {@link #finishFromShards()}, which checks every shard and writes the
 * same complete {@code cache.json} as the single-process {@link TopKCacheBuilder#build}.
 *
 * <p>Shard s holds examples [s·examplesPerShard, min((s+1)·examplesPerShard, numExamples)), so an
 * example's shard depends only on its index, never on how the work was partitioned. The plan is
 * {@link Serializable} (the directory is kept as a string) so it can be shipped to workers.
 */
public final class CachePlan implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A complete shard: its kept positions and its size in bytes. */
    public record ShardStats(int shard, long positions, long bytes) implements Serializable {}

    /** Totals of a complete cache. */
    public record Totals(long positions, long bytes) {}

    private final String dir;
    private final CacheFingerprint fingerprint;
    private final long numExamples;
    private final int examplesPerShard;
    private final int vocabSize;
    private final int pooledDim;
    private final int hiddenDim;

    private CachePlan(String dir, CacheFingerprint fingerprint, long numExamples, int examplesPerShard,
            int vocabSize, int pooledDim, int hiddenDim) {
        this.dir = dir;
        this.fingerprint = fingerprint;
        this.numExamples = numExamples;
        this.examplesPerShard = examplesPerShard;
        this.vocabSize = vocabSize;
        this.pooledDim = pooledDim;
        this.hiddenDim = hiddenDim;
    }

    /**
     * @param dir the cache directory (created by {@link #begin()})
     * @param fingerprint what the cache is computed from, data hash over all {@code numExamples} in order
     * @param numExamples examples in the whole cache
     * @param examplesPerShard examples per shard file
     * @param vocabSize V, the width of the teacher's logits
     * @param pooledDim width of the stored pooled embedding, 0 for none
     * @param hiddenDim width of the stored hidden states: the teacher's hidden size when the
     *     fingerprint names hidden layers, else 0
     */
    public static CachePlan of(Path dir, CacheFingerprint fingerprint, long numExamples, int examplesPerShard,
            int vocabSize, int pooledDim, int hiddenDim) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (numExamples < 1) {
            throw new IllegalArgumentException("no examples to cache (numExamples " + numExamples + ")");
        }
        if (examplesPerShard < 1 || pooledDim < 0 || hiddenDim < 0) {
            throw new IllegalArgumentException("examplesPerShard (" + examplesPerShard + ") must be positive, pooledDim ("
                    + pooledDim + ") and hiddenDim (" + hiddenDim + ") not negative");
        }
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocabSize (" + vocabSize + ") must be at least 2");
        }
        if (fingerprint.k() > vocabSize) {
            throw new IllegalArgumentException("k (" + fingerprint.k() + ") must not exceed the vocabulary size "
                    + vocabSize);
        }
        boolean hidden = !fingerprint.hiddenLayers().isEmpty();
        if (hidden != (hiddenDim > 0)) {
            throw new IllegalArgumentException(hidden ? "the fingerprint asks for hidden layers "
                    + fingerprint.hiddenLayers() + " but the builder has no hidden width: call optHiddenDim(H) with"
                    + " the teacher's hidden size" : "optHiddenDim(" + hiddenDim + ") is set but the fingerprint names"
                    + " no hidden layers: make it with CacheFingerprint.withHiddenLayers, or drop optHiddenDim");
        }
        if ((numExamples + examplesPerShard - 1) / examplesPerShard > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(numExamples + " examples at " + examplesPerShard + " per shard make too"
                    + " many shards; use more examples per shard");
        }
        return new CachePlan(dir.toString(), fingerprint, numExamples, examplesPerShard, vocabSize, pooledDim,
                hiddenDim);
    }

    /** The cache directory. */
    public Path directory() {
        return Path.of(dir);
    }

    /** What the cache is computed from; every shard header carries it. */
    public CacheFingerprint fingerprint() {
        return fingerprint;
    }

    /** Examples in the whole cache. */
    public long numExamples() {
        return numExamples;
    }

    /** Examples per shard file (the last shard may hold fewer). */
    public int examplesPerShard() {
        return examplesPerShard;
    }

    /** V, the width of the teacher's logits. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Width of the stored pooled embedding, 0 for none. */
    public int pooledDim() {
        return pooledDim;
    }

    /** Width of the stored hidden states, 0 when the fingerprint names no hidden layers. */
    public int hiddenDim() {
        return hiddenDim;
    }

    /** Shard files in the cache: ceil(numExamples / examplesPerShard). */
    public int numShards() {
        return (int) ((numExamples + examplesPerShard - 1) / examplesPerShard);
    }

    /** The shard that holds example {@code index} (0-based, in data order). */
    public int shardOf(long index) {
        if (index < 0 || index >= numExamples) {
            throw new IllegalArgumentException("example " + index + " is outside the cache's [0, " + numExamples + ")");
        }
        return (int) (index / examplesPerShard);
    }

    /** Index of the first example of {@code shard}. */
    public long firstExample(int shard) {
        checkShard(shard);
        return (long) shard * examplesPerShard;
    }

    /** Examples in {@code shard} (the last may hold fewer). */
    public int shardSize(int shard) {
        return (int) Math.min(examplesPerShard, numExamples - firstExample(shard));
    }

    /** The file of {@code shard}. */
    public Path shardFile(int shard) {
        checkShard(shard);
        return directory().resolve(CacheManifest.shardName(shard));
    }

    private void checkShard(int shard) {
        if (shard < 0 || shard >= numShards()) {
            throw new IllegalArgumentException("shard " + shard + " does not exist: the cache has shards 0.."
                    + (numShards() - 1));
        }
    }

    ShardFormat.Header header(int shard) {
        return new ShardFormat.Header(fingerprint, shard, firstExample(shard), shardSize(shard), fingerprint.k(),
                vocabSize, ShardFormat.idBytes(vocabSize), pooledDim, hiddenDim);
    }

    private CacheManifest manifest(boolean complete, long positions, long bytes) {
        return new CacheManifest(fingerprint, numExamples, examplesPerShard, fingerprint.k(), vocabSize,
                ShardFormat.idBytes(vocabSize), pooledDim, hiddenDim, complete, positions, bytes);
    }

    /**
     * Starts (or resumes) the build: creates the directory, deletes temporary files that killed
     * writers left, refuses a cache there made from other inputs or with another layout (naming
     * every difference) and writes {@code cache.json} with {@code complete: false}. Call once,
     * before any shard is computed; complete shards of an earlier run are kept.
     */
    public void begin() throws IOException {
        Path d = directory();
        Files.createDirectories(d);
        deleteStrayTemporaries();
        if (CacheManifest.exists(d)) {
            CacheManifest old = CacheManifest.read(d);
            List<String> diff = new ArrayList<>(old.fingerprint().differences(fingerprint));
            if (old.examplesPerShard() != examplesPerShard) {
                diff.add("examples per shard: cache " + old.examplesPerShard() + " vs requested " + examplesPerShard);
            }
            if (old.pooledDim() != pooledDim) {
                diff.add("pooled dimension: cache " + old.pooledDim() + " vs requested " + pooledDim);
            }
            if (old.hiddenDim() != hiddenDim) {
                diff.add("hidden dimension: cache " + old.hiddenDim() + " vs requested " + hiddenDim);
            }
            if (old.vocabSize() != vocabSize) {
                diff.add("vocabulary size: cache " + old.vocabSize() + " vs requested " + vocabSize);
            }
            if (!diff.isEmpty()) {
                throw new FingerprintMismatchException(d, diff, "Refusing to mix them: build into another"
                        + " directory, or delete this one to rebuild it");
            }
        }
        manifest(false, 0, 0).write(d);
    }

    /**
     * The stats of {@code shard} if its file is complete and belongs to this plan (header equal,
     * structure and CRC-32 valid), else {@code null}: absent, torn or damaged shards are to be
     * (re)built, and the atomic write replaces them.
     */
    public ShardStats completeShard(int shard) {
        Path file = shardFile(shard);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            ShardFormat.Opened o = ShardFormat.open(file, true);
            if (!o.header().equals(header(shard))) {
                return null;
            }
            long positions = 0;
            for (int i = 0; i < o.header().numExamples(); i++) {
                positions += o.data().getShort(Math.toIntExact(o.recordOffset(i))) & 0xffff;
            }
            return new ShardStats(shard, positions, o.size());
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes the complete {@code cache.json} with totals the caller counted. */
    public void finish(long positions, long bytes) throws IOException {
        manifest(true, positions, bytes).write(directory());
    }

    /**
     * Ends a build whose shards were written by other processes: checks that every shard is
     * complete and belongs to this plan (structure, header, CRC-32), sums their positions and
     * sizes, deletes stray temporary files and writes the complete {@code cache.json}.
     *
     * @throws NoSuchFileException naming the first missing or damaged shard (nothing is marked complete)
     */
    public Totals finishFromShards() throws IOException {
        long positions = 0;
        long bytes = 0;
        List<Integer> bad = new ArrayList<>();
        for (int s = 0; s < numShards(); s++) {
            ShardStats st = completeShard(s);
            if (st == null) {
                bad.add(s);
            } else {
                positions += st.positions();
                bytes += st.bytes();
            }
        }
        if (!bad.isEmpty()) {
            throw new NoSuchFileException(shardFile(bad.get(0)).toString(), null, bad.size() + " of " + numShards()
                    + " shards are missing or damaged (first: shard " + bad.get(0) + "); the cache stays incomplete."
                    + " Run the build again: it keeps the complete shards and computes only these");
        }
        deleteStrayTemporaries();
        finish(positions, bytes);
        return new Totals(positions, bytes);
    }

    private void deleteStrayTemporaries() {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory(), ".shard-*.tmp-*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up " + dir, e);
        }
    }
}
