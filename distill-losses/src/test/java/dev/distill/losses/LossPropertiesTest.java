package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.StepContext;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Properties the losses must have, checked against hand-derived numbers. */
class LossPropertiesTest {

    private static final int B = 2;
    private static final int T = 5;
    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(11);
    }

    @AfterEach
    void close() {
        m.close();
    }

    private NDArray mask() {
        return m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(B, T));
    }

    private NDArray mlmLabels() {
        return m.create(new long[] {3, -100, 0, -100, -100, -100, 2, -100, -100, -100}, new Shape(B, T));
    }

    /** Outputs with L layers of everything, widths H, heads A of size d. */
    private ModelOutputs outputs(NDArray logits, int layers, int h, int a, int d, float scale) {
        List<NDArray> hidden = new ArrayList<>();
        List<NDArray> scores = new ArrayList<>();
        List<NDArray> q = new ArrayList<>();
        List<NDArray> k = new ArrayList<>();
        List<NDArray> v = new ArrayList<>();
        for (int l = 0; l <= layers; l++) {
            hidden.add(m.randomNormal(new Shape(B, T, h)).mul(scale));
        }
        for (int l = 0; l < layers; l++) {
            scores.add(m.randomNormal(new Shape(B, a, T, T)));
            q.add(m.randomNormal(new Shape(B, a, T, d)));
            k.add(m.randomNormal(new Shape(B, a, T, d)));
            v.add(m.randomNormal(new Shape(B, a, T, d)));
        }
        return new ModelOutputs(hidden, scores, List.of(), q, k, v, m.randomNormal(new Shape(B, h)), logits, mask());
    }

    private StepContext ctx(ModelOutputs teacher, ModelOutputs student, NDArray labels) {
        return new StepContext(teacher, student, new TokenBatch(mask().zerosLike(), mask(), null, labels, 8), 0, m);
    }

    private static double value(DistillationLoss loss, StepContext ctx) {
        return loss.compute(ctx).total().toType(DataType.FLOAT64, false).getDouble();
    }

    // ------------------------------------------------------------------ temperature

    @Test
    void temperatureMatchesHandDerivedValues() {
        // softmax([0, ln 4] / T): T = 1 -> (1/5, 4/5); T = 2 -> (1/3, 2/3) since 4^(1/2) = 2
        NDArray z = m.create(new float[] {0f, (float) Math.log(4)});
        assertArrayEquals(new float[] {0.2f, 0.8f}, SoftTargetLoss.softTargets(z, 1).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {1f / 3, 2f / 3}, SoftTargetLoss.softTargets(z, 2).toFloatArray(), 1e-6f);
    }

    @Test
    void higherTemperatureFlattensAndKeepsOrder() {
        float[] logits = {3.1f, -0.4f, 1.7f, 0.2f, 5.0f, -2.2f, 0.9f};
        NDArray z = m.create(logits);
        double previousEntropy = -1;
        double previousMax = 2;
        Integer[] order = order(logits);
        for (double temp : new double[] {0.5, 1, 2, 5, 20}) {
            float[] p = SoftTargetLoss.softTargets(z, temp).toFloatArray();
            double entropy = 0;
            double max = 0;
            for (float x : p) {
                entropy -= x * Math.log(x);
                max = Math.max(max, x);
            }
            assertTrue(entropy > previousEntropy, "entropy grows with T = " + temp);
            assertTrue(max < previousMax, "the top probability shrinks with T = " + temp);
            assertArrayEquals(order, order(p), "order of probabilities at T = " + temp);
            previousEntropy = entropy;
            previousMax = max;
        }
        assertTrue(previousEntropy < Math.log(logits.length) + 1e-9);
    }

    private static Integer[] order(float[] x) {
        return IntStream.range(0, x.length).boxed().sorted((i, j) -> Float.compare(x[j], x[i])).toArray(Integer[]::new);
    }

    // ------------------------------------------------------------------ zero when equal

    @Test
    void everyDistanceIsZeroWhenStudentEqualsTeacher() {
        NDArray tokens = m.randomNormal(new Shape(B, T, 9)).mul(3);
        ModelOutputs teacher = outputs(tokens, 3, 8, 4, 2, 1f);
        StepContext tokensCtx = ctx(teacher, teacher, mlmLabels());
        for (double temp : new double[] {1, 2, 4}) {
            for (Positions pos : Positions.values()) {
                assertEquals(0, value(SoftTargetLoss.builder(LogitsLayout.TOKENS).optTemperature(temp).optPositions(pos)
                        .build(), tokensCtx), 1e-6, "soft tokens T=" + temp + " " + pos);
            }
            ModelOutputs cls = outputs(m.randomNormal(new Shape(B, 4)).mul(3), 1, 8, 4, 2, 1f);
            assertEquals(0, value(SoftTargetLoss.kl(LogitsLayout.CLASSES, temp), ctx(cls, cls, null)), 1e-6);
            ModelOutputs span = outputs(m.randomNormal(new Shape(B, T, 2)).mul(3), 1, 8, 4, 2, 1f);
            assertEquals(0, value(SoftTargetLoss.kl(LogitsLayout.SPAN, temp), ctx(span, span, null)), 1e-6);
            assertEquals(0, value(TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(9)).optTemperature(temp)
                    .build(), tokensCtx), 1e-6, "top-k = V at T = " + temp);
        }
        assertEquals(0, value(TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(4))
                .optTruncatedMass(TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET).build(), tokensCtx), 1e-6);
        for (HiddenStateLoss.Distance d : HiddenStateLoss.Distance.values()) {
            for (HiddenStateLoss.Source s : HiddenStateLoss.Source.values()) {
                HiddenStateLoss loss = HiddenStateLoss.builder().optDistance(d).optSource(s).build();
                assertEquals(0, value(loss, tokensCtx), 1e-6, d + " " + s);
            }
        }
        for (AttentionLoss.Mode mode : AttentionLoss.Mode.values()) {
            assertEquals(0, value(AttentionLoss.builder().optMode(mode).build(), tokensCtx), 1e-6);
        }
        assertEquals(0, value(MiniLmRelationLoss.v1(), tokensCtx), 1e-6);
        assertEquals(0, value(MiniLmRelationLoss.v2(2), tokensCtx), 1e-6);
    }

    // ------------------------------------------------------------------ forms

    @Test
    void crossEntropyExceedsKlByTheTeachersEntropyWithTheSameGradient() {
        float[] tz = new float[B * T * 6];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < tz.length; i++) {
            tz[i] = (float) (2 * rnd.nextGaussian());
        }
        double temp = 2.5;
        // H(p) by hand, mean over the real positions (mask above: 5 + 3)
        double entropy = 0;
        long[] mask = mask().toLongArray();
        int real = 0;
        for (int pos = 0; pos < B * T; pos++) {
            if (mask[pos] == 0) {
                continue;
            }
            real++;
            double sum = 0;
            for (int c = 0; c < 6; c++) {
                sum += Math.exp(tz[pos * 6 + c] / temp);
            }
            for (int c = 0; c < 6; c++) {
                double p = Math.exp(tz[pos * 6 + c] / temp) / sum;
                entropy -= p * Math.log(p);
            }
        }
        entropy /= real;
        NDArray teacherLogits = m.create(tz, new Shape(B, T, 6));
        NDArray student0 = m.randomNormal(new Shape(B, T, 6));
        ModelOutputs t = outputs(teacherLogits, 1, 4, 2, 2, 1f);
        double[] values = new double[2];
        float[][] grads = new float[2][];
        SoftTargetForm[] forms = {SoftTargetForm.KL_DIVERGENCE, SoftTargetForm.CROSS_ENTROPY};
        for (int i = 0; i < 2; i++) {
            NDArray studentLogits = student0.duplicate(); // a fresh leaf: gradients accumulate
            studentLogits.setRequiresGradient(true);
            ModelOutputs s = outputs(studentLogits, 1, 4, 2, 2, 1f);
            DistillationLoss loss = SoftTargetLoss.builder(LogitsLayout.TOKENS).optTemperature(temp).optForm(forms[i]).build();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.compute(ctx(t, s, null)).total();
                values[i] = out.getFloat();
                gc.backward(out);
            }
            grads[i] = studentLogits.getGradient().toFloatArray();
        }
        assertEquals(temp * temp * entropy, values[1] - values[0], 1e-4);
        assertArrayEquals(grads[0], grads[1], 1e-6f);
    }

    @Test
    void topKWithTheWholeVocabularyEqualsTheFullSoftTargetLoss() {
        NDArray tl = m.randomNormal(new Shape(B, T, 7)).mul(2);
        ModelOutputs t = outputs(tl, 1, 4, 2, 2, 1f);
        ModelOutputs s = outputs(m.randomNormal(new Shape(B, T, 7)).mul(2), 1, 4, 2, 2, 1f);
        StepContext c = ctx(t, s, mlmLabels());
        for (double temp : new double[] {1, 3}) {
            double full = value(SoftTargetLoss.builder(LogitsLayout.TOKENS).optTemperature(temp)
                    .optPositions(Positions.LABELLED_TOKENS).build(), c);
            double topk = value(TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(7)).optTemperature(temp)
                    .optPositions(Positions.LABELLED_TOKENS).build(), c);
            assertEquals(full, topk, 1e-5);
        }
        double full = value(SoftTargetLoss.kl(LogitsLayout.TOKENS, 1), c);
        double bucket = value(TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(7))
                .optTruncatedMass(TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET).build(), c);
        assertEquals(full, bucket, 1e-5);
        // Coarsening to k + 1 outcomes can only lose information: KL of the buckets <= full KL.
        double coarse = value(TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(2))
                .optTruncatedMass(TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET).build(), c);
        assertTrue(coarse <= full + 1e-6, coarse + " <= " + full);
    }

    // ------------------------------------------------------------------ projections

    @Test
    void projectionIsCreatedOnlyWhenWidthsDifferAndExposed() {
        ModelDims teacher = new ModelDims(4, 8, 4, 2, 9);
        ModelDims narrow = new ModelDims(2, 6, 2, 3, 9);
        ModelDims same = new ModelDims(2, 8, 4, 2, 9);
        HiddenStateLoss loss = HiddenStateLoss.tinyBertHidden();
        loss.initialize(m, teacher, same);
        assertNull(loss.projection());
        assertTrue(loss.trainableParameters().isEmpty());
        loss.initialize(m, teacher, narrow);
        List<Parameter> params = loss.trainableParameters();
        assertEquals(1, params.size());
        assertEquals("hidden_mse.projection.weight", params.get(0).getName());
        assertEquals(new Shape(8, 6), params.get(0).getArray().getShape());
        assertTrue(params.get(0).requiresGradient());

        WeightedSumLoss sum = WeightedSumLoss.builder()
                .add("emb", 1, HiddenStateLoss.tinyBertEmbedding())
                .add("hid", 1, HiddenStateLoss.tinyBertHidden())
                .build();
        sum.initialize(m, teacher, narrow);
        assertEquals(List.of("embedding_mse.projection.weight", "hidden_mse.projection.weight"),
                sum.trainableParameters().stream().map(Parameter::getName).toList());

        WeightedSumLoss clash = WeightedSumLoss.builder()
                .add("a", 1, HiddenStateLoss.tinyBertHidden())
                .add("b", 1, HiddenStateLoss.tinyBertHidden())
                .build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> clash.initialize(m, teacher, narrow));
        assertTrue(e.getMessage().contains("hidden_mse.projection.weight") && e.getMessage().contains("optName"),
                e.getMessage());
    }

    @Test
    void aProjectionStartsFromAGivenMatrixAndStaysALeafThatLearns() {
        ModelDims teacher = new ModelDims(4, 5, 1, 5, 9);
        ModelDims narrow = new ModelDims(2, 3, 1, 3, 9);
        // channel selection: student channel i is teacher channel c[i] = {0, 2, 3}
        float[] w = new float[5 * 3];
        w[0 * 3 + 0] = 1;
        w[2 * 3 + 1] = 1;
        w[3 * 3 + 2] = 1;
        HiddenStateLoss loss = HiddenStateLoss.builder().optName("sel").optSource(HiddenStateLoss.Source.EMBEDDINGS)
                .optProjectionInitializer(Projection.fromMatrix(5, 3, w)).build();
        loss.initialize(m, teacher, narrow);
        Parameter p = loss.trainableParameters().get(0);
        // W must own its storage: the Java buffer it was made from is collected and its memory
        // reused here; an alias of it would now read the 0x7f7f7f7f written below
        for (int round = 0; round < 5; round++) {
            System.gc();
            List<java.nio.ByteBuffer> reuse = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(w.length * 4);
                while (b.hasRemaining()) {
                    b.put((byte) 0x7f);
                }
                reuse.add(b);
            }
        }
        assertArrayEquals(w, p.getArray().toFloatArray(), 0f);
        assertTrue(p.requiresGradient());
        // x·Wᵀ puts student channel i at teacher channel c[i] and 0 on the dropped channels 1 and 4
        NDArray x = m.create(new float[] {1.5f, -2f, 3f}, new Shape(1, 3));
        assertArrayEquals(new float[] {1.5f, 0f, -2f, 3f, 0f}, loss.projection().apply(x).toFloatArray(), 0f);
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> Projection.fromMatrix(5, 3, new float[7]));
        assertTrue(size.getMessage().contains("15 values") && size.getMessage().contains("got 7"), size.getMessage());
        HiddenStateLoss wrong = HiddenStateLoss.builder().optName("wrong")
                .optProjectionInitializer(Projection.fromMatrix(5, 3, w)).build();
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> wrong.initialize(m, new ModelDims(4, 6, 1, 6, 9), narrow));
        assertTrue(shape.getMessage().contains("(5, 3)") && shape.getMessage().contains("(6, 3)"), shape.getMessage());
    }

    @Test
    void similarityIsInvariantToScaleAndRotationAndNeedsPairs() {
        ModelOutputs teacher = outputs(null, 1, 8, 2, 4, 1f);
        // a student whose pooled embeddings are the teacher's, rotated (permuted + sign-flipped) and
        // rescaled per sentence, has exactly the teacher's cosine similarities: loss 0
        NDArray pt = teacher.pooled();
        NDArray rotated = pt.get(":, {}", m.create(new long[] {3, 0, 7, 1, 5, 2, 6, 4})).neg()
                .mul(m.create(new float[] {2f, 0.5f}).reshape(B, 1));
        ModelOutputs same = new ModelOutputs(teacher.hiddenStates(), teacher.attentionScores(), List.of(),
                teacher.queries(), teacher.keys(), teacher.values(), rotated, null, mask());
        assertEquals(0.0, value(new SimilarityMatrixLoss(), ctx(teacher, same, null)), 1e-6);
        // hand-derived: teacher pair at 90 degrees (cos 0), student pair at 60 degrees (cos 1/2):
        // two off-diagonal entries of (1/2 - 0)^2, mean 1/4
        ModelOutputs t2 = pooledOnly(new float[] {1, 0, 0, 1}, 2);
        ModelOutputs s2 = pooledOnly(new float[] {1, 0, 0.5f, (float) Math.sqrt(0.75)}, 2);
        assertEquals(0.25, value(new SimilarityMatrixLoss(), ctx(t2, s2, null)), 1e-6);
        ModelOutputs one = pooledOnly(new float[] {1, 2}, 1);
        assertEquals(0.0, value(new SimilarityMatrixLoss(), ctx(one, one, null)), 0.0);
        ModelOutputs three = pooledOnly(new float[] {1, 2, 3, 4, 5, 6}, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SimilarityMatrixLoss().compute(ctx(three, t2, null)));
        assertTrue(e.getMessage().contains("pooled 2 sentences but the teacher 3"), e.getMessage());
    }

    private ModelOutputs pooledOnly(float[] values, int rows) {
        NDArray p = m.create(values, new Shape(rows, values.length / rows));
        return new ModelOutputs(List.of(m.zeros(new Shape(rows, 1, 1))), List.of(), List.of(), List.of(), List.of(),
                List.of(), p, null, m.ones(new Shape(rows, 1), DataType.INT64));
    }

    @Test
    void unequalWidthsWithoutInitializeSayWhatToDo() {
        ModelOutputs t = outputs(null, 2, 8, 2, 4, 1f);
        ModelOutputs s = outputs(null, 2, 6, 2, 3, 1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HiddenStateLoss.tinyBertHidden().compute(ctx(t, s, null)));
        assertTrue(e.getMessage().contains("initialize"), e.getMessage());
        IllegalArgumentException never = assertThrows(IllegalArgumentException.class,
                () -> HiddenStateLoss.builder().optProjection(ProjectionMode.NEVER).build()
                        .initialize(m, new ModelDims(2, 8, 2, 4, 9), new ModelDims(2, 6, 2, 3, 9)));
        assertTrue(never.getMessage().contains("6") && never.getMessage().contains("8"), never.getMessage());
    }

    // ------------------------------------------------------------------ errors

    @Test
    void differentHeadCountsPointToTheRelationLosses() {
        ModelOutputs t = outputs(null, 2, 8, 4, 2, 1f);
        ModelOutputs s = outputs(null, 2, 8, 2, 4, 1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionLoss.tinyBert().compute(ctx(t, s, null)));
        assertTrue(e.getMessage().contains("MiniLmRelationLoss") && e.getMessage().contains("2 heads"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> AttentionLoss.tinyBert().initialize(m, new ModelDims(2, 8, 4, 2, 9), new ModelDims(2, 8, 2, 4, 9)));
        IllegalArgumentException v1 = assertThrows(IllegalArgumentException.class,
                () -> MiniLmRelationLoss.v1().compute(ctx(t, s, null)));
        assertTrue(v1.getMessage().contains("relation heads"), v1.getMessage());
        // v2 works across head counts (4×2 vs 2×4, R = 2)
        assertTrue(value(MiniLmRelationLoss.v2(2), ctx(t, s, null)) > 0);
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                () -> MiniLmRelationLoss.v2(3).compute(ctx(t, s, null)));
        assertTrue(r.getMessage().contains("(3)") && r.getMessage().contains("8"), r.getMessage());
    }

    @Test
    void badConfigurationAndDataAreRejectedWithTheValue() {
        IllegalArgumentException temp = assertThrows(IllegalArgumentException.class,
                () -> SoftTargetLoss.kl(LogitsLayout.TOKENS, 0));
        assertTrue(temp.getMessage().contains("temperature (0.0)"), temp.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SoftTargetLoss.builder(LogitsLayout.CLASSES)
                .optPositions(Positions.REAL_TOKENS).build());
        IllegalArgumentException bucket = assertThrows(IllegalArgumentException.class,
                () -> TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(2)).optTemperature(2)
                        .optTruncatedMass(TopKSoftTargetLoss.TruncatedMass.OTHER_BUCKET).build());
        assertTrue(bucket.getMessage().contains("RENORMALIZE"), bucket.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightedSumLoss.builder().add("x", -1, SoftTargetLoss.kl(
                LogitsLayout.CLASSES, 1)));

        ModelOutputs cls = outputs(m.randomNormal(new Shape(B, 4)), 1, 4, 2, 2, 1f);
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> new HardLabelLoss(HardLabelLoss.Task.CLASSIFICATION).compute(ctx(cls, cls, m.create(new long[] {1, 7}))));
        assertTrue(label.getMessage().contains("[0, 4)") && label.getMessage().contains("7"), label.getMessage());
        // all labels ignored: 0, not NaN
        assertEquals(0, value(new HardLabelLoss(HardLabelLoss.Task.CLASSIFICATION),
                ctx(cls, cls, m.create(new long[] {-100, -100}))), 0);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> SoftTargetLoss.builder(LogitsLayout.TOKENS).optPositions(Positions.LABELLED_TOKENS).build()
                        .compute(ctx(outputs(m.zeros(new Shape(B, T, 3)), 1, 4, 2, 2, 1f),
                                outputs(m.zeros(new Shape(B, T, 3)), 1, 4, 2, 2, 1f), null)));
        assertTrue(missing.getMessage().contains("no labels"), missing.getMessage());
    }

    @Test
    void anEmptySelectionGivesZeroAndNoNaNGradient() {
        NDArray noLabels = m.full(new Shape(B, T), -100, DataType.INT64);
        NDArray studentLogits = m.randomNormal(new Shape(B, T, 6));
        studentLogits.setRequiresGradient(true);
        ModelOutputs t = outputs(m.randomNormal(new Shape(B, T, 6)), 1, 4, 2, 2, 1f);
        ModelOutputs s = outputs(studentLogits, 1, 4, 2, 2, 1f);
        StepContext c = ctx(t, s, noLabels);
        List<DistillationLoss> losses = List.of(
                SoftTargetLoss.builder(LogitsLayout.TOKENS).optPositions(Positions.LABELLED_TOKENS).optTemperature(2).build(),
                TopKSoftTargetLoss.builder(TopKSource.fromTeacherLogits(3)).optPositions(Positions.LABELLED_TOKENS).build(),
                new HardLabelLoss(HardLabelLoss.Task.MASKED_LM));
        for (DistillationLoss loss : losses) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = loss.compute(c).total();
                assertEquals(0f, out.getFloat(), 0f, loss.getClass().getSimpleName());
                gc.backward(out);
            }
            for (float g : studentLogits.getGradient().toFloatArray()) {
                assertEquals(0f, g, 0f, loss.getClass().getSimpleName() + " gradient");
            }
        }
    }
}
