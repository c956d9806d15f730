package dev.distill.core.eval;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.TokenBatch;

/**
 * A fixed evaluation set as indexed batches with labels. Each batch is created on the manager the
 * evaluator passes (a sub-manager on the student's device, closed after the batch), so an
 * evaluation holds one batch at a time.
 */
public interface EvalData {

    /** Number of batches. */
    int numBatches();

    /** Batch {@code index} (0-based) with its labels, created on {@code manager}. */
    TokenBatch batch(int index, NDManager manager);
}
