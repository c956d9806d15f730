package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.loss.StepContext;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@link TopKSource} that replays the teacher from a {@link TopKCache} instead of running it:
 * the targets for a step are the cached top-k ids and probabilities of the batch's examples,
 * placed at their positions of the (B, T) batch; positions the cache does not hold get
 * probability 0, which {@link TopKSoftTargetLoss} counts as no target. Use it with
 * {@link Positions#LABELLED_TOKENS} when the cache holds the masked-LM positions.
 *
 * <p>The cache is addressed by example index, so the source needs to know which examples the
 * batch holds: {@code exampleIndices} maps the step to them (e.g. the index batch the
 * {@code BucketBatcher} produced for that step).
 */
public final class CachedTopKSource implements TopKSource {

    private final TopKCache cache;
    private final Function<StepContext, long[]> exampleIndices;

    /**
     * @param cache an open cache (checked against the run's fingerprint by {@link TopKCache#open})
     * @param exampleIndices for a step, the cache index of each batch row
     */
    public CachedTopKSource(TopKCache cache, Function<StepContext, long[]> exampleIndices) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.exampleIndices = Objects.requireNonNull(exampleIndices, "exampleIndices");
    }

    @Override
    public TopKTargets targets(StepContext ctx) {
        long[] rows = exampleIndices.apply(ctx);
        int b = ctx.batch().batchSize();
        if (rows == null || rows.length != b) {
            throw new IllegalArgumentException("the batch has " + b + " rows but the example index function gave "
                    + (rows == null ? "null" : rows.length + " indices") + "; it must name the cached example of"
                    + " every row");
        }
        TopKCache.Batch t = cache.batch(rows, ctx.batch().sequenceLength(), ctx.manager());
        NDArray ids = t.ids();
        NDArray probs = t.probs();
        if (ctx.student().logits() != null && !ctx.student().logits().getDevice().equals(ids.getDevice())) {
            ids = ids.toDevice(ctx.student().logits().getDevice(), false);
            probs = probs.toDevice(ctx.student().logits().getDevice(), false);
        }
        return new TopKTargets(ids, probs);
    }
}
