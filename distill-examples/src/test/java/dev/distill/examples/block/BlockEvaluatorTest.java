package dev.distill.examples.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.GaussianInputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.eval.Evaluation;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's baseline against the write-up's running mean recomputed here on the host, in double
 * precision, from the teacher's outputs; a student identical to the teacher scores 0.
 */
class BlockEvaluatorTest {

    private static final EncoderConfig C = EncoderConfig.builder().setVocabSize(30).setHiddenSize(8).setNumLayers(2)
            .setNumHeads(2).setIntermediateSize(12).optMaxPositions(16).optDropout(0f).build();

    @Test
    void baselineIsTheBiasCorrectedRunningMeanAndATeacherCopyScoresZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder teacher = Students.fromConfig(C, Pooling.CLS, null, m, 3);
            GaussianBlockBatches train = new GaussianBlockBatches(GaussianInputs.isotropic(8, 0, 1, 1), 3, 6, 2);
            GaussianBlockBatches eval = new GaussianBlockBatches(GaussianInputs.isotropic(8, 0, 1, 2), 3, 6, 2);
            int nb = 4;
            // Reference: μ = Σ_n α(1−α)^{N−1−n} m_n / (1 − (1−α)^N), m_n the mean over real tokens of batch n.
            double a = BlockEvaluator.ALPHA;
            double[] mu = new double[8];
            for (int n = 0; n < nb; n++) {
                double[] mean = tokenMean(teacher, train.batchAt(n, m));
                for (int h = 0; h < 8; h++) {
                    mu[h] = (1 - a) * mu[h] + a * mean[h];
                }
            }
            for (int h = 0; h < 8; h++) {
                mu[h] /= 1 - Math.pow(1 - a, nb);
            }
            double abs = 0;
            long count = 0;
            for (int i = 0; i < 2; i++) {
                TokenBatch b = eval.batchAt(i, m);
                float[] y = teacher.forwardHidden(BlockBatch.hidden(b), b.attentionMask(), false).lastHiddenState()
                        .toFloatArray();
                long[] mask = b.attentionMask().toLongArray();
                for (int p = 0; p < mask.length; p++) {
                    if (mask[p] == 1) {
                        for (int h = 0; h < 8; h++) {
                            abs += Math.abs(y[p * 8 + h] - mu[h]);
                        }
                        count++;
                    }
                }
            }
            try (BlockEvaluator ev = new BlockEvaluator(teacher, train, nb, eval, 2, List.of(), null, 4, m)) {
                assertEquals(abs / (count * 8), ev.baselines().get("l1"), 1e-5);
                Encoder copy = Students.fromTeacherLayers(teacher, new int[] {0, 1}, null, m, 9);
                Evaluation e = ev.evaluate(new BlockStudent(copy));
                assertEquals(0, e.metrics().get("l1"), 1e-6);
                assertEquals(0, e.primaryValue(), 1e-5);
                assertEquals(1, e.metrics().get("cosine"), 1e-5);
                assertTrue(!e.metrics().containsKey("real_l1"), "no real sentences, no real metrics");
            }
            train.close();
            eval.close();
        }
    }

    private static double[] tokenMean(Encoder teacher, TokenBatch b) {
        float[] y = teacher.forwardHidden(BlockBatch.hidden(b), b.attentionMask(), false).lastHiddenState()
                .toFloatArray();
        long[] mask = b.attentionMask().toLongArray();
        double[] s = new double[8];
        int n = 0;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p] == 1) {
                for (int h = 0; h < 8; h++) {
                    s[h] += y[p * 8 + h];
                }
                n++;
            }
        }
        for (int h = 0; h < 8; h++) {
            s[h] /= n;
        }
        return s;
    }

    @Test
    void aTextBatchIsNotABlockBatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch text = new TokenBatch(m.zeros(new ai.djl.ndarray.types.Shape(2, 3),
                    ai.djl.ndarray.types.DataType.INT64), m.ones(new ai.djl.ndarray.types.Shape(2, 3),
                    ai.djl.ndarray.types.DataType.INT64), null, null, 6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockBatch.hidden(text));
            assertTrue(e.getMessage().contains("BlockBatch.of"), e.getMessage());
        }
    }

    @Test
    void gaussianStreamIsAFunctionOfItsPosition() {
        try (NDManager m = NDManager.newBaseManager();
                GaussianBlockBatches s = new GaussianBlockBatches(GaussianInputs.isotropic(4, 0, 1, 5), 2, 5, 2)) {
            s.next(m);
            var p = s.position();
            float[] a = BlockBatch.hidden(s.next(m)).toFloatArray();
            s.seek(p);
            float[] b = BlockBatch.hidden(s.next(m)).toFloatArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 0f);
            GaussianInputs.HiddenBatch direct = GaussianInputs.isotropic(4, 0, 1, 5).batch(2, 5, 2, 1, m);
            org.junit.jupiter.api.Assertions.assertArrayEquals(direct.hidden().toFloatArray(), a, 0f);
            assertEquals(1, p.batchInEpoch());
        }
    }
}
