package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.losses.mapping.ResolvedMapping;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * TinyBERT's attention-based distillation (Jiao et al. 2020, eq. 6): for each mapped layer pair
 * (m, g(m)),
 *
 * <pre>
 *   L_attn = (1/A) Σ_{a=1..A} MSE(A^S_{m,a}, A^T_{g(m),a})
 *          = (1 / (A·|P|)) Σ_a Σ_{(b,i,j)∈P} (A^S − A^T)²_{b,a,i,j}
 * </pre>
 *
 * with A^S, A^T the (B, A, T, T) attention scores Q·Kᵀ/√d <b>before</b> softmax (the paper's
 * choice: faster convergence), and P the (query, key) pairs where both tokens are real according
 * to the batch's attention mask. Padded queries and keys are excluded by the mask, never by
 * looking at values (TinyBERT's code zeroes scores ≤ −100 instead); changing a score at a padded
 * position changes nothing. {@link Mode#PROBABILITIES} compares softmax(scores) over the real keys
 * instead. The loss is the sum over the pairs the {@link LayerMapping} yields (attention layer m
 * is {@code attentionScores.get(m - 1)}); each pair is reported as a term {@code s<m>_t<n>}.
 *
 * <p>Scores are compared head by head, so student and teacher need the same number of heads; for
 * different head counts use {@link MiniLmRelationLoss} (MiniLM v2 relation heads).
 */
public final class AttentionLoss implements DistillationLoss {

    /** What is compared. */
    public enum Mode {
        /** Unnormalised scores (TinyBERT). */
        SCORES,
        /** Attention probabilities, softmax over the real keys. */
        PROBABILITIES
    }

    private final String name;
    private final Mode mode;
    private final MappedLayers layers;
    private final LayerMapping mapping;

    private AttentionLoss(String name, Mode mode, MappedLayers layers, LayerMapping mapping) {
        this.name = name;
        this.mode = mode;
        this.layers = layers;
        this.mapping = mapping;
    }

    /**
     * TinyBERT's loss: scores, every layer, uniform mapping, reported as {@code attention_mse}.
     *
     * @return a new loss with the defaults of {@link Builder}
     */
    public static AttentionLoss tinyBert() {
        return builder().build();
    }

    /**
     * {@return a builder with the defaults: scores, every layer, uniform mapping, name {@code attention_mse}}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the name under which this loss reports its value (and its terms when only one pair is compared)}
     */
    public String name() {
        return name;
    }

    @Override
    public void initialize(NDManager manager, ModelDims teacher, ModelDims student) {
        mapping.resolve(student.numLayers(), teacher.numLayers());
        requireSameHeads(teacher.numHeads(), student.numHeads());
    }

    private void requireSameHeads(long teacherHeads, long studentHeads) {
        if (teacherHeads != studentHeads) {
            throw new IllegalArgumentException(name + " compares attention head by head, but the student has "
                    + studentHeads + " heads and the teacher " + teacherHeads
                    + "; use MiniLmRelationLoss.v2(relationHeads), whose relation heads work across head counts and widths");
        }
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        ModelOutputs s = ctx.student();
        ModelOutputs t = ctx.teacher();
        List<ResolvedMapping.Pair> pairs = mapping.resolve(s.numLayers(), t.numLayers()).layerPairs();
        if (layers == MappedLayers.LAST_LAYER) {
            pairs = pairs.subList(pairs.size() - 1, pairs.size());
        }
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray total = null;
        for (ResolvedMapping.Pair pair : pairs) {
            NDArray as = Ops.layer(s.attentionScores(), pair.student() - 1, "student", "attention layer");
            NDArray at = Ops.layer(t.attentionScores(), pair.teacher() - 1, "teacher", "attention layer").stopGradient();
            Ops.requireRank(as, 4, name + " student attention scores", "(B, A, T, T)");
            Ops.requireRank(at, 4, name + " teacher attention scores", "(B, A, T, T)");
            requireSameHeads(at.getShape().get(1), as.getShape().get(1));
            Ops.requireSameShape(at, as, name + " attention scores " + pair.label());
            Shape shape = as.getShape();
            NDArray real = Ops.realTokens(ctx.batch().attentionMask(), shape.get(0), shape.get(2));
            NDArray keys = real.expandDims(1).expandDims(1); // (B, 1, 1, T)
            NDArray queries = real.expandDims(1).expandDims(3); // (B, 1, T, 1)
            if (mode == Mode.PROBABILITIES) {
                as = Ops.temperedLogSoftmax(as, 1.0, 3, keys).exp();
                at = Ops.temperedLogSoftmax(at, 1.0, 3, keys).exp();
            }
            NDArray pairMask = queries.logicalAnd(keys).broadcast(shape);
            NDArray value = Ops.weightedMean(Ops.fillWhereNot(as.sub(at), pairMask, 0).square(), pairMask);
            terms.put(pairs.size() == 1 ? name : pair.label(), value);
            total = total == null ? value : total.add(value);
        }
        return new LossOutput(total, terms);
    }

    /** Builds an {@link AttentionLoss}. Defaults: scores, every layer, uniform mapping. Not thread-safe. */
    public static final class Builder {
        private String name = "attention_mse";
        private Mode mode = Mode.SCORES;
        private MappedLayers layers = MappedLayers.EVERY_LAYER;
        private LayerMapping mapping = LayerMapping.uniform();

        /**
         * Sets the reported name (default {@code attention_mse}).
         *
         * @param name the name; not null
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets what is compared: pre-softmax scores (default, TinyBERT) or probabilities.
         *
         * @param mode the mode; not null
         * @return this builder
         */
        public Builder optMode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets which mapped layers are compared: every student layer (default) or only the last.
         *
         * @param layers the selection; not null
         * @return this builder
         */
        public Builder optLayers(MappedLayers layers) {
            this.layers = Objects.requireNonNull(layers, "layers");
            return this;
        }

        /**
         * Sets the layer mapping g (default {@link LayerMapping#uniform()}).
         *
         * @param mapping the mapping, resolved against the student's and teacher's depths in
         *        {@link #initialize}; not null
         * @return this builder
         */
        public Builder optMapping(LayerMapping mapping) {
            this.mapping = Objects.requireNonNull(mapping, "mapping");
            return this;
        }

        /**
         * {@return the loss; head counts and the mapping are checked later, in {@link AttentionLoss#initialize}
         * (an {@link IllegalArgumentException} when student and teacher head counts differ)}
         */
        public AttentionLoss build() {
            return new AttentionLoss(name, mode, layers, mapping);
        }
    }
}
