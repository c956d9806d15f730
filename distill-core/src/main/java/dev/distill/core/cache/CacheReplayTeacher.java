package dev.distill.core.cache;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.FrozenTeacher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The teacher when training from a {@link TopKCache}: it runs nothing and replays, through the
 * {@link ModelOutputs} contract, what the cache stored for the batch's examples, so the ordinary
 * losses train from it:
 *
 * <ul>
 *   <li>the stored <b>hidden states</b> ({@link CacheFingerprint#hiddenLayers()}) at their indices of
 *       {@link ModelOutputs#hiddenStates()}, (B, T, H) float32, zero at padding: a {@code
 *       HiddenStateLoss} comparing those layers trains exactly as with the online teacher up to the
 *       fp16 rounding of the stored values (relative error ≤ 2⁻¹¹ per element);
 *   <li>the stored <b>pooled</b> embedding (B, H), when the cache holds one;
 *   <li>the top-k soft targets are not here: they reach {@code TopKSoftTargetLoss} through a
 *       {@code CachedTopKSource}, which reads the same cache.
 * </ul>
 *
 * Everything else is a placeholder of width 0 that keeps the contract (L + 1 hidden states, L
 * attention layers, L = the teacher's layers) and makes a loss that reads it fail on its shape:
 * hidden states the cache did not store are (B, T, 0), attention scores (B, 0, T, T), logits
 * absent. The cache is addressed by example index, so {@code examplesOf} must name the cached
 * example of every batch row (e.g. the batch source's record of its latest batch); it is only
 * consulted when the cache stores hidden states or pooled embeddings. The replay must live on the
 * student's device, so the trainer hands it the student's batch itself.
 *
 * <p>Its fingerprint is the cache's (teacher weights, data, k and, when stored, the hidden
 * layers), so a checkpoint refuses to resume against another cache.
 */
public final class CacheReplayTeacher implements FrozenTeacher {

    private final TopKCache cache;
    private final ModelDims dims;
    private final Function<TokenBatch, long[]> examplesOf;
    private final Device device;
    private final String fingerprint;

    /**
     * @param cache an open cache (checked against the run's fingerprint by {@link TopKCache#open})
     * @param dims the cached teacher's sizes; its layer count decides the number of placeholders
     * @param examplesOf for a batch, the cache index of each row; may be null when the cache holds
     *     neither hidden states nor pooled embeddings
     * @param device where batches live (the student's device)
     */
    public CacheReplayTeacher(TopKCache cache, ModelDims dims, Function<TokenBatch, long[]> examplesOf,
            Device device) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.dims = Objects.requireNonNull(dims, "dims");
        this.device = Objects.requireNonNull(device, "device");
        this.examplesOf = examplesOf;
        List<Integer> layers = cache.hiddenLayers();
        if (!layers.isEmpty() && layers.get(layers.size() - 1) > dims.numLayers()) {
            throw new IllegalArgumentException("the cache stores hidden state " + layers.get(layers.size() - 1)
                    + " but the teacher dims say " + dims.numLayers() + " layers (hidden states 0.." + dims.numLayers()
                    + "); pass the dims of the teacher the cache was built from");
        }
        if (!layers.isEmpty() && cache.hiddenDim() != dims.hiddenSize()) {
            throw new IllegalArgumentException("the cache's hidden states are " + cache.hiddenDim() + " wide but the"
                    + " teacher dims say " + dims.hiddenSize() + "; pass the dims of the teacher the cache was built"
                    + " from");
        }
        if (examplesOf == null && (!layers.isEmpty() || cache.pooledDim() > 0)) {
            throw new IllegalArgumentException("the cache stores " + (layers.isEmpty() ? "pooled embeddings"
                    : "hidden states " + layers) + ", which are looked up by example: give an examplesOf function"
                    + " naming the cached example of every batch row");
        }
        CacheFingerprint f = cache.fingerprint();
        this.fingerprint = "topk-cache:" + f.teacherHash() + ":" + f.dataHash() + ":k=" + f.k()
                + (layers.isEmpty() ? "" : ":hidden=" + layers);
    }

    /** {@return the cache this teacher replays} */
    public TopKCache cache() {
        return cache;
    }

    @Override
    public ModelOutputs forward(TokenBatch batch) {
        NDManager m = batch.inputIds().getManager();
        int b = batch.batchSize();
        int t = batch.sequenceLength();
        List<Integer> layers = cache.hiddenLayers();
        long[] rows = null;
        if (!layers.isEmpty() || cache.pooledDim() > 0) {
            rows = examplesOf.apply(batch);
            if (rows == null || rows.length != b) {
                throw new IllegalArgumentException("the batch has " + b + " rows but examplesOf gave "
                        + (rows == null ? "null" : rows.length + " indices") + "; it must name the cached example of"
                        + " every row");
            }
        }
        NDArray none = m.zeros(new Shape(b, t, 0));
        List<NDArray> hidden = new ArrayList<>();
        for (int i = 0; i <= dims.numLayers(); i++) {
            hidden.add(none);
        }
        if (!layers.isEmpty()) {
            long[] real = batch.attentionMask().sum(new int[] {1}).toLongArray();
            for (int r = 0; r < b; r++) {
                if (cache.tokens(rows[r]) != real[r]) {
                    throw new IllegalArgumentException("batch row " + r + " has " + real[r] + " real tokens but cached"
                            + " example " + rows[r] + " has " + cache.tokens(rows[r]) + "; the batch does not hold the"
                            + " inputs the cache was built from");
                }
            }
            List<NDArray> stored = cache.hiddenStates(rows, t, m);
            for (int l = 0; l < layers.size(); l++) {
                hidden.set(layers.get(l), stored.get(l));
            }
        }
        NDArray noAttention = m.zeros(new Shape(b, 0, t, t));
        List<NDArray> attention = new ArrayList<>();
        for (int i = 0; i < dims.numLayers(); i++) {
            attention.add(noAttention);
        }
        NDArray pooled = cache.pooledDim() > 0 ? cache.pooled(rows, m) : null;
        return new ModelOutputs(hidden, attention, null, null, null, null, pooled, null, batch.attentionMask());
    }

    @Override
    public ModelDims dims() {
        return dims;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public Device device() {
        return device;
    }
}
