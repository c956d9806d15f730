package dev.distill.core.data;

/**
 * Where the data stream stands: the next batch to produce is batch {@code batch} (0-based) of
 * epoch {@code epoch}. A checkpoint stores it; {@link BucketBatcher#iterator(DataCursor)} resumes
 * from it exactly, since an epoch's batch order depends only on the seed and the epoch.
 *
 * @param epoch the 0-based epoch
 * @param batch the 0-based batch within it
 */
public record DataCursor(long epoch, int batch) {

    /** The start of the first epoch. */
    public static final DataCursor START = new DataCursor(0, 0);

    /**
     * Checks both are non-negative.
     *
     * @param epoch the 0-based epoch
     * @param batch the 0-based batch
     * @throws IllegalArgumentException if either is negative
     */
    public DataCursor {
        if (epoch < 0 || batch < 0) {
            throw new IllegalArgumentException("data cursor (epoch " + epoch + ", batch " + batch
                    + ") must not be negative");
        }
    }
}
