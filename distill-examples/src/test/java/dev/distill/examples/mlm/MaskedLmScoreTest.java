package dev.distill.examples.mlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.EvalData;
import org.junit.jupiter.api.Test;

/** Accuracy and perplexity against values worked out by hand. */
class MaskedLmScoreTest {

    private static final long I = TokenBatch.IGNORE_INDEX;

    /**
     * Two batches, V = 3. Logits (a row per position) are fixed numbers; labels pick some rows.
     * Batch 0: positions (0,1) label 2 with logits (0, 1, 3): hit, log p = 3 − log(1 + e + e³);
     * (1,0) label 0 with logits (2, 0, 0): hit, log p = 2 − log(e² + 2). Batch 1: (0,0) label 1
     * with logits (1, 0, 0): miss, log p = 0 − log(e + 2). Accuracy 2/3.
     */
    @Test
    void matchesHandComputation() {
        float[][] logits0 = {{9, 9, 9}, {0, 1, 3}, {2, 0, 0}, {5, 5, 5}};
        long[] labels0 = {I, 2, 0, I};
        float[][] logits1 = {{1, 0, 0}, {0, 0, 7}};
        long[] labels1 = {1, I};
        EvalData data = new EvalData() {
            @Override
            public int numBatches() {
                return 2;
            }

            @Override
            public TokenBatch batch(int index, NDManager m) {
                long[] labels = index == 0 ? labels0 : labels1;
                Shape s = index == 0 ? new Shape(2, 2) : new Shape(1, 2);
                return new TokenBatch(m.zeros(s, ai.djl.ndarray.types.DataType.INT64),
                        m.ones(s, ai.djl.ndarray.types.DataType.INT64), null, m.create(labels, s), 0);
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            MaskedLmScore.Result r = MaskedLmScore.score(b -> {
                float[][] l = b.batchSize() == 2 ? logits0 : logits1;
                float[] flat = new float[l.length * 3];
                for (int i = 0; i < l.length; i++) {
                    System.arraycopy(l[i], 0, flat, i * 3, 3);
                }
                return b.inputIds().getManager().create(flat, new Shape(b.batchSize(), 2, 3));
            }, data, m);
            double e = Math.E;
            double nll = -((3 - Math.log(1 + e + e * e * e)) + (2 - Math.log(e * e + 2)) + (0 - Math.log(e + 2))) / 3;
            assertEquals(3, r.tokens());
            assertEquals(2.0 / 3, r.accuracy(), 1e-9);
            assertEquals(nll, r.nll(), 1e-6);
            assertEquals(Math.exp(nll), r.perplexity(), 1e-5);
            assertEquals(2.0 / 3, r.toEvaluation().primaryValue(), 1e-9);
        }
    }

    @Test
    void refusesASetWithoutMaskedPositions() {
        EvalData empty = new EvalData() {
            @Override
            public int numBatches() {
                return 1;
            }

            @Override
            public TokenBatch batch(int index, NDManager m) {
                Shape s = new Shape(1, 2);
                return new TokenBatch(m.zeros(s, ai.djl.ndarray.types.DataType.INT64),
                        m.ones(s, ai.djl.ndarray.types.DataType.INT64), null, m.create(new long[] {I, I}, s), 0);
            }
        };
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class,
                    () -> MaskedLmScore.score(b -> b.inputIds().getManager().zeros(new Shape(1, 2, 3)), empty, m));
        }
    }
}
