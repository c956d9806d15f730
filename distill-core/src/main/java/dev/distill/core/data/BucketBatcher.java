package dev.distill.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded shuffling with length bucketing, as index batches over a data set of known token lengths.
 *
 * <p>One epoch: shuffle all indices (seeded by (seed, epoch)); cut the shuffled order into
 * windows of {@code window · batchSize} examples; sort each window by length (ties keep the
 * shuffled order) and cut it into batches; finally shuffle the order of all batches. Batches then
 * hold examples of similar length (little padding under dynamic padding) while their order and
 * content still vary from epoch to epoch. {@code window = 1} gives plain shuffled batches. Every
 * index appears exactly once per epoch; the last batch of a window may be smaller unless
 * {@code dropLast}, which drops batches smaller than {@code batchSize}.
 */
public final class BucketBatcher {

    private final int[] lengths;
    private final int batchSize;
    private final int window;
    private final boolean dropLast;
    private final long seed;

    /**
     * @param lengths the token length of every example, by index
     * @param batchSize examples per batch
     * @param window batches per sorted window (≥ 1; 1 turns bucketing off; 50 is a good default)
     * @param dropLast drop batches smaller than {@code batchSize}
     * @param seed the shuffling seed
     */
    public BucketBatcher(int[] lengths, int batchSize, int window, boolean dropLast, long seed) {
        if (lengths.length == 0) {
            throw new IllegalArgumentException("cannot batch an empty data set");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be at least 1");
        }
        if (window < 1) {
            throw new IllegalArgumentException("bucket window (" + window + ") must be at least 1 batch; 1 turns"
                    + " bucketing off");
        }
        if (dropLast && lengths.length < batchSize) {
            throw new IllegalArgumentException("dropLast with batchSize " + batchSize + " leaves no batch from "
                    + lengths.length + " examples");
        }
        this.lengths = lengths.clone();
        this.batchSize = batchSize;
        this.window = window;
        this.dropLast = dropLast;
        this.seed = seed;
    }

    /** {@return the number of examples} */
    public int size() {
        return lengths.length;
    }

    /**
     * The batches of one epoch, in order, as example indices.
     *
     * @param epoch the 0-based epoch; the order depends only on the seed and the epoch
     * @return a new list of batches, each an array of example indices
     */
    public List<int[]> epoch(long epoch) {
        int n = lengths.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = Seeds.random(seed, epoch, 0);
        shuffle(order, r);
        List<int[]> batches = new ArrayList<>();
        long span = (long) window * batchSize;
        for (int start = 0; start < n; start += (int) Math.min(span, n - start)) {
            int end = (int) Math.min(n, start + span);
            Integer[] w = new Integer[end - start];
            for (int i = start; i < end; i++) {
                w[i - start] = order[i];
            }
            if (window > 1) {
                Arrays.sort(w, (a, b) -> Integer.compare(lengths[a], lengths[b])); // stable
            }
            for (int b = 0; b < w.length; b += batchSize) {
                int m = Math.min(batchSize, w.length - b);
                if (dropLast && m < batchSize) {
                    continue;
                }
                int[] batch = new int[m];
                for (int i = 0; i < m; i++) {
                    batch[i] = w[b + i];
                }
                batches.add(batch);
            }
        }
        SplittableRandom br = Seeds.random(seed, epoch, 1);
        for (int i = batches.size() - 1; i > 0; i--) {
            int j = br.nextInt(i + 1);
            int[] t = batches.get(i);
            batches.set(i, batches.get(j));
            batches.set(j, t);
        }
        return batches;
    }

    /**
     * Batches from {@code start} on, epoch after epoch without end; {@link Batches#cursor()} is resumable.
     *
     * @param start where to start, e.g. {@link DataCursor#START} or a checkpoint's cursor
     * @return an endless iterator
     * @throws IllegalArgumentException if {@code start} lies past the end of its epoch
     */
    public Batches iterator(DataCursor start) {
        return new Batches(start);
    }

    /** An endless batch stream that knows its {@link DataCursor}. */
    public final class Batches implements Iterator<int[]> {
        private long epoch;
        private int batch;
        private List<int[]> plan;

        private Batches(DataCursor start) {
            epoch = start.epoch();
            batch = start.batch();
            plan = epoch(epoch);
            if (batch > plan.size()) {
                throw new IllegalArgumentException("data cursor batch " + batch + " is past the end of epoch " + epoch
                        + ", which has " + plan.size() + " batches; the data set or batch size changed since the"
                        + " checkpoint");
            }
        }

        /**
         * The position of the next batch {@link #next()} returns.
         *
         * @return the cursor, to store in a checkpoint
         */
        public DataCursor cursor() {
            if (batch >= plan.size()) {
                return new DataCursor(epoch + 1, 0);
            }
            return new DataCursor(epoch, batch);
        }

        @Override
        public boolean hasNext() {
            return true;
        }

        @Override
        public int[] next() {
            if (batch >= plan.size()) {
                epoch++;
                batch = 0;
                plan = epoch(epoch);
            }
            return plan.get(batch++).clone();
        }
    }

    private static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
