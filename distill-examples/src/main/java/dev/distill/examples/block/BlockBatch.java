package dev.distill.examples.block;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;

/**
 * How a block-level batch travels through the trainer, which moves {@link TokenBatch}es.
 *
 * <p>A Transformer block maps hidden states to hidden states (B, T, H) → (B, T, H); it has no
 * token ids. {@link dev.distill.core.train.DistillationTrainer} gives the teacher and the student
 * the same {@code TokenBatch} (copied to the teacher's device when they differ), so the block's
 * inputs ride in it:
 *
 * <ul>
 *   <li>{@code labels}: the block input x, (B, T, H) float32 — the only field that carries data;
 *   <li>{@code attentionMask}: (B, T) int64, 1 on real positions (padding is excluded from
 *       attention and from the loss, as for text);
 *   <li>{@code inputIds}: (B, T) int64 zeros, a placeholder the record requires; nothing reads it.
 * </ul>
 *
 * The field is {@code labels} because it is the one TokenBatch field without a fixed meaning for
 * the trainer (task-dependent, copied with the batch, never read by the loop) — the analogue of
 * Hugging Face's {@code inputs_embeds}. Only the block adapters ({@link BlockTeacher},
 * {@link BlockStudent}) and {@link GaussianBlockBatches} know the convention; {@link #hidden}
 * refuses a batch that does not follow it, so a text batch cannot reach a block by mistake.
 */
public final class BlockBatch {

    private BlockBatch() {}

    /**
     * A trainer batch carrying block inputs.
     *
     * @param hidden (B, T, H) float32
     * @param attentionMask (B, T) int64
     * @param realTokens number of mask-1 positions (throughput reporting)
     */
    public static TokenBatch of(NDArray hidden, NDArray attentionMask, long realTokens) {
        Shape s = hidden.getShape();
        if (s.dimension() != 3 || hidden.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("block inputs must be (B, T, H) float32, got " + s + " "
                    + hidden.getDataType());
        }
        NDArray placeholder = attentionMask.zerosLike();
        return new TokenBatch(placeholder, attentionMask, null, hidden, realTokens);
    }

    /** The (B, T, H) block input of a batch made by {@link #of}. */
    public static NDArray hidden(TokenBatch batch) {
        NDArray x = batch.labels();
        if (x == null || x.getShape().dimension() != 3 || !x.getDataType().isFloating()) {
            throw new IllegalArgumentException("this batch carries no block input: a block batch holds (B, T, H)"
                    + " float hidden states in TokenBatch.labels, got "
                    + (x == null ? "no labels" : x.getShape() + " " + x.getDataType())
                    + "; build block batches with BlockBatch.of (e.g. from GaussianBlockBatches)");
        }
        return x;
    }
}
