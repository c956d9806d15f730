package dev.distill.core.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A stand-in teacher for cache tests: the logit of token v at position p is a fixed smooth
 * function of the input id there, the previous id, p and v, so it depends on the example only
 * (not on the batch or its padding) and can be recomputed independently in double precision.
 */
final class SyntheticTeacher implements TopKCacheBuilder.Teacher {

    final int vocab;
    final long delayMillis;
    int pooledDim;
    /** When > 0, hidden states 0..hiddenLayers, each (B, T, hiddenDim), are returned too. */
    int hiddenDim;
    int hiddenLayers;
    int calls;

    SyntheticTeacher(int vocab, long delayMillis) {
        this.vocab = vocab;
        this.delayMillis = delayMillis;
    }

    static double logit(long id, long prev, int pos, int v) {
        return 4 * Math.sin(0.0137 * v * (id % 23 + 1) + 0.31 * pos + 0.07 * prev) + 0.002 * (v % 101);
    }

    /** The stand-in pooled embedding: dimension d of an example whose first token is {@code first}. */
    static double pooled(long first, int d) {
        return Math.cos(first * 0.1 + d) * (d + 1);
    }

    /** The stand-in hidden state: hidden index l, dimension d, at a token with this id and position. */
    static double hidden(int l, long id, int pos, int d) {
        return (l + 1) * Math.sin(0.37 * id + 0.11 * pos + 0.7 * d + l) * Math.exp(0.3 * (d % 5)) + 0.01 * l;
    }

    @Override
    public TopKCacheBuilder.Output run(TokenBatch batch, int[][] positions) {
        calls++;
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long[] ids = batch.inputIds().toLongArray();
        int t = batch.sequenceLength();
        List<float[]> rows = new ArrayList<>();
        for (int b = 0; b < positions.length; b++) {
            for (int p : positions[b]) {
                float[] row = new float[vocab];
                long prev = p == 0 ? 0 : ids[b * t + p - 1];
                for (int v = 0; v < vocab; v++) {
                    row[v] = (float) logit(ids[b * t + p], prev, p, v);
                }
                rows.add(row);
            }
        }
        float[] flat = new float[rows.size() * vocab];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * vocab, vocab);
        }
        NDArray logits = batch.inputIds().getManager().create(flat, new Shape(rows.size(), vocab));
        NDArray pooled = null;
        if (pooledDim > 0) {
            float[] p = new float[positions.length * pooledDim];
            for (int b = 0; b < positions.length; b++) {
                for (int d = 0; d < pooledDim; d++) {
                    p[b * pooledDim + d] = (float) pooled(ids[b * t], d);
                }
            }
            pooled = batch.inputIds().getManager().create(p, new Shape(positions.length, pooledDim));
        }
        List<NDArray> hidden = null;
        if (hiddenDim > 0) {
            hidden = new ArrayList<>();
            for (int l = 0; l <= hiddenLayers; l++) {
                float[] h = new float[positions.length * t * hiddenDim];
                for (int b = 0; b < positions.length; b++) {
                    for (int p = 0; p < t; p++) {
                        for (int d = 0; d < hiddenDim; d++) {
                            h[(b * t + p) * hiddenDim + d] = (float) hidden(l, ids[b * t + p], p, d);
                        }
                    }
                }
                hidden.add(batch.inputIds().getManager().create(h, new Shape(positions.length, t, hiddenDim)));
            }
        }
        return new TopKCacheBuilder.Output(logits, pooled, hidden);
    }

    /** Examples with lengths 5..40, every fourth token position kept (at least one). */
    static List<CacheExample> examples(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<CacheExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 5 + r.nextInt(36);
            long[] ids = new long[len];
            for (int j = 0; j < len; j++) {
                ids[j] = r.nextInt(vocab);
            }
            List<Integer> pos = new ArrayList<>();
            for (int j = 1; j < len - 1; j++) {
                if (r.nextInt(4) == 0) {
                    pos.add(j);
                }
            }
            if (pos.isEmpty()) {
                pos.add(1);
            }
            out.add(new CacheExample(ids, null, pos.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }
}
