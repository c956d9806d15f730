package dev.distill.examples.cli;

import ai.djl.Device;
import dev.distill.core.Devices;
import picocli.CommandLine.Option;

/** Options shared by commands that load one model. */
public final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "<name|path>",
            description = "A known model name (bge-small-en-v1.5, all-MiniLM-L6-v2), a Hugging Face "
                    + "directory (config.json, model.safetensors, tokenizer.json) or a BERT-family .onnx file.")
    String model;

    @Option(names = "--pooling", paramLabel = "cls|mean",
            description = "Sentence pooling; default: the model's own (cls for bge, mean for MiniLM).")
    String pooling;

    @Option(names = "--max-length", defaultValue = "128", paramLabel = "N",
            description = "Truncate inputs to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|auto",
            description = "Where the model runs (default: ${DEFAULT-VALUE}: a GPU if one is visible).")
    String device;

    Device device() {
        return Devices.parse(device);
    }
}
