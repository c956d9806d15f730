package dev.distill.core.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Builds a teacher-output cache (the teacher's top-k tokens and probabilities per position
 * instead of V-wide distributions, as the {@code ./distill mlm} example uses) in one pass of a
 * teacher over a data set.
 *
 * <p>The data set is cut into shards of {@code examplesPerShard} consecutive examples. Each shard
 * is computed in batches (examples sorted by length within the shard, so little padding), the
 * softmax of the teacher's logits at the kept positions reduced to its top k, and the shard
 * written atomically. {@code cache.json} is written first with {@code complete: false} and
 * rewritten at the end. After a crash or kill, running the builder again with the same inputs
 * keeps every complete, valid shard and computes only the rest; a different fingerprint is
 * refused, naming what differs.
 *
 * <p>The teacher is any {@link Teacher}: a function from a batch and positions to vocabulary
 * logits at those positions, so this class needs neither a tokenizer nor a model class. When the
 * fingerprint names hidden layers ({@link CacheFingerprint#withHiddenLayers}), the teacher also
 * returns its hidden states and those layers are stored at every real token in fp16
 * ({@link Builder#optHiddenDim}); the pooled embedding likewise with
 * {@link Builder#optPooledDim}.
 */
public final class TopKCacheBuilder {

    /** Computes the teacher's vocabulary logits at chosen positions of a batch. */
    @FunctionalInterface
    public interface Teacher {
        /**
         * @param batch (B, T) padded inputs on the teacher's device, no labels
         * @param positions for each row, the positions to return, ascending
         * @return logits (N, V) with N = total positions, rows in order (row 0's positions, then
         *     row 1's, …), and optionally the pooled embeddings (B, H) and the hidden states
         */
        Output run(TokenBatch batch, int[][] positions);
    }

    /**
     * What a {@link Teacher} returns for one batch.
     *
     * @param positionLogits (N, V) vocabulary logits at the requested positions
     * @param pooled (B, H) sentence embeddings, or {@code null}
     * @param hiddenStates the teacher's hidden states as {@code ModelOutputs.hiddenStates} holds
     *     them (index 0 the embedding output, l the output of layer l, each (B, T, H)), or {@code
     *     null}; the builder stores those the fingerprint names
     */
    public record Output(NDArray positionLogits, NDArray pooled, List<NDArray> hiddenStates) {
        /**
         * Logits and pooled embeddings, no hidden states.
         *
         * @param positionLogits (N, V) vocabulary logits at the requested positions
         * @param pooled (B, H) sentence embeddings, or {@code null}
         */
        public Output(NDArray positionLogits, NDArray pooled) {
            this(positionLogits, pooled, null);
        }
    }

    /** Reports progress after every batch. */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called on the building thread after each batch.
         *
         * @param examplesDone examples cached so far, reused shards included
         * @param examplesTotal examples in the data set
         * @param positionsDone kept positions cached so far
         */
        void update(long examplesDone, long examplesTotal, long positionsDone);
    }

    /**
     * What a build did.
     *
     * @param examples examples in the cache
     * @param positions kept positions over all examples
     * @param bytes size of all shards together
     * @param shardsReused complete shards found from an earlier (interrupted) run and kept
     * @param shardsBuilt shards computed by this run
     */
    public record Result(long examples, long positions, long bytes, int shardsReused, int shardsBuilt) {
        /**
         * {@return bytes per kept position, all overheads (headers, index, trailer) included; 0
         * without positions}
         */
        public double bytesPerPosition() {
            return positions == 0 ? 0 : (double) bytes / positions;
        }
    }

    private final Path dir;
    private final Teacher teacher;
    private final NDManager manager;
    private final int vocabSize;
    private final int examplesPerShard;
    private final int batchSize;
    private final int pooledDim;
    private final int hiddenDim;
    private final long padId;
    private final Progress progress;

    private TopKCacheBuilder(Builder b) {
        dir = b.dir;
        teacher = b.teacher;
        manager = b.manager;
        vocabSize = b.vocabSize;
        examplesPerShard = b.examplesPerShard;
        batchSize = b.batchSize;
        pooledDim = b.pooledDim;
        hiddenDim = b.hiddenDim;
        padId = b.padId;
        progress = b.progress;
    }

    /**
     * @param dir the cache directory (created if missing)
     * @param teacher computes the logits
     * @param manager the teacher's device; each batch runs in a sub-manager of it
     * @param vocabSize V, the width of the logits, &ge; 2 (checked by {@link Builder#build()})
     * @return a builder with the defaults: 4096 examples per shard, batches of 32, pad id 0, no
     *     pooled embeddings or hidden states, no progress reports
     * @throws NullPointerException if {@code dir}, {@code teacher} or {@code manager} is null
     */
    public static Builder builder(Path dir, Teacher teacher, NDManager manager, int vocabSize) {
        return new Builder(dir, teacher, manager, vocabSize);
    }

    /**
     * Builds (or finishes) the cache of {@code examples}.
     *
     * @param fingerprint must have been made from these examples ({@link CacheFingerprint#of}); its
     *     data hash is checked against them
     * @param examples the examples, in data order; at least one
     * @return what the build did
     * @throws IllegalArgumentException if there is no example, the fingerprint was not made from
     *     them, an example is longer than its max length, k exceeds V, or hidden layers and
     *     {@link Builder#optHiddenDim} disagree
     * @throws FingerprintMismatchException if the directory holds a cache of other inputs
     * @throws IOException if a file cannot be written
     */
    public Result build(List<CacheExample> examples, CacheFingerprint fingerprint) throws IOException {
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to cache");
        }
        String dataHash = CacheFingerprint.dataHash(examples);
        if (!dataHash.equals(fingerprint.dataHash())) {
            throw new IllegalArgumentException("the fingerprint's data hash " + fingerprint.dataHash()
                    + " was not computed from these examples (" + dataHash + "); make it with CacheFingerprint.of");
        }
        for (int i = 0; i < examples.size(); i++) {
            if (examples.get(i).inputIds().length > fingerprint.maxLength()) {
                throw new IllegalArgumentException("example " + i + " has " + examples.get(i).inputIds().length
                        + " tokens, more than the fingerprint's max length " + fingerprint.maxLength());
            }
        }
        CachePlan plan = CachePlan.of(dir, fingerprint, examples.size(), examplesPerShard, vocabSize, pooledDim,
                hiddenDim);
        plan.begin();
        long done = 0;
        long positions = 0;
        long bytes = 0;
        int reused = 0;
        int built = 0;
        for (int s = 0; s < plan.numShards(); s++) {
            int first = Math.toIntExact(plan.firstExample(s));
            int count = plan.shardSize(s);
            CachePlan.ShardStats existing = plan.completeShard(s);
            if (existing != null) {
                positions += existing.positions();
                bytes += existing.bytes();
                reused++;
            } else {
                ShardWriter w = computeShard(examples.subList(first, first + count), plan.header(s), done,
                        examples.size(), positions);
                bytes += w.write(plan.shardFile(s));
                positions += w.positions();
                built++;
            }
            done += count;
            if (progress != null) {
                progress.update(done, examples.size(), positions);
            }
        }
        plan.finish(positions, bytes);
        return new Result(examples.size(), positions, bytes, reused, built);
    }

    /**
     * Computes one shard of {@code plan} with this builder's teacher and returns it unwritten;
     * {@link ComputedShard#commit()} writes it atomically. This is the unit of a distributed build
     * (see {@link CachePlan}): the builder's vocabulary, pooled and hidden widths must match the
     * plan's.
     *
     * @param shardExamples the shard's examples, in order: [firstExample(shard), +shardSize(shard))
     */
    public ComputedShard computeShard(CachePlan plan, int shard, List<CacheExample> shardExamples) {
        Objects.requireNonNull(plan, "plan");
        if (plan.vocabSize() != vocabSize || plan.pooledDim() != pooledDim || plan.hiddenDim() != hiddenDim) {
            throw new IllegalArgumentException("the plan's vocabulary / pooled / hidden widths (" + plan.vocabSize()
                    + ", " + plan.pooledDim() + ", " + plan.hiddenDim() + ") differ from this builder's (" + vocabSize
                    + ", " + pooledDim + ", " + hiddenDim + "); configure the builder like the plan");
        }
        if (shardExamples.size() != plan.shardSize(shard)) {
            throw new IllegalArgumentException("shard " + shard + " holds " + plan.shardSize(shard) + " examples, got "
                    + shardExamples.size());
        }
        for (int i = 0; i < shardExamples.size(); i++) {
            if (shardExamples.get(i).inputIds().length > plan.fingerprint().maxLength()) {
                throw new IllegalArgumentException("example " + (plan.firstExample(shard) + i) + " has "
                        + shardExamples.get(i).inputIds().length + " tokens, more than the fingerprint's max length "
                        + plan.fingerprint().maxLength());
            }
        }
        return new ComputedShard(plan, shard, computeShard(shardExamples, plan.header(shard), 0, shardExamples.size(),
                0));
    }

    private ShardWriter computeShard(List<CacheExample> shard, ShardFormat.Header h, long doneBefore, long total,
            long positionsBefore) {
        int n = shard.size();
        int k = h.k();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> shard.get(i).inputIds().length));
        int[][] ids = new int[n][];
        float[][] probs = new float[n][];
        float[][] pooled = new float[n][];
        List<Integer> layers = h.fingerprint().hiddenLayers();
        short[][][] hidden = new short[n][][];
        long done = doneBefore;
        long positions = positionsBefore;
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            List<CacheExample> batch = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                batch.add(shard.get(order[i]));
            }
            int total0 = 0;
            for (CacheExample e : batch) {
                total0 += e.positions().length;
            }
            try (NDManager sub = manager.newSubManager()) {
                TokenBatch tb = pad(batch, sub);
                int[][] pos = new int[batch.size()][];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = batch.get(i).positions();
                }
                int[] flatIds = new int[0];
                float[] flatProbs = new float[0];
                float[] pooledAll = null;
                float[][] hiddenAll = null; // per stored layer, (B, T, H) row-major
                int padded = Math.toIntExact(tb.sequenceLength());
                if (total0 > 0 || pooledDim > 0 || !layers.isEmpty()) {
                    Output out = teacher.run(tb, pos);
                    if (total0 > 0) {
                        NDArray logits = out.positionLogits();
                        if (logits == null || !logits.getShape().equals(new Shape(total0, vocabSize))) {
                            throw new IllegalStateException("the teacher returned logits of shape "
                                    + (logits == null ? "null" : logits.getShape()) + "; expected (" + total0 + ", "
                                    + vocabSize + ") for the requested positions");
                        }
                        NDList top = logits.toType(DataType.FLOAT32, false).softmax(1).topK(k, 1, true, true);
                        flatProbs = top.get(0).toFloatArray();
                        flatIds = top.get(1).toType(DataType.INT32, false).toIntArray();
                    }
                    if (pooledDim > 0) {
                        NDArray p = out.pooled();
                        if (p == null || !p.getShape().equals(new Shape(batch.size(), pooledDim))) {
                            throw new IllegalStateException("the teacher returned pooled embeddings of shape "
                                    + (p == null ? "null" : p.getShape()) + "; expected (" + batch.size() + ", "
                                    + pooledDim + ")");
                        }
                        pooledAll = p.toType(DataType.FLOAT32, false).toFloatArray();
                    }
                    if (!layers.isEmpty()) {
                        hiddenAll = hiddenOf(out, layers, batch.size(), padded);
                    }
                }
                int at = 0;
                for (int i = 0; i < batch.size(); i++) {
                    int p = pos[i].length;
                    int ex = order[start + i];
                    ids[ex] = Arrays.copyOfRange(flatIds, at * k, (at + p) * k);
                    probs[ex] = Arrays.copyOfRange(flatProbs, at * k, (at + p) * k);
                    pooled[ex] = pooledAll == null ? null
                            : Arrays.copyOfRange(pooledAll, i * pooledDim, (i + 1) * pooledDim);
                    if (hiddenAll != null) {
                        int len = batch.get(i).inputIds().length;
                        hidden[ex] = new short[layers.size()][len * hiddenDim];
                        for (int l = 0; l < layers.size(); l++) {
                            int from = i * padded * hiddenDim;
                            for (int j = 0; j < len * hiddenDim; j++) {
                                hidden[ex][l][j] = Fp16.fromFloat(hiddenAll[l][from + j]);
                            }
                        }
                    }
                    at += p;
                }
            }
            done += end - start;
            positions += total0;
            if (progress != null && end < n) {
                progress.update(done, total, positions);
            }
        }
        ShardWriter w = new ShardWriter(h);
        for (int i = 0; i < n; i++) {
            w.add(shard.get(i).positions(), ids[i], probs[i], pooled[i], shard.get(i).inputIds().length, hidden[i]);
        }
        return w;
    }

    /** The stored layers of the teacher's hidden states, checked, as float arrays (B·T·H each). */
    private float[][] hiddenOf(Output out, List<Integer> layers, int b, int t) {
        List<NDArray> all = out.hiddenStates();
        if (all == null) {
            throw new IllegalStateException("the cache stores hidden layers " + layers + " but the teacher returned"
                    + " no hidden states; return ModelOutputs.hiddenStates() in Output.hiddenStates");
        }
        float[][] v = new float[layers.size()][];
        for (int l = 0; l < layers.size(); l++) {
            int index = layers.get(l);
            if (index >= all.size()) {
                throw new IllegalArgumentException("hidden layer " + index + " does not exist: the teacher has "
                        + all.size() + " hidden states (0 = embeddings, 1.." + (all.size() - 1) + " = layers); choose"
                        + " hidden layers among 0.." + (all.size() - 1));
            }
            NDArray x = all.get(index);
            if (!x.getShape().equals(new Shape(b, t, hiddenDim))) {
                throw new IllegalStateException("the teacher's hidden state " + index + " has shape " + x.getShape()
                        + "; expected (" + b + ", " + t + ", " + hiddenDim + ") (is optHiddenDim the teacher's hidden"
                        + " size?)");
            }
            v[l] = x.toType(DataType.FLOAT32, false).toFloatArray();
        }
        return v;
    }

    private TokenBatch pad(List<CacheExample> batch, NDManager m) {
        int t = 0;
        for (CacheExample e : batch) {
            t = Math.max(t, e.inputIds().length);
        }
        int b = batch.size();
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] types = new long[b * t];
        Arrays.fill(ids, padId);
        long real = 0;
        for (int i = 0; i < b; i++) {
            CacheExample e = batch.get(i);
            int n = e.inputIds().length;
            System.arraycopy(e.inputIds(), 0, ids, i * t, n);
            System.arraycopy(e.typeIds(), 0, types, i * t, n);
            Arrays.fill(mask, i * t, i * t + n, 1L);
            real += n;
        }
        Shape s = new Shape(b, t);
        return new TokenBatch(m.create(ids, s), m.create(mask, s), m.create(types, s), null, real);
    }

    /** Configures a {@link TopKCacheBuilder}. */
    public static final class Builder {
        private final Path dir;
        private final Teacher teacher;
        private final NDManager manager;
        private final int vocabSize;
        private int examplesPerShard = 4096;
        private int batchSize = 32;
        private int pooledDim;
        private int hiddenDim;
        private long padId;
        private Progress progress;

        private Builder(Path dir, Teacher teacher, NDManager manager, int vocabSize) {
            this.dir = Objects.requireNonNull(dir, "dir");
            this.teacher = Objects.requireNonNull(teacher, "teacher");
            this.manager = Objects.requireNonNull(manager, "manager");
            this.vocabSize = vocabSize;
        }

        /**
         * Examples per shard file (default 4096).
         *
         * @param n examples, &gt; 0
         * @return this builder
         */
        public Builder optExamplesPerShard(int n) {
            this.examplesPerShard = n;
            return this;
        }

        /**
         * Examples per teacher forward pass (default 32).
         *
         * @param n examples, &gt; 0
         * @return this builder
         */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /**
         * Also store the teacher's pooled embedding of this width per example (default 0: none).
         *
         * @param d the width, &ge; 0
         * @return this builder
         */
        public Builder optPooledDim(int d) {
            this.pooledDim = d;
            return this;
        }

        /**
         * Width H of the teacher's hidden states, needed when the fingerprint names hidden layers
         * to store ({@link CacheFingerprint#withHiddenLayers}); default 0: none.
         *
         * @param h H, &ge; 0
         * @return this builder
         */
        public Builder optHiddenDim(int h) {
            this.hiddenDim = h;
            return this;
        }

        /**
         * The pad id used to pad batches (default 0).
         *
         * @param padId the id
         * @return this builder
         */
        public Builder optPadId(long padId) {
            this.padId = padId;
            return this;
        }

        /**
         * Sets a progress callback (default none).
         *
         * @param progress the callback, or null for none
         * @return this builder
         */
        public Builder optProgress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Builds the builder.
         *
         * @return the cache builder
         * @throws IllegalArgumentException if V &lt; 2, a count is not positive or a width is negative
         */
        public TopKCacheBuilder build() {
            if (vocabSize < 2) {
                throw new IllegalArgumentException("vocabSize (" + vocabSize + ") must be at least 2");
            }
            if (examplesPerShard < 1 || batchSize < 1 || pooledDim < 0 || hiddenDim < 0) {
                throw new IllegalArgumentException("examplesPerShard (" + examplesPerShard + ") and batchSize ("
                        + batchSize + ") must be positive, pooledDim (" + pooledDim + ") and hiddenDim (" + hiddenDim
                        + ") not negative");
            }
            return new TopKCacheBuilder(this);
        }
    }
}
