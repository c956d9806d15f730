package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * The teacher's k most probable tokens per position, what a teacher-output cache stores instead
 * of (B, T, V) logits (as the {@code ./distill mlm} example's cache keeps them).
 *
 * @param tokenIds (B, T, k) int64 vocabulary ids, most probable first (order is not required)
 * @param probabilities (B, T, k) floating point, the teacher's softmax probabilities <b>at
 *     temperature 1</b> for those ids; their sum per position is ≤ 1, the rest being the truncated
 *     mass. Entries may be 0 (e.g. padding of a shorter list)
 */
public record TopKTargets(NDArray tokenIds, NDArray probabilities) {

    /**
     * Checks the shapes and dtypes.
     *
     * @param tokenIds (B, T, k) int64 vocabulary ids
     * @param probabilities (B, T, k) floating-point probabilities at temperature 1
     * @throws NullPointerException if an array is null
     * @throws IllegalArgumentException if the arrays are not both (B, T, k), the ids not int64 or the
     *         probabilities not floating point
     */
    public TopKTargets {
        Objects.requireNonNull(tokenIds, "tokenIds");
        Objects.requireNonNull(probabilities, "probabilities");
        Shape s = tokenIds.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("top-k tokenIds must have shape (B, T, k), got " + s);
        }
        if (!s.equals(probabilities.getShape())) {
            throw new IllegalArgumentException("top-k probabilities shape " + probabilities.getShape()
                    + " must equal tokenIds shape " + s);
        }
        if (tokenIds.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("top-k tokenIds must be int64, got " + tokenIds.getDataType()
                    + "; convert with toType(DataType.INT64, false)");
        }
        if (!probabilities.getDataType().isFloating()) {
            throw new IllegalArgumentException("top-k probabilities must be floating point, got "
                    + probabilities.getDataType());
        }
    }

    /**
     * k, the number of stored tokens per position.
     *
     * @return k, the size of the last axis
     */
    public int k() {
        return Math.toIntExact(tokenIds.getShape().get(2));
    }

    /**
     * The top-k of softmax(logits) at temperature 1 along the last axis of (B, T, V) logits, as a
     * cache writer would store them. The result is detached from autograd.
     *
     * @param logits (B, T, V) logits, e.g. the teacher's
     * @param k the number of tokens kept per position, in [1, V]
     * @return the top-k ids (int64) and probabilities, most probable first
     * @throws IllegalArgumentException if the logits are not rank 3 or k is outside [1, V]
     */
    public static TopKTargets fromLogits(NDArray logits, int k) {
        if (logits.getShape().dimension() != 3) {
            throw new IllegalArgumentException("logits must have shape (B, T, V), got " + logits.getShape());
        }
        long v = logits.getShape().get(2);
        if (k <= 0 || k > v) {
            throw new IllegalArgumentException("k (" + k + ") must lie in [1, V = " + v + "]");
        }
        NDList top = logits.stopGradient().softmax(2).topK(k, 2, true, true);
        return new TopKTargets(top.get(1).toType(DataType.INT64, false), top.get(0));
    }
}
