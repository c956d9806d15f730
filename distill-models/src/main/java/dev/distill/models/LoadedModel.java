package dev.distill.models;

import ai.djl.ndarray.NDManager;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.tokenizer.TextTokenizer;

/**
 * A model ready to run: the encoder with its weights, its tokenizer, the pooling it was trained
 * with, and the manager (device) that owns its parameters. Closing it frees the weights.
 *
 * @param source where it came from (a known name, a directory, a file)
 */
public record LoadedModel(Encoder encoder, TextTokenizer tokenizer, Pooling pooling, String source,
        NDManager manager) implements AutoCloseable {

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
