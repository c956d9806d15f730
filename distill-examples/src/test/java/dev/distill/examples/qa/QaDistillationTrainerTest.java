package dev.distill.examples.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.core.train.TrainerConfig;
import dev.distill.examples.common.NoTeacher;
import dev.distill.losses.HardLabelLoss;
import dev.distill.losses.LogitsLayout;
import dev.distill.losses.SoftTargetLoss;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.EncoderStudent;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed-003 loss written in {@link QaDistillationTrainer#computeLoss} against two independent
 * references: the same formula evaluated in double precision with plain loops here, and the
 * library's {@link SoftTargetLoss} / {@link HardLabelLoss} (themselves checked against PyTorch).
 */
class QaDistillationTrainerTest {

    private static final int B = 3;
    private static final int T = 5;
    private static final long[][] MASK = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {1, 1, 1, 1, 0}};
    private static final long[][] LABELS = {{2, 4}, {1, 2}, {0, 0}};

    private NDManager manager;
    private QaDistillationTrainer trainer;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager(Device.cpu());
        EncoderConfig c = EncoderConfig.builder().setVocabSize(10).setHiddenSize(8).setNumLayers(1).setNumHeads(2)
                .setIntermediateSize(16).build();
        EncoderStudent student = new EncoderStudent(Students.fromConfig(c, Pooling.CLS, null, manager, 1));
        trainer = new QaDistillationTrainer(new NoTeacher(student.dims(), Device.cpu()), student,
                TrainerConfig.builder().setSteps(1).build(), 0.7, 0.4, 2.5);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static float[] random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[B * T * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 6 - 3);
        }
        return v;
    }

    private StepContext context(float[] teacher, float[] student, long[][] mask) {
        NDArray m = manager.create(mask);
        TokenBatch batch = new TokenBatch(m.zerosLike(), m, null, manager.create(LABELS), 0);
        return new StepContext(outputs(teacher, m), outputs(student, m), batch, 0, manager);
    }

    private ModelOutputs outputs(float[] logits, NDArray mask) {
        NDArray z = manager.create(logits, new Shape(B, T, 2));
        return new ModelOutputs(List.of(manager.zeros(new Shape(B, T, 1))), List.of(), null, null, null, null, null, z,
                mask);
    }

    /** log softmax over the real positions of example b, column k, of z / temperature. */
    private static double[] logSoftmax(float[] z, int b, int k, long[][] mask, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < T; i++) {
            if (mask[b][i] == 1) {
                max = Math.max(max, z[(b * T + i) * 2 + k] / temperature);
            }
        }
        double sum = 0;
        for (int i = 0; i < T; i++) {
            if (mask[b][i] == 1) {
                sum += Math.exp(z[(b * T + i) * 2 + k] / temperature - max);
            }
        }
        double[] out = new double[T];
        for (int i = 0; i < T; i++) {
            out[i] = mask[b][i] == 1 ? z[(b * T + i) * 2 + k] / temperature - max - Math.log(sum)
                    : Double.NEGATIVE_INFINITY;
        }
        return out;
    }

    @Test
    void matchesTheFormulaComputedInDoublePrecision() {
        float[] zt = random(1);
        float[] zs = random(2);
        double temp = 2.5;
        double kl = 0;
        double ce = 0;
        for (int b = 0; b < B; b++) {
            for (int k = 0; k < 2; k++) {
                double[] logP = logSoftmax(zt, b, k, MASK, temp);
                double[] logQ = logSoftmax(zs, b, k, MASK, temp);
                for (int i = 0; i < T; i++) {
                    if (MASK[b][i] == 1) {
                        kl += Math.exp(logP[i]) * (logP[i] - logQ[i]);
                    }
                }
                ce -= logSoftmax(zs, b, k, MASK, 1)[(int) LABELS[b][k]];
            }
        }
        double lossCe = temp * temp * kl / (2 * B);
        double lossTask = ce / (2 * B);
        LossOutput out = trainer.computeLoss(context(zt, zs, MASK));
        assertEquals(lossCe, out.terms().get("kl_span").getFloat(), 1e-5);
        assertEquals(lossTask, out.terms().get("hard_span").getFloat(), 1e-5);
        assertEquals(0.7 * lossCe + 0.4 * lossTask, out.total().getFloat(), 1e-5);
    }

    @Test
    void agreesWithTheLibraryLosses() {
        float[] zt = random(3);
        float[] zs = random(4);
        StepContext padded = context(zt, zs, MASK);
        LossOutput out = trainer.computeLoss(padded);
        float library = SoftTargetLoss.kl(LogitsLayout.SPAN, 2.5).compute(padded).total().getFloat();
        assertEquals(library, out.terms().get("kl_span").getFloat(), 1e-5);
        // HardLabelLoss takes the softmax over all T positions, as BERT does; with no padding the two agree.
        long[][] full = new long[B][T];
        for (long[] row : full) {
            java.util.Arrays.fill(row, 1);
        }
        StepContext unpadded = context(zt, zs, full);
        float hard = new HardLabelLoss(HardLabelLoss.Task.SPAN).compute(unpadded).total().getFloat();
        assertEquals(hard, trainer.computeLoss(unpadded).terms().get("hard_span").getFloat(), 1e-5);
    }

    @Test
    void paddedLogitsChangeNothing() {
        float[] zt = random(5);
        float[] zs = random(6);
        float[] zs2 = zs.clone();
        zs2[(1 * T + 4) * 2] = 50f; // example 1, position 4 (padding), start logit
        zs2[(2 * T + 4) * 2 + 1] = -50f; // example 2, position 4 (padding), end logit
        float a = trainer.computeLoss(context(zt, zs, MASK)).total().getFloat();
        float b = trainer.computeLoss(context(zt, zs2, MASK)).total().getFloat();
        assertEquals(a, b, 1e-6);
    }

    @Test
    void refusesBadSettingsAndMissingHeads() {
        EncoderStudent s = (EncoderStudent) trainer.student();
        NoTeacher t = new NoTeacher(s.dims(), Device.cpu());
        TrainerConfig c = TrainerConfig.builder().setSteps(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QaDistillationTrainer(t, s, c, 0, 0, 2));
        assertTrue(e.getMessage().contains("not both 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new QaDistillationTrainer(t, s, c, 1, 1, 0));
        assertTrue(e.getMessage().contains("temperature (0.0)"), e.getMessage());
        NDArray m = manager.create(MASK);
        ModelOutputs headless = new ModelOutputs(List.of(manager.zeros(new Shape(B, T, 1))), List.of(), null, null,
                null, null, null, null, m);
        StepContext ctx = new StepContext(headless, headless, new TokenBatch(m, m, null, null, 0), 0, manager);
        e = assertThrows(IllegalArgumentException.class, () -> trainer.computeLoss(ctx));
        assertTrue(e.getMessage().contains("SpanQaHead"), e.getMessage());
    }
}
