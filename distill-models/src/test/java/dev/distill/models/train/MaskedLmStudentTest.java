package dev.distill.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.heads.MaskedLmHead;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link MaskedLmStudent} against the dense reference: the same weights in one {@link Encoder}
 * with its {@link MaskedLmHead} inside, which computes logits at every position. Values at the
 * labelled positions, and the gradients of a cross-entropy over them, must agree.
 */
class MaskedLmStudentTest {

    private static final EncoderConfig C = EncoderConfig.builder().setVocabSize(37).setHiddenSize(12).setNumLayers(2)
            .setNumHeads(3).setIntermediateSize(20).optMaxPositions(16).optDropout(0f).build();
    private static final long I = TokenBatch.IGNORE_INDEX;

    private static TokenBatch batch(NDManager m) {
        long[] ids = {2, 7, 9, 4, 3, 11, 2, 5, 8, 3, 0, 0};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        long[] labels = {I, 13, I, I, 21, I, I, I, 30, I, I, I};
        Shape s = new Shape(2, 6);
        return new TokenBatch(m.create(ids, s), m.create(mask, s), null, m.create(labels, s), 10);
    }

    private static MaskedLmStudent student(NDManager m) {
        Encoder enc = new Encoder(C, Pooling.CLS, null);
        enc.initializeWeights(m, 3);
        MaskedLmHead head = new MaskedLmHead(C);
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (Parameter p : head.parameters()) {
            float[] v = new float[(int) p.getShape().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextDouble() - 0.5) * 0.4f + (p.getName().contains("LayerNorm.weight") ? 1 : 0);
            }
            p.setInitializer((mm, sh, dt) -> mm.create(v, sh));
            p.initialize(m, DataType.FLOAT32);
        }
        return new MaskedLmStudent(enc, head);
    }

    /** Mean −log softmax(z)[label] over labelled positions, from (B, T, V) logits. */
    private static NDArray ce(NDArray logits, NDArray labels) {
        NDArray lab = labels.neq(I);
        NDArray safe = labels.mul(lab.toType(DataType.INT64, false));
        NDArray nll = logits.logSoftmax(-1).gather(safe.expandDims(-1), -1).squeeze(-1).neg();
        return nll.mul(lab.toType(DataType.FLOAT32, false)).sum().div(lab.sum().toType(DataType.FLOAT32, false));
    }

    @Test
    void logitsAtLabelledPositionsEqualDenseHeadAndZeroElsewhere() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaskedLmStudent s = student(m);
            Encoder dense = s.toEncoderWithHead(m);
            TokenBatch b = batch(m);
            float[] sparse = s.forward(b, false).logits().toFloatArray();
            float[] full = dense.forward(b, false).logits().toFloatArray();
            long[] labels = b.labels().toLongArray();
            int v = C.vocabSize();
            assertEquals(full.length, sparse.length);
            for (int pos = 0; pos < labels.length; pos++) {
                for (int j = 0; j < v; j++) {
                    float want = labels[pos] == I ? 0f : full[pos * v + j];
                    assertEquals(want, sparse[pos * v + j], 1e-5, "position " + pos + " token " + j);
                }
            }
            float[] unlabelled = s.forward(b.withoutLabels(), false).logits().toFloatArray();
            assertArrayEquals(full, unlabelled, 1e-5f);
        }
    }

    @Test
    void gradientsEqualThoseOfTheDenseModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaskedLmStudent s = student(m);
            Encoder dense = s.toEncoderWithHead(m);
            dense.setTrainable(true);
            TokenBatch b = batch(m);
            Map<String, float[]> sparseGrads = new HashMap<>();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(ce(s.forward(b, true).logits(), b.labels()));
            }
            s.namedParameters().forEach((k, p) -> sparseGrads.put(k, p.getArray().getGradient().toFloatArray()));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(ce(dense.forward(b, true).logits(), b.labels()));
            }
            assertEquals(dense.namedParameters().keySet(), s.namedParameters().keySet());
            dense.namedParameters().forEach((k, p) -> assertArrayEquals(p.getArray().getGradient().toFloatArray(),
                    sparseGrads.get(k), 1e-5f, k));
            assertTrue(sparseGrads.get("cls.predictions.bias").length == C.vocabSize());
        }
    }

    @Test
    void stateRoundTripsAndErrorsNameTheProblem() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaskedLmStudent a = student(m);
            Map<String, TensorData> state = a.stateDict();
            assertTrue(state.containsKey("cls.predictions.transform.dense.weight"));
            MaskedLmStudent b = student(m);
            b.loadState(state);
            TokenBatch batch = batch(m);
            assertArrayEquals(a.forward(batch, false).logits().toFloatArray(),
                    b.forward(batch, false).logits().toFloatArray(), 0f);
            state.remove("cls.predictions.bias");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadState(state));
            assertTrue(e.getMessage().contains("missing cls.predictions.bias"), e.getMessage());
            Encoder withHead = new Encoder(C, Pooling.CLS, new MaskedLmHead(C));
            withHead.initializeWeights(m, 1);
            e = assertThrows(IllegalArgumentException.class, () -> new MaskedLmStudent(withHead, new MaskedLmHead(C)));
            assertTrue(e.getMessage().contains("without a head"), e.getMessage());
        }
    }
}
