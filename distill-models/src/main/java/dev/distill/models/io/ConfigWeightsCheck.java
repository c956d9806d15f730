package dev.distill.models.io;

import dev.distill.core.io.MalformedFileException;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.EncoderConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a {@code config.json} against the weights before an encoder is built, so that a key that
 * disagrees with them ({@code vocab_size: 1000} over a 30,522-row embedding table) is reported as
 * one line naming the key, both values and the fix, rather than as the full list of wrong shapes
 * (or, for a vocabulary, an index error deep in the first forward pass).
 */
final class ConfigWeightsCheck {

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    private ConfigWeightsCheck() {}

    /**
     * @param tensors the weights by Hugging Face name, {@code bert.} prefix removed
     * @param configFile the {@code config.json}, for messages
     * @param weightsName the weights file's name, for messages
     */
    static void check(EncoderConfig c, Map<String, TensorData> tensors, Path configFile, String weightsName)
            throws MalformedFileException {
        rows(tensors, "embeddings.word_embeddings.weight", 0, "vocab_size", c.vocabSize(), configFile, weightsName);
        rows(tensors, "embeddings.word_embeddings.weight", 1, "hidden_size", c.hiddenSize(), configFile, weightsName);
        rows(tensors, "embeddings.position_embeddings.weight", 0, "max_position_embeddings", c.maxPositions(),
                configFile, weightsName);
        rows(tensors, "embeddings.token_type_embeddings.weight", 0, "type_vocab_size", c.typeVocabSize(),
                configFile, weightsName);
        rows(tensors, "encoder.layer.0.intermediate.dense.weight", 0, "intermediate_size", c.intermediateSize(),
                configFile, weightsName);
        int layers = 0;
        for (String name : tensors.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (layers > 0 && layers != c.numLayers()) {
            throw new MalformedFileException(configFile, "num_hidden_layers is " + c.numLayers() + " but " + weightsName
                    + " holds " + layers + " layers (encoder.layer.0 .. " + (layers - 1) + "); set num_hidden_layers"
                    + " to " + layers);
        }
    }

    private static void rows(Map<String, TensorData> tensors, String name, int dim, String key, int value,
            Path configFile, String weightsName) throws MalformedFileException {
        TensorData t = tensors.get(name);
        if (t == null || t.shape().length != 2) {
            return; // a missing or odd tensor is reported by the strict load with every other problem
        }
        long actual = t.shape()[dim];
        if (actual != value) {
            throw new MalformedFileException(configFile, key + " is " + value + " but " + weightsName + " has " + name
                    + " with " + actual + (dim == 0 ? " rows" : " columns") + "; set " + key + " to " + actual
                    + " (the config and the weights must describe the same model)");
        }
    }
}
