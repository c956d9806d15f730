package dev.distill.models.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.TextEmbedder;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sentence embeddings from an encoder: tokenise, run in batches of similar length (sorted by
 * length so little padding is computed), pool, optionally L2-normalise. Inference only: dropout
 * is off and no gradient is recorded.
 */
public final class SentenceEmbedder implements TextEmbedder {

    private final Encoder encoder;
    private final TextTokenizer tokenizer;
    private final NDManager manager;
    private final Pooling pooling;
    private final boolean normalize;
    private final int batchSize;

    /**
     * An embedder over a loaded encoder.
     *
     * @param encoder the encoder, with its weights
     * @param tokenizer its tokenizer
     * @param manager the encoder's manager (its device is where the batches go)
     * @param pooling how a sentence vector is read off the last hidden state
     * @param normalize whether vectors are scaled to unit L2 norm
     * @param batchSize texts per forward pass
     * @throws IllegalArgumentException if {@code batchSize} is not positive
     */
    public SentenceEmbedder(Encoder encoder, TextTokenizer tokenizer, NDManager manager, Pooling pooling,
            boolean normalize, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be positive");
        }
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.pooling = pooling;
        this.normalize = normalize;
        this.batchSize = batchSize;
    }

    @Override
    public float[][] embed(List<String> texts) {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> texts.get(i).length()).reversed());
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<String> chunk = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                chunk.add(texts.get(order[i]));
            }
            try (NDManager step = manager.newSubManager()) {
                TokenBatch batch = tokenizer.batch(chunk, step);
                ModelOutputs o = encoder.forward(batch, false);
                // float32 whatever the encoder computes in: the norm's floor 1e-12 underflows in float16
                NDArray v = Encoder.pool(o.lastHiddenState(), batch.attentionMask(), pooling)
                        .toType(DataType.FLOAT32, false);
                if (normalize) {
                    v = v.div(Scalars.maximum(v.norm(new int[] {1}, true), 1e-12f));
                }
                float[] flat = v.toFloatArray();
                int dim = Math.toIntExact(v.getShape().get(1));
                for (int i = start; i < end; i++) {
                    out[order[i]] = Arrays.copyOfRange(flat, (i - start) * dim, (i - start + 1) * dim);
                }
            }
        }
        return out;
    }
}
