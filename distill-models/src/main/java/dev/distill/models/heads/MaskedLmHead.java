package dev.distill.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Params;
import java.util.List;

/**
 * BERT's masked-language-model head ({@code BertOnlyMLMHead}): a dense transform H→H with the
 * encoder's activation and a LayerNorm, then a decoder tied to the word embeddings plus a
 * per-token bias: {@code logits = LN(act(h·W₁ᵀ + b₁))·Eᵀ + b}, shape (B, T, V).
 */
public final class MaskedLmHead extends Head {

    private final EncoderConfig config;
    private final Parameter denseWeight;
    private final Parameter denseBias;
    private final Parameter lnWeight;
    private final Parameter lnBias;
    private final Parameter decoderBias;

    /**
     * BERT's masked-LM head for an encoder of this configuration, its decoder tied to the word
     * embeddings.
     *
     * @param config the encoder's configuration (H, V, activation, ε)
     */
    public MaskedLmHead(EncoderConfig config) {
        this.config = config;
        int h = config.hiddenSize();
        denseWeight = Params.create("cls.predictions.transform.dense.weight", Params.Init.NORMAL, h, h);
        denseBias = Params.create("cls.predictions.transform.dense.bias", Params.Init.ZEROS, h);
        lnWeight = Params.create("cls.predictions.transform.LayerNorm.weight", Params.Init.ONES, h);
        lnBias = Params.create("cls.predictions.transform.LayerNorm.bias", Params.Init.ZEROS, h);
        decoderBias = Params.create("cls.predictions.bias", Params.Init.ZEROS, config.vocabSize());
    }

    @Override
    public String architecture() {
        return "BertForMaskedLM";
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(denseWeight, denseBias, lnWeight, lnBias, decoderBias);
    }

    @Override
    public int numOutputs() {
        return config.vocabSize();
    }

    @Override
    public MaskedLmHead emptyCopy() {
        return new MaskedLmHead(config);
    }

    @Override
    public NDArray forward(Input in, boolean training) {
        return logits(in.lastHidden(), in.wordEmbeddings());
    }

    /**
     * The logits for any rows of hidden states, e.g. only the masked positions (N, H) → (N, V),
     * which saves computing the vocabulary projection for every token.
     *
     * @param hidden (…, H) hidden states, e.g. (N, H) at the masked positions
     * @param wordEmbeddings the encoder's (V, H) word-embedding matrix
     * @return (…, V) logits, in the graph
     */
    public NDArray logits(NDArray hidden, NDArray wordEmbeddings) {
        NDArray t = Linear.linear(hidden, denseWeight.getArray(), denseBias.getArray()).singletonOrThrow();
        t = dev.distill.models.encoder.Activations.apply(t, config.hiddenAct());
        t = LayerNorm.layerNorm(t, new Shape(config.hiddenSize()), lnWeight.getArray(), lnBias.getArray(),
                config.layerNormEps()).singletonOrThrow();
        return Linear.linear(t, wordEmbeddings, decoderBias.getArray()).singletonOrThrow();
    }
}
