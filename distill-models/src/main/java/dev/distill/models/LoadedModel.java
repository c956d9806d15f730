package dev.distill.models;

import ai.djl.ndarray.NDManager;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.inference.SentenceEmbedder;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * A model ready to run: the encoder with its weights, its tokenizer, the pooling it was trained
 * with, and the manager (device) that owns its parameters. Closing it frees the weights.
 *
 * @param source where it came from (a known name, a directory, a file)
 */
public record LoadedModel(Encoder encoder, TextTokenizer tokenizer, Pooling pooling, String source,
        NDManager manager) implements AutoCloseable {

    /** Texts per forward pass in {@link #embed}. */
    public static final int EMBED_BATCH_SIZE = 32;

    /**
     * The one-line entry point: sentence embeddings of {@code texts}, in order, as the model's
     * sentence-transformers pipeline computes them (its pooling, then L2 normalisation, so the
     * cosine of two vectors is their dot product). Texts are truncated to the tokenizer's maximum
     * length and run in batches of {@value #EMBED_BATCH_SIZE} of similar length, without dropout or
     * gradients.
     *
     * <pre>{@code
     * try (LoadedModel m = ModelLoader.load("runs/embeddings/student", Device.cpu(), 512)) {
     *     List<float[]> v = m.embed(List.of("A man is playing a guitar.", "Someone plays music."));
     * }
     * }</pre>
     *
     * @return one unit-length vector of {@code encoder().config().hiddenSize()} floats per text
     */
    public List<float[]> embed(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        float[][] v = new SentenceEmbedder(encoder, tokenizer, manager, pooling, true, EMBED_BATCH_SIZE).embed(texts);
        return Arrays.asList(v);
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
