package dev.distill.examples.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.BatchSource;
import dev.distill.core.data.TokenBatch;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * An endless stream of full-length batches of uniformly random token ids (never the pad id),
 * attention mask all ones, token types 0: the compute of a step depends on the shape, not on
 * which tokens are fed, so a benchmark needs no corpus. Batch i of epoch e is a function of
 * (seed, e, i), so the stream is resumable like real data.
 */
final class RandomTokens implements BatchSource {

    private final int batch;
    private final int seq;
    private final int vocab;
    private final long padId;
    private final long seed;
    private final long batchesPerEpoch;
    private long epoch;
    private long index;

    RandomTokens(int batch, int seq, int vocab, long padId, long seed, long batchesPerEpoch) {
        if (batch < 1 || seq < 1 || vocab < 2 || batchesPerEpoch < 1) {
            throw new IllegalArgumentException("batch (" + batch + "), seq (" + seq + ") and batches per epoch ("
                    + batchesPerEpoch + ") must be positive and vocab (" + vocab + ") at least 2");
        }
        this.batch = batch;
        this.seq = seq;
        this.vocab = vocab;
        this.padId = padId;
        this.seed = seed;
        this.batchesPerEpoch = batchesPerEpoch;
    }

    @Override
    public TokenBatch next(NDManager manager) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * batchesPerEpoch + index);
        long[] ids = new long[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            long id;
            do {
                id = r.nextInt(vocab);
            } while (id == padId);
            ids[i] = id;
        }
        long[] ones = new long[ids.length];
        java.util.Arrays.fill(ones, 1L);
        Shape s = new Shape(batch, seq);
        TokenBatch b = new TokenBatch(manager.create(ids, s), manager.create(ones, s), manager.zeros(s,
                ai.djl.ndarray.types.DataType.INT64), null, ids.length);
        if (++index == batchesPerEpoch) {
            index = 0;
            epoch++;
        }
        return b;
    }

    @Override
    public Position position() {
        return new Position(epoch, index);
    }

    @Override
    public void seek(Position position) {
        epoch = position.epoch();
        index = position.batchInEpoch();
    }

    @Override
    public long batchesPerEpoch() {
        return batchesPerEpoch;
    }

    @Override
    public String fingerprint() {
        return String.format(Locale.ROOT, "random-tokens(batch=%d, seq=%d, vocab=%d, pad=%d, seed=%d)", batch, seq,
                vocab, padId, seed);
    }
}
