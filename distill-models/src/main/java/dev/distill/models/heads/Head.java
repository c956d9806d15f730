package dev.distill.models.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.distill.models.encoder.EncoderConfig;
import java.util.List;

/**
 * A task head on top of the encoder's last hidden state. Its parameters carry their Hugging Face
 * names (e.g. {@code classifier.weight}); the encoder registers them next to its own, so a head
 * is trained, checkpointed and exported with the model.
 */
public abstract class Head {

    /**
     * What a head reads.
     *
     * @param lastHidden the encoder's last hidden state (B, T, H)
     * @param attentionMask (B, T), 1 for real tokens and 0 for padding
     * @param wordEmbeddings the word-embedding matrix (V, H), for heads tied to it (masked LM)
     * @param config the encoder's configuration
     */
    public record Input(NDArray lastHidden, NDArray attentionMask, NDArray wordEmbeddings,
            EncoderConfig config) {}

    /**
     * The Hugging Face architecture this head corresponds to, e.g. {@code BertForMaskedLM}.
     *
     * @return the class name written to {@code config.json}'s {@code architectures}
     */
    public abstract String architecture();

    /**
     * The head's parameters, created for one configuration, named as Hugging Face names them.
     *
     * @return the parameters, in a fixed order
     */
    public abstract List<Parameter> parameters();

    /**
     * Computes the head's logits; shapes are listed in
     * {@link dev.distill.core.ModelOutputs#logits()}.
     *
     * @param in the encoder's outputs the head reads
     * @param training whether dropout is active
     * @return the logits, in the activations' dtype and graph
     */
    public abstract NDArray forward(Input in, boolean training);

    /**
     * Number of outputs per example or position (classes, vocabulary size, 2 for spans).
     *
     * @return C, V or 2
     */
    public abstract int numOutputs();

    /**
     * A head of the same kind, configuration and shape whose parameters are not initialised:
     * what {@link dev.distill.models.encoder.Encoder#toType} fills with converted weights. The
     * heads of this package implement it; a head written elsewhere must override it to be copied.
     *
     * @return a new head with uninitialised parameters
     * @throws UnsupportedOperationException if this head does not implement it
     */
    public Head emptyCopy() {
        throw new UnsupportedOperationException("head " + getClass().getName() + " (" + architecture()
                + ") cannot be copied: override Head.emptyCopy() to return a fresh head of the same shape");
    }
}
