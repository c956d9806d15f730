package dev.distill.examples.mlm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.train.FrozenTeacher;
import java.util.List;
import java.util.Objects;

/**
 * The teacher when training purely from a top-k cache: it runs nothing. Its soft targets reach
 * the loss through a {@code CachedTopKSource}; what {@link #forward} returns only satisfies the
 * contract: one "hidden state" of width 0, shape (B, T, 0), no layers, no logits, the batch's
 * mask. A loss that needs the teacher's hidden states or logits therefore fails on the shapes;
 * train with the live teacher for those (the {@code --w-cosine} option of {@code ./distill mlm}).
 *
 * <p>Its fingerprint is the cache's (teacher weights, tokenizer, data, k, masking seed), so a
 * checkpoint refuses to resume against another cache.
 */
public final class CacheReplayTeacher implements FrozenTeacher {

    private final ModelDims dims;
    private final String fingerprint;
    private final Device device;

    /**
     * @param dims the cached teacher's sizes
     * @param cache what the cache was built from
     * @param device where batches live
     */
    public CacheReplayTeacher(ModelDims dims, CacheFingerprint cache, Device device) {
        this.dims = Objects.requireNonNull(dims, "dims");
        Objects.requireNonNull(cache, "cache");
        this.fingerprint = "topk-cache:" + cache.teacherHash() + ":" + cache.dataHash() + ":k=" + cache.k();
        this.device = Objects.requireNonNull(device, "device");
    }

    @Override
    public ModelOutputs forward(TokenBatch batch) {
        NDArray none = batch.inputIds().getManager().zeros(new Shape(batch.batchSize(), batch.sequenceLength(), 0));
        return new ModelOutputs(List.of(none), List.of(), null, null, null, null, null, null, batch.attentionMask());
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
