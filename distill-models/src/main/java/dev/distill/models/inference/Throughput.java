package dev.distill.models.inference;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Inference speed of an encoder on real sentences: the median over repeated passes of the time to
 * tokenise and encode a fixed set of texts in batches, after one warm-up pass. Comparing two
 * models on the same texts, in the same process, gives the speed-up users care about.
 */
public final class Throughput {

    /**
     * @param sentencesPerSecond texts encoded per second (median pass)
     * @param msPerBatch milliseconds per batch (median pass)
     * @param batchSize texts per batch
     * @param passes timed passes after warm-up
     */
    public record Result(double sentencesPerSecond, double msPerBatch, int batchSize, int passes) {}

    private Throughput() {}

    /**
     * Times {@code passes} passes of {@code texts} through {@code encoder} in batches of {@code batchSize}.
     *
     * @param encoder the model, weights loaded
     * @param tokenizer its tokenizer
     * @param manager the encoder's manager; batches are created in sub-managers of it
     * @param texts the texts, at least one
     * @param batchSize texts per batch, &gt; 0
     * @param passes timed passes, &gt; 0
     * @return the median pass's speed
     * @throws IllegalArgumentException if there is no text or a count is not positive
     */
    public static Result measure(Encoder encoder, TextTokenizer tokenizer, NDManager manager, List<String> texts,
            int batchSize, int passes) {
        if (texts.isEmpty() || batchSize <= 0 || passes <= 0) {
            throw new IllegalArgumentException("need texts, a positive batch size and at least one pass; got "
                    + texts.size() + " texts, batch " + batchSize + ", passes " + passes);
        }
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < texts.size(); i += batchSize) {
            batches.add(texts.subList(i, Math.min(texts.size(), i + batchSize)));
        }
        runPass(encoder, tokenizer, manager, batches); // warm-up
        double[] seconds = new double[passes];
        for (int p = 0; p < passes; p++) {
            long start = System.nanoTime();
            runPass(encoder, tokenizer, manager, batches);
            seconds[p] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        double median = seconds[passes / 2];
        return new Result(texts.size() / median, 1000 * median / batches.size(), batchSize, passes);
    }

    private static void runPass(Encoder encoder, TextTokenizer tokenizer, NDManager manager, List<List<String>> batches) {
        for (List<String> b : batches) {
            try (NDManager step = manager.newSubManager()) {
                TokenBatch batch = tokenizer.batch(b, step);
                // reading one value forces the computation to finish (relevant on GPUs)
                encoder.forward(batch, false).pooled().getFloat(0, 0);
            }
        }
    }
}
