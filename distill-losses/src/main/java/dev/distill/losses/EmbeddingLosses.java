package dev.distill.losses;

import ai.djl.training.initializer.Initializer;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.losses.mapping.LayerMapping;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The loss set of the main job ({@code ./distill embeddings}) as a library preset: TinyBERT's
 * hidden-state, embedding-layer and attention-score MSE through a layer mapping, plus
 * DistilBERT's cosine loss on the pooled embedding, optionally the in-batch similarity-matrix MSE.
 * Terms of weight 0 are left out (they cost nothing). Terms are named and added in this order:
 * {@code pooled_cosine}, {@code similarity}, {@code hidden_mse}, {@code embedding_mse},
 * {@code attention_mse}.
 *
 * <pre>{@code
 * // a 6-layer copy of a 12-layer teacher (layers 0, 2, ..., 10): g = 1, 3, 5, 7, 9, 12
 * LayerMapping mapping = LayerMapping.sourceAligned(Students.everyOtherLayerSources(12), 12);
 * WeightedSumLoss loss = EmbeddingLosses.mainJob(mapping);
 * }</pre>
 */
public final class EmbeddingLosses {

    /** Default weight of the pooled-embedding cosine loss. */
    public static final double COSINE = 1.0;
    /** Default weight of the in-batch similarity-matrix MSE (off). */
    public static final double SIMILARITY = 0.0;
    /** Default weight of the hidden-state MSE over the mapped layers. */
    public static final double HIDDEN = 0.1;
    /** Default weight of the embedding-layer MSE. */
    public static final double EMBEDDING = 0.1;
    /** Default weight of the attention-score MSE. */
    public static final double ATTENTION = 0.0002;

    private EmbeddingLosses() {}

    /**
     * The main job's loss set with its default weights through {@code mapping}.
     *
     * @param mapping the layer mapping for the hidden-state and attention terms
     *     ({@link LayerMapping#sourceAligned} for a copied student, {@link LayerMapping#uniform()}
     *     for one of unknown origin)
     * @return the weighted sum of the four default terms
     */
    public static WeightedSumLoss mainJob(LayerMapping mapping) {
        return builder().optMapping(mapping).build();
    }

    /**
     * A builder starting from the main job's weights and the uniform mapping.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds the loss set; every weight must be finite and at least 0, and one positive. */
    public static final class Builder {
        private double cosine = COSINE;
        private double similarity = SIMILARITY;
        private double hidden = HIDDEN;
        private double embedding = EMBEDDING;
        private double attention = ATTENTION;
        private LayerMapping mapping = LayerMapping.uniform();
        private Initializer projectionStart;

        private Builder() {}

        /**
         * The layer mapping of the hidden-state and attention terms (default uniform).
         *
         * @param mapping the mapping
         * @return this builder
         */
        public Builder optMapping(LayerMapping mapping) {
            this.mapping = Objects.requireNonNull(mapping, "mapping");
            return this;
        }

        /**
         * The weights of the five terms, in the order cosine, similarity, hidden, embedding,
         * attention (0 leaves a term out).
         *
         * @param cosine weight of {@code pooled_cosine}
         * @param similarity weight of {@code similarity}
         * @param hidden weight of {@code hidden_mse}
         * @param embedding weight of {@code embedding_mse}
         * @param attention weight of {@code attention_mse}
         * @return this builder
         */
        public Builder optWeights(double cosine, double similarity, double hidden, double embedding,
                double attention) {
            this.cosine = cosine;
            this.similarity = similarity;
            this.hidden = hidden;
            this.embedding = embedding;
            this.attention = attention;
            return this;
        }

        /**
         * How the projections W (student width to teacher width, created only when the widths
         * differ) start; {@code null} (the default) for N(0, 0.02²). A pruned student starts
         * best from its channel selection ({@link Projection#fromMatrix}).
         *
         * @param start the initializer, or null for the default
         * @return this builder
         */
        public Builder optProjectionInitializer(Initializer start) {
            this.projectionStart = start;
            return this;
        }

        /**
         * The weighted sum of the terms with a positive weight.
         *
         * @return the loss set
         * @throws IllegalArgumentException when a weight is negative or not finite, or every
         *     weight is 0
         */
        public WeightedSumLoss build() {
            if (cosine == 0 && similarity == 0 && hidden == 0 && embedding == 0 && attention == 0) {
                throw new IllegalArgumentException("every loss weight (cosine, similarity, hidden, embedding,"
                        + " attention) is 0; give at least one a positive weight");
            }
            WeightedSumLoss.Builder terms = WeightedSumLoss.builder();
            add(terms, "pooled_cosine", cosine, () -> hiddenLoss(HiddenStateLoss.builder().optName("pooled_cosine")
                    .optDistance(HiddenStateLoss.Distance.COSINE).optSource(HiddenStateLoss.Source.POOLED)));
            add(terms, "similarity", similarity, SimilarityMatrixLoss::new);
            add(terms, "hidden_mse", hidden, () -> hiddenLoss(HiddenStateLoss.builder().optName("hidden_mse")
                    .optMapping(mapping)));
            add(terms, "embedding_mse", embedding, () -> hiddenLoss(HiddenStateLoss.builder()
                    .optName("embedding_mse").optSource(HiddenStateLoss.Source.EMBEDDINGS)));
            add(terms, "attention_mse", attention, () -> AttentionLoss.builder().optMapping(mapping).build());
            return terms.build();
        }

        private static void add(WeightedSumLoss.Builder terms, String name, double weight,
                Supplier<DistillationLoss> loss) {
            if (weight != 0) {
                terms.add(name, weight, loss.get()); // the builder refuses a negative or non-finite weight
            }
        }

        private HiddenStateLoss hiddenLoss(HiddenStateLoss.Builder b) {
            return (projectionStart == null ? b : b.optProjectionInitializer(projectionStart)).build();
        }
    }
}
