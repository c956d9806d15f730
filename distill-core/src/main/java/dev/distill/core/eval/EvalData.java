package dev.distill.core.eval;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.TokenBatch;

/**
 * A fixed evaluation set as indexed batches with labels. Each batch is created on the manager the
 * evaluator passes (a sub-manager on the student's device, closed after the batch), so an
 * evaluation holds one batch at a time.
 */
public interface EvalData {

    /**
     * Number of batches.
     *
     * @return the count, &ge; 0
     */
    int numBatches();

    /**
     * Batch {@code index} (0-based) with its labels, created on {@code manager}.
     *
     * @param index in [0, {@link #numBatches()})
     * @param manager the owner of the batch's arrays
     * @return the batch, the same at every call
     */
    TokenBatch batch(int index, NDManager manager);
}
