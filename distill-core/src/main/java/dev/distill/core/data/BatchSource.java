package dev.distill.core.data;

import ai.djl.ndarray.NDManager;

/**
 * An endless, resumable stream of training batches: epochs follow each other (reshuffled per
 * epoch from the seed), and {@link #position()} / {@link #seek} let a checkpoint record and
 * restore exactly where the stream was.
 */
public interface BatchSource extends AutoCloseable {

    /** Where a stream stands: the epoch and the number of batches already taken in it. */
    record Position(long epoch, long batchInEpoch) {
        public Position {
            if (epoch < 0 || batchInEpoch < 0) {
                throw new IllegalArgumentException("position (" + epoch + ", " + batchInEpoch + ") must be non-negative");
            }
        }
    }

    /** The next batch, created on {@code manager} (the step's sub-manager). */
    TokenBatch next(NDManager manager);

    /** The position of the batch {@link #next} returns next. */
    Position position();

    /** Moves to a position recorded earlier by {@link #position()}. */
    void seek(Position position);

    /** Batches per epoch. */
    long batchesPerEpoch();

    /** A fingerprint of the data and batching settings, recorded in checkpoints. */
    String fingerprint();

    @Override
    default void close() {}
}
