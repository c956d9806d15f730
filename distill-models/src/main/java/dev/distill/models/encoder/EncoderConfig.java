// Over 400 lines only because of its Javadoc: 293 lines of code once comments and blank lines are left out.
package dev.distill.models.encoder;

import dev.distill.core.ModelDims;
import java.util.Locale;
import java.util.Objects;

/**
 * The shape and hyper-parameters of a BERT-family encoder: what Hugging Face keeps in
 * {@code config.json}. Immutable; build one with {@link #builder()}, start from a preset such as
 * {@link #tinyBert4()} or derive one from a teacher's with {@link #toBuilder()}.
 *
 * <p>The head size defaults to {@code hiddenSize / numHeads} (which must then divide evenly);
 * setting it explicitly allows students with fewer or smaller heads than the hidden width
 * suggests ({@code numHeads · headSize != hiddenSize}).
 */
public final class EncoderConfig {

    /** Feed-forward activation, as Hugging Face names it in {@code hidden_act}. */
    public enum HiddenAct {
        /** Exact GELU, x·Φ(x) (BERT's "gelu"). */
        GELU("gelu"),
        /** The tanh approximation of GELU ("gelu_new", "gelu_pytorch_tanh"). */
        GELU_TANH("gelu_new"),
        /** max(0, x). */
        RELU("relu");

        private final String hfName;

        HiddenAct(String hfName) {
            this.hfName = hfName;
        }

        /**
         * The name written to {@code config.json}.
         *
         * @return e.g. {@code gelu}, {@code gelu_new}, {@code relu}
         */
        public String hfName() {
            return hfName;
        }

        /**
         * Parses a Hugging Face {@code hidden_act} value.
         *
         * @param name the value, case-insensitive: gelu; gelu_new, gelu_pytorch_tanh or gelu_fast (all the
         *        tanh approximation); relu
         * @return the activation
         * @throws IllegalArgumentException for any other name
         * @throws NullPointerException if {@code name} is null
         */
        public static HiddenAct fromHfName(String name) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "gelu":
                    return GELU;
                case "gelu_new":
                case "gelu_pytorch_tanh":
                case "gelu_fast":
                    return GELU_TANH;
                case "relu":
                    return RELU;
                default:
                    throw new IllegalArgumentException("hidden_act '" + name
                            + "' is not supported; use one of gelu, gelu_new, gelu_pytorch_tanh, relu");
            }
        }
    }

    private final int vocabSize;
    private final int hiddenSize;
    private final int numLayers;
    private final int numHeads;
    private final int headSize;
    private final int intermediateSize;
    private final int maxPositions;
    private final int typeVocabSize;
    private final float layerNormEps;
    private final float hiddenDropout;
    private final float attentionDropout;
    private final HiddenAct hiddenAct;
    private final int padTokenId;

    private EncoderConfig(Builder b) {
        vocabSize = b.vocabSize;
        hiddenSize = b.hiddenSize;
        numLayers = b.numLayers;
        numHeads = b.numHeads;
        headSize = b.headSize > 0 ? b.headSize : b.hiddenSize / b.numHeads;
        intermediateSize = b.intermediateSize;
        maxPositions = b.maxPositions;
        typeVocabSize = b.typeVocabSize;
        layerNormEps = b.layerNormEps;
        hiddenDropout = b.hiddenDropout;
        attentionDropout = b.attentionDropout;
        hiddenAct = b.hiddenAct;
        padTokenId = b.padTokenId;
    }

    /**
     * A builder with BERT-base defaults (12 × 768, 12 heads, FFN 3072, vocab 30522).
     *
     * @return a new builder; {@link Builder#build()} validates
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return BERT-base: 12 layers, hidden 768, 12 heads, FFN 3072 (110M parameters)} */
    public static EncoderConfig bertBase() {
        return builder().build();
    }

    /**
     * TinyBERT-4 (Jiao et al. 2020, "TinyBERT", table 1): 4 layers, hidden 312, 12 heads of
     * size 26, FFN 1200, BERT's vocabulary (14.5M parameters).
     *
     * @return the configuration
     */
    public static EncoderConfig tinyBert4() {
        return builder().setNumLayers(4).setHiddenSize(312).setNumHeads(12).setIntermediateSize(1200).build();
    }

    /**
     * {@return TinyBERT-6: 6 layers, hidden 768, 12 heads, FFN 3072 (same width as BERT-base, half
     * the depth)}
     */
    public static EncoderConfig tinyBert6() {
        return builder().setNumLayers(6).build();
    }

    /**
     * The teacher's configuration with half its layers (rounded up), DistilBERT's recipe.
     *
     * @param teacher the teacher's configuration
     * @return a copy of it with ⌈N / 2⌉ layers
     */
    public static EncoderConfig halfDepthOf(EncoderConfig teacher) {
        return teacher.toBuilder().setNumLayers((teacher.numLayers + 1) / 2).build();
    }

    /**
     * A builder holding this configuration, to derive a variant.
     *
     * @return a new builder with every value of this configuration
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.vocabSize = vocabSize;
        b.hiddenSize = hiddenSize;
        b.numLayers = numLayers;
        b.numHeads = numHeads;
        b.headSize = headSize == hiddenSize / numHeads && hiddenSize % numHeads == 0 ? 0 : headSize;
        b.intermediateSize = intermediateSize;
        b.maxPositions = maxPositions;
        b.typeVocabSize = typeVocabSize;
        b.layerNormEps = layerNormEps;
        b.hiddenDropout = hiddenDropout;
        b.attentionDropout = attentionDropout;
        b.hiddenAct = hiddenAct;
        b.padTokenId = padTokenId;
        return b;
    }

    /** {@return V, the vocabulary size (rows of the word-embedding matrix)} */
    public int vocabSize() {
        return vocabSize;
    }

    /** {@return H, the hidden width} */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** {@return L, the number of Transformer layers} */
    public int numLayers() {
        return numLayers;
    }

    /** {@return A, the number of attention heads per layer} */
    public int numHeads() {
        return numHeads;
    }

    /**
     * Width of one attention head.
     *
     * @return d, by default H / A
     */
    public int headSize() {
        return headSize;
    }

    /** {@return width of all heads together, {@code numHeads · headSize}: the Q, K and V output width} */
    public int allHeadSize() {
        return numHeads * headSize;
    }

    /**
     * Whether the head layout is the standard one Hugging Face BertModel can load.
     *
     * @return true when A·d = H
     */
    public boolean hasStandardHeadSize() {
        return allHeadSize() == hiddenSize;
    }

    /** {@return the feed-forward inner width (BERT-base: 3072)} */
    public int intermediateSize() {
        return intermediateSize;
    }

    /** {@return the number of learned position embeddings, the longest sequence T the encoder takes} */
    public int maxPositions() {
        return maxPositions;
    }

    /** {@return the number of token types (segments), 2 for BERT} */
    public int typeVocabSize() {
        return typeVocabSize;
    }

    /** {@return ε of every LayerNorm} */
    public float layerNormEps() {
        return layerNormEps;
    }

    /** {@return the dropout rate on the embeddings, attention output and FFN output, in [0, 1)} */
    public float hiddenDropout() {
        return hiddenDropout;
    }

    /** {@return the dropout rate on the attention probabilities, in [0, 1)} */
    public float attentionDropout() {
        return attentionDropout;
    }

    /** {@return the feed-forward activation} */
    public HiddenAct hiddenAct() {
        return hiddenAct;
    }

    /** {@return the id of the padding token, in [0, V)} */
    public int padTokenId() {
        return padTokenId;
    }

    /**
     * The sizes losses need.
     *
     * @return layers, hidden width, heads, head size and vocabulary size
     */
    public ModelDims dims() {
        return new ModelDims(numLayers, hiddenSize, numHeads, headSize, vocabSize);
    }

    /**
     * Number of parameters of the encoder alone (embeddings and layers, no pooler or head).
     *
     * @return the count, computed from the sizes (no weights are needed)
     */
    public long parameterCount() {
        long h = hiddenSize;
        long a = allHeadSize();
        long f = intermediateSize;
        long embeddings = ((long) vocabSize + maxPositions + typeVocabSize) * h + 2 * h;
        long attention = 3 * (h * a + a) + (a * h + h) + 2 * h;
        long ffn = (h * f + f) + (f * h + h) + 2 * h;
        return embeddings + numLayers * (attention + ffn);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EncoderConfig)) {
            return false;
        }
        EncoderConfig c = (EncoderConfig) o;
        return vocabSize == c.vocabSize && hiddenSize == c.hiddenSize && numLayers == c.numLayers
                && numHeads == c.numHeads && headSize == c.headSize
                && intermediateSize == c.intermediateSize && maxPositions == c.maxPositions
                && typeVocabSize == c.typeVocabSize && Float.compare(layerNormEps, c.layerNormEps) == 0
                && Float.compare(hiddenDropout, c.hiddenDropout) == 0
                && Float.compare(attentionDropout, c.attentionDropout) == 0
                && hiddenAct == c.hiddenAct && padTokenId == c.padTokenId;
    }

    @Override
    public int hashCode() {
        return Objects.hash(vocabSize, hiddenSize, numLayers, numHeads, headSize, intermediateSize,
                maxPositions, typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, hiddenAct,
                padTokenId);
    }

    @Override
    public String toString() {
        return "EncoderConfig{layers=" + numLayers + ", hidden=" + hiddenSize + ", heads=" + numHeads
                + ", headSize=" + headSize + ", ffn=" + intermediateSize + ", vocab=" + vocabSize
                + ", maxPositions=" + maxPositions + ", typeVocab=" + typeVocabSize + ", eps="
                + layerNormEps + ", dropout=" + hiddenDropout + "/" + attentionDropout + ", act="
                + hiddenAct.hfName() + "}";
    }

    /** Builds an {@link EncoderConfig}; {@link #build()} validates every value. */
    public static final class Builder {
        private int vocabSize = 30522;
        private int hiddenSize = 768;
        private int numLayers = 12;
        private int numHeads = 12;
        private int headSize; // 0: hiddenSize / numHeads
        private int intermediateSize = 3072;
        private int maxPositions = 512;
        private int typeVocabSize = 2;
        private float layerNormEps = 1e-12f;
        private float hiddenDropout = 0.1f;
        private float attentionDropout = 0.1f;
        private HiddenAct hiddenAct = HiddenAct.GELU;
        private int padTokenId;

        private Builder() {}

        /**
         * Sets V, the vocabulary size (default 30522); must be &gt; 0.
         *
         * @param vocabSize V
         * @return this builder
         */
        public Builder setVocabSize(int vocabSize) {
            this.vocabSize = vocabSize;
            return this;
        }

        /**
         * Sets H, the hidden width (default 768); must be &gt; 0.
         *
         * @param hiddenSize H
         * @return this builder
         */
        public Builder setHiddenSize(int hiddenSize) {
            this.hiddenSize = hiddenSize;
            return this;
        }

        /**
         * Sets L, the number of Transformer layers (default 12); must be &gt; 0.
         *
         * @param numLayers L
         * @return this builder
         */
        public Builder setNumLayers(int numLayers) {
            this.numLayers = numLayers;
            return this;
        }

        /**
         * Sets A, the heads per layer (default 12); must be &gt; 0 and divide H unless a head size is set.
         *
         * @param numHeads A
         * @return this builder
         */
        public Builder setNumHeads(int numHeads) {
            this.numHeads = numHeads;
            return this;
        }

        /**
         * Width of one head; leave unset (0) for {@code hiddenSize / numHeads}.
         *
         * @param headSize d &gt; 0, or 0 for H / A
         * @return this builder
         */
        public Builder optHeadSize(int headSize) {
            this.headSize = headSize;
            return this;
        }

        /**
         * Sets the feed-forward inner width (default 3072); must be &gt; 0.
         *
         * @param intermediateSize the width
         * @return this builder
         */
        public Builder setIntermediateSize(int intermediateSize) {
            this.intermediateSize = intermediateSize;
            return this;
        }

        /**
         * Sets the number of position embeddings (default 512); must be &gt; 0.
         *
         * @param maxPositions the longest sequence
         * @return this builder
         */
        public Builder optMaxPositions(int maxPositions) {
            this.maxPositions = maxPositions;
            return this;
        }

        /**
         * Sets the number of token types (default 2); must be &gt; 0.
         *
         * @param typeVocabSize the number of types
         * @return this builder
         */
        public Builder optTypeVocabSize(int typeVocabSize) {
            this.typeVocabSize = typeVocabSize;
            return this;
        }

        /**
         * Sets ε of every LayerNorm (default 1e-12); must be positive and finite.
         *
         * @param layerNormEps ε
         * @return this builder
         */
        public Builder optLayerNormEps(float layerNormEps) {
            this.layerNormEps = layerNormEps;
            return this;
        }

        /**
         * Dropout on embeddings, attention output and FFN output.
         *
         * @param hiddenDropout the rate, in [0, 1) (default 0.1)
         * @return this builder
         */
        public Builder optHiddenDropout(float hiddenDropout) {
            this.hiddenDropout = hiddenDropout;
            return this;
        }

        /**
         * Dropout on attention probabilities.
         *
         * @param attentionDropout the rate, in [0, 1) (default 0.1)
         * @return this builder
         */
        public Builder optAttentionDropout(float attentionDropout) {
            this.attentionDropout = attentionDropout;
            return this;
        }

        /**
         * Both dropout rates at once.
         *
         * @param rate the rate, in [0, 1)
         * @return this builder
         */
        public Builder optDropout(float rate) {
            this.hiddenDropout = rate;
            this.attentionDropout = rate;
            return this;
        }

        /**
         * Sets the feed-forward activation (default exact GELU).
         *
         * @param hiddenAct the activation; not null
         * @return this builder
         */
        public Builder optHiddenAct(HiddenAct hiddenAct) {
            this.hiddenAct = Objects.requireNonNull(hiddenAct, "hiddenAct");
            return this;
        }

        /**
         * Sets the padding token id (default 0); must lie in [0, V).
         *
         * @param padTokenId the id
         * @return this builder
         */
        public Builder optPadTokenId(int padTokenId) {
            this.padTokenId = padTokenId;
            return this;
        }

        /**
         * Validates and builds; every error names the value, the rule and the fix.
         *
         * @return the configuration
         * @throws IllegalArgumentException if a size is not positive, A does not divide H without an explicit
         *         head size, ε is not positive and finite, a dropout rate is outside [0, 1) or the padding id
         *         is outside [0, V)
         */
        public EncoderConfig build() {
            positive("vocabSize", vocabSize);
            positive("hiddenSize", hiddenSize);
            positive("numLayers", numLayers);
            positive("numHeads", numHeads);
            positive("intermediateSize", intermediateSize);
            positive("maxPositions", maxPositions);
            positive("typeVocabSize", typeVocabSize);
            if (headSize < 0) {
                throw new IllegalArgumentException("headSize (" + headSize
                        + ") must be positive, or 0 for hiddenSize / numHeads");
            }
            if (headSize == 0 && hiddenSize % numHeads != 0) {
                throw new IllegalArgumentException("hiddenSize (" + hiddenSize
                        + ") must be divisible by numHeads (" + numHeads + "): pick a head count that"
                        + " divides it, or set the head size explicitly with optHeadSize");
            }
            if (!(layerNormEps > 0) || !Float.isFinite(layerNormEps)) {
                throw new IllegalArgumentException("layerNormEps (" + layerNormEps
                        + ") must be a positive finite number, e.g. 1e-12");
            }
            rate("hiddenDropout", hiddenDropout);
            rate("attentionDropout", attentionDropout);
            if (padTokenId < 0 || padTokenId >= vocabSize) {
                throw new IllegalArgumentException("padTokenId (" + padTokenId
                        + ") must be a token id in [0, " + vocabSize + ")");
            }
            return new EncoderConfig(this);
        }

        private static void positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " (" + value + ") must be positive");
            }
        }

        private static void rate(String name, float value) {
            if (!(value >= 0 && value < 1)) {
                throw new IllegalArgumentException(name + " (" + value + ") must be in [0, 1)");
            }
        }
    }
}
