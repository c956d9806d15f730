package dev.distill.core.data;

import java.util.List;

/**
 * A {@link BatchSource} whose batches are the rows a {@link BucketBatcher} picks: length-bucketed
 * (window 50, last partial batch kept) and shuffled per epoch from a seed. It keeps the exact
 * position, so a resumed run sees the same batches as an uninterrupted one; subclasses turn the
 * rows of {@link #nextRows} into a batch and say what their {@link #fingerprint} covers.
 */
public abstract class BucketedBatchSource implements BatchSource {

    private final BucketBatcher batcher;
    private BucketBatcher.Batches iterator;

    /**
     * @param lengths each example's length in tokens, by example index
     * @param batchSize examples per batch
     * @param seed the shuffling seed
     */
    protected BucketedBatchSource(int[] lengths, int batchSize, long seed) {
        this.batcher = new BucketBatcher(lengths, batchSize, 50, false, seed);
        this.iterator = batcher.iterator(DataCursor.START);
    }

    /**
     * The lengths of {@code examples}, in order, for the constructor.
     *
     * @param examples the examples
     * @return a new array of their token counts
     */
    protected static int[] lengths(List<TokenizedExample> examples) {
        int[] lengths = new int[examples.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = examples.get(i).length();
        }
        return lengths;
    }

    /** {@return where the batch {@link #nextRows} returns next stands} */
    protected final DataCursor cursor() {
        return iterator.cursor();
    }

    /**
     * The example indices of the next batch; moves the position on by one batch.
     *
     * @return example indices, at most the batch size
     */
    protected final int[] nextRows() {
        return iterator.next();
    }

    @Override
    public final Position position() {
        DataCursor c = iterator.cursor();
        return new Position(c.epoch(), c.batch());
    }

    @Override
    public final void seek(Position position) {
        iterator = batcher.iterator(new DataCursor(position.epoch(), Math.toIntExact(position.batchInEpoch())));
    }

    @Override
    public final long batchesPerEpoch() {
        return batcher.epoch(0).size();
    }
}
