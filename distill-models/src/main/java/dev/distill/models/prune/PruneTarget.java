package dev.distill.models.prune;

import dev.distill.models.encoder.EncoderConfig;

/**
 * The shape a pruned student should have. Every size must be at most the teacher's; pruning
 * only removes units.
 *
 * @param layers number of Transformer layers, in [1, teacher layers]
 * @param hidden width of the residual stream (embeddings, every LayerNorm), in [1, teacher hidden]
 * @param heads attention heads per layer, in [1, teacher heads]
 * @param headSize width of one head, in [1, teacher head size]; 0 for {@code hidden / heads}
 *     (then {@code hidden} must be divisible by {@code heads})
 * @param ffn feed-forward (intermediate) width, in [1, teacher FFN]
 */
public record PruneTarget(int layers, int hidden, int heads, int headSize, int ffn) {

    /**
     * A target with the standard head size {@code hidden / heads}.
     *
     * @param layers Transformer layers
     * @param hidden hidden width, divisible by {@code heads}
     * @param heads heads per layer
     * @param ffn feed-forward width
     * @return the target (checked against a teacher by {@link #studentConfig})
     */
    public static PruneTarget of(int layers, int hidden, int heads, int ffn) {
        return new PruneTarget(layers, hidden, heads, 0, ffn);
    }

    /**
     * The teacher's own shape: pruning to it keeps every unit.
     *
     * @param teacher the teacher's configuration
     * @return the target
     */
    public static PruneTarget sameAs(EncoderConfig teacher) {
        int headSize = teacher.hasStandardHeadSize() && teacher.hiddenSize() % teacher.numHeads() == 0
                ? 0 : teacher.headSize();
        return new PruneTarget(teacher.numLayers(), teacher.hiddenSize(), teacher.numHeads(), headSize,
                teacher.intermediateSize());
    }

    /** {@return the student's head size: {@link #headSize()} if set, else {@code hidden / heads}} */
    public int effectiveHeadSize() {
        return headSize > 0 ? headSize : hidden / heads;
    }

    /**
     * Checks this shape against the teacher's and derives the student's configuration (the
     * teacher's vocabulary, positions, activation, LayerNorm epsilon and dropout are kept).
     *
     * @param teacher the teacher's configuration
     * @return the student's configuration
     * @throws IllegalArgumentException naming the offending value and its limit
     */
    public EncoderConfig studentConfig(EncoderConfig teacher) {
        within("layers", layers, teacher.numLayers(), "--layers");
        within("hidden", hidden, teacher.hiddenSize(), "--hidden");
        within("heads", heads, teacher.numHeads(), "--heads");
        within("ffn", ffn, teacher.intermediateSize(), "--ffn");
        if (headSize < 0) {
            throw new IllegalArgumentException("head size (" + headSize
                    + ") must be positive, or 0 for hidden / heads");
        }
        if (headSize == 0 && hidden % heads != 0) {
            throw new IllegalArgumentException("hidden (" + hidden + ") must be divisible by heads (" + heads
                    + "): pick a head count that divides it (e.g. " + divisorsNear(hidden, heads, teacher.numHeads())
                    + "), or give the head size explicitly (--head-size)");
        }
        int d = effectiveHeadSize();
        if (d > teacher.headSize()) {
            throw new IllegalArgumentException("head size (" + d + (headSize == 0 ? " = hidden " + hidden + " / heads "
                    + heads : "") + ") is larger than the teacher's head size (" + teacher.headSize()
                    + "); pruning cannot widen a head: use more heads or give --head-size at most "
                    + teacher.headSize());
        }
        return teacher.toBuilder().setNumLayers(layers).setHiddenSize(hidden).setNumHeads(heads)
                .optHeadSize(headSize).setIntermediateSize(ffn).build();
    }

    private static void within(String name, int value, int limit, String option) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " (" + value + ") must be at least 1 (" + option + ")");
        }
        if (value > limit) {
            throw new IllegalArgumentException(name + " (" + value + ") is larger than the teacher's (" + limit
                    + "); pruning only removes units: give " + option + " at most " + limit);
        }
    }

    /** Head counts up to the teacher's that divide {@code hidden}, for the error message. */
    private static String divisorsNear(int hidden, int heads, int maxHeads) {
        StringBuilder sb = new StringBuilder();
        for (int h = 1; h <= maxHeads; h++) {
            if (hidden % h == 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(h);
            }
        }
        return sb.length() == 0 ? "none up to " + maxHeads : sb.toString();
    }

    @Override
    public String toString() {
        return "layers=" + layers + ", hidden=" + hidden + ", heads=" + heads + ", headSize=" + effectiveHeadSize()
                + ", ffn=" + ffn;
    }
}
