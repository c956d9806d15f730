package dev.distill.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.Objects;

/**
 * One batch of tokenised, padded inputs with its optional labels. All arrays share the batch
 * manager; B = batch, T = padded length.
 *
 * @param inputIds (B, T) int64 token ids
 * @param attentionMask (B, T) int64, 1 for real tokens, 0 for padding
 * @param tokenTypeIds (B, T) int64 segment ids (0 for the first text, 1 for the second of a pair)
 * @param labels task labels or {@code null}: class ids (B) int64; regression targets (B) float32;
 *     masked-LM targets (B, T) int64 with {@link #IGNORE_INDEX} at unlabelled positions; span QA
 *     (B, 2) int64 start and end token positions
 * @param realTokens number of non-padding tokens in the batch, for throughput reporting
 */
public record TokenBatch(
        NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds, NDArray labels, long realTokens) {

    /** Label value meaning "no label at this position" (PyTorch's default ignore_index). */
    public static final long IGNORE_INDEX = -100;

    /**
     * Checks the shapes of the inputs.
     *
     * @param inputIds (B, T) int64 token ids; not null
     * @param attentionMask (B, T), 1 for real tokens; not null
     * @param tokenTypeIds (B, T) segment ids, or null
     * @param labels task labels, or null
     * @param realTokens non-padding tokens in the batch
     * @throws NullPointerException if the ids or the mask is null
     * @throws IllegalArgumentException if the mask or the token types differ in shape from the ids
     */
    public TokenBatch {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(attentionMask, "attentionMask");
        if (!inputIds.getShape().equals(attentionMask.getShape())) {
            throw new IllegalArgumentException("attentionMask shape " + attentionMask.getShape()
                    + " must equal inputIds shape " + inputIds.getShape());
        }
        if (tokenTypeIds != null && !inputIds.getShape().equals(tokenTypeIds.getShape())) {
            throw new IllegalArgumentException("tokenTypeIds shape " + tokenTypeIds.getShape()
                    + " must equal inputIds shape " + inputIds.getShape());
        }
    }

    /** {@return batch size B} */
    public int batchSize() {
        return Math.toIntExact(inputIds.getShape().get(0));
    }

    /** {@return padded sequence length T} */
    public int sequenceLength() {
        return Math.toIntExact(inputIds.getShape().get(1));
    }

    /**
     * A copy of this batch without labels.
     *
     * @return a batch sharing the same input arrays, with null labels
     */
    public TokenBatch withoutLabels() {
        return new TokenBatch(inputIds, attentionMask, tokenTypeIds, null, realTokens);
    }

    /**
     * A copy of this batch with other labels.
     *
     * @param newLabels the labels, or null
     * @return a batch sharing the same input arrays
     */
    public TokenBatch withLabels(NDArray newLabels) {
        return new TokenBatch(inputIds, attentionMask, tokenTypeIds, newLabels, realTokens);
    }

    /**
     * The inputs as a DJL list (ids, mask, token types), for DJL's Block and Predictor APIs.
     *
     * @return a new list of two or three arrays (the arrays themselves, not copies)
     */
    public NDList toNDList() {
        return tokenTypeIds == null
                ? new NDList(inputIds, attentionMask)
                : new NDList(inputIds, attentionMask, tokenTypeIds);
    }
}
