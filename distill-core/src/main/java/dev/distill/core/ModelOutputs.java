package dev.distill.core;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Objects;

/**
 * Everything one forward pass of a Transformer encoder produced, by name.
 *
 * <p>Shapes use B = batch, T = sequence length, H = hidden size, A = attention heads,
 * d = head size, L = number of layers.
 *
 * @param hiddenStates L + 1 arrays of shape (B, T, H): {@code hiddenStates.get(0)} is the
 *     embedding output (after its LayerNorm and dropout), {@code get(l)} the output of layer l
 * @param attentionScores L arrays of shape (B, A, T, T): Q·Kᵀ/√d <b>before</b> softmax and
 *     dropout, with the additive padding mask ({@link #MASK_VALUE} on padded keys) applied.
 *     Losses must exclude padded positions through {@link #attentionMask()}, never by value
 * @param attentionProbs L arrays of shape (B, A, T, T): softmax of the scores, before dropout
 * @param queries L arrays of shape (B, A, T, d): per-head query vectors (MiniLM relations)
 * @param keys L arrays of shape (B, A, T, d): per-head key vectors
 * @param values L arrays of shape (B, A, T, d): per-head value vectors
 * @param pooled (B, H) sentence embedding: CLS token or mean over real tokens, depending on the
 *     model's pooling; never L2-normalised here
 * @param logits the head's output or {@code null} without a head: masked-LM (B, T, V);
 *     sequence classification (B, C); regression (B, 1); span QA (B, T, 2) with start logits in
 *     {@code [..., 0]} and end logits in {@code [..., 1]}
 * @param attentionMask (B, T), 1 for real tokens and 0 for padding, as given to the model
 */
public record ModelOutputs(
        List<NDArray> hiddenStates,
        List<NDArray> attentionScores,
        List<NDArray> attentionProbs,
        List<NDArray> queries,
        List<NDArray> keys,
        List<NDArray> values,
        NDArray pooled,
        NDArray logits,
        NDArray attentionMask) {

    /** The value added to attention scores at padded key positions (BERT's original constant). */
    public static final float MASK_VALUE = -10000f;

    /**
     * Checks the required parts and copies the lists; a null optional list becomes empty.
     *
     * @param hiddenStates L + 1 arrays (B, T, H); not null
     * @param attentionScores L arrays (B, A, T, T); not null
     * @param attentionProbs L arrays, or null
     * @param queries L arrays (B, A, T, d), or null
     * @param keys L arrays, or null
     * @param values L arrays, or null
     * @param pooled (B, H), or null
     * @param logits the head's output, or null
     * @param attentionMask (B, T); not null
     * @throws NullPointerException if a required part is null
     * @throws IllegalArgumentException if there is not exactly one more hidden state than attention layers
     */
    public ModelOutputs {
        Objects.requireNonNull(hiddenStates, "hiddenStates");
        Objects.requireNonNull(attentionScores, "attentionScores");
        Objects.requireNonNull(attentionMask, "attentionMask");
        if (hiddenStates.size() != attentionScores.size() + 1) {
            throw new IllegalArgumentException(
                    "hiddenStates must hold layers + 1 entries (embedding output first): got "
                            + hiddenStates.size() + " hidden states for "
                            + attentionScores.size() + " attention layers");
        }
        hiddenStates = List.copyOf(hiddenStates);
        attentionScores = List.copyOf(attentionScores);
        attentionProbs = attentionProbs == null ? List.of() : List.copyOf(attentionProbs);
        queries = queries == null ? List.of() : List.copyOf(queries);
        keys = keys == null ? List.of() : List.copyOf(keys);
        values = values == null ? List.of() : List.copyOf(values);
    }

    /** {@return number of Transformer layers L (the embedding output is not a layer)} */
    public int numLayers() {
        return attentionScores.size();
    }

    /** {@return the last layer's output (B, T, H), what Hugging Face calls {@code last_hidden_state}} */
    public NDArray lastHiddenState() {
        return hiddenStates.get(hiddenStates.size() - 1);
    }

    /** {@return the embedding-layer output (B, T, H)} */
    public NDArray embeddingOutput() {
        return hiddenStates.get(0);
    }
}
