package dev.distill.core.data;

import ai.djl.ndarray.NDManager;

/**
 * An endless, resumable stream of training batches: epochs follow each other (reshuffled per
 * epoch from the seed), and {@link #position()} / {@link #seek} let a checkpoint record and
 * restore exactly where the stream was.
 */
public interface BatchSource extends AutoCloseable {

    /**
     * Where a stream stands: the epoch and the number of batches already taken in it.
     *
     * @param epoch the 0-based epoch
     * @param batchInEpoch batches already taken in that epoch
     */
    record Position(long epoch, long batchInEpoch) {
        /**
         * Checks both counts.
         *
         * @param epoch the 0-based epoch, &ge; 0
         * @param batchInEpoch batches already taken, &ge; 0
         * @throws IllegalArgumentException if either is negative
         */
        public Position {
            if (epoch < 0 || batchInEpoch < 0) {
                throw new IllegalArgumentException("position (" + epoch + ", " + batchInEpoch + ") must be non-negative");
            }
        }
    }

    /**
     * The next batch, created on {@code manager} (the step's sub-manager).
     *
     * @param manager the owner of the batch's arrays (and their device)
     * @return the batch; the stream never ends
     */
    TokenBatch next(NDManager manager);

    /**
     * The position of the batch {@link #next} returns next.
     *
     * @return the position, to store in a checkpoint
     */
    Position position();

    /**
     * Moves to a position recorded earlier by {@link #position()}.
     *
     * @param position a position this source (same data and settings) returned
     * @throws IllegalArgumentException if it lies outside the data
     */
    void seek(Position position);

    /**
     * Batches per epoch.
     *
     * @return the count, &gt; 0
     */
    long batchesPerEpoch();

    /**
     * A fingerprint of the data and batching settings, recorded in checkpoints.
     *
     * @return a string that changes when the data or the batching changes
     */
    String fingerprint();

    @Override
    default void close() {}
}
