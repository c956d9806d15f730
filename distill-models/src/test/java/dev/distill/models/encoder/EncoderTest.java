package dev.distill.models.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.SpanQaHead;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EncoderTest {

    private static final EncoderConfig SMALL = EncoderConfig.builder().setVocabSize(50).setHiddenSize(16)
            .setNumLayers(2).setNumHeads(4).setIntermediateSize(24).optMaxPositions(20).optDropout(0.1f).build();

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private TokenBatch batch(long[][] ids, long[][] mask) {
        int b = ids.length;
        int t = ids[0].length;
        long[] flatIds = new long[b * t];
        long[] flatMask = new long[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids[i], 0, flatIds, i * t, t);
            System.arraycopy(mask[i], 0, flatMask, i * t, t);
        }
        return new TokenBatch(manager.create(flatIds, new Shape(b, t)), manager.create(flatMask, new Shape(b, t)),
                null, null, 0);
    }

    @Test
    void outputsHaveDocumentedShapes() {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 1);
        ModelOutputs o = e.forward(batch(new long[][] {{1, 5, 7, 2, 0}, {1, 9, 2, 0, 0}},
                new long[][] {{1, 1, 1, 1, 0}, {1, 1, 1, 0, 0}}), false);
        assertEquals(3, o.hiddenStates().size());
        assertEquals(2, o.numLayers());
        assertEquals(new Shape(2, 5, 16), o.lastHiddenState().getShape());
        assertEquals(new Shape(2, 4, 5, 5), o.attentionScores().get(1).getShape());
        assertEquals(new Shape(2, 4, 5, 4), o.values().get(0).getShape());
        assertEquals(new Shape(2, 16), o.pooled().getShape());
    }

    @Test
    void paddingDoesNotChangeRealTokens() {
        Encoder e = Students.fromConfig(SMALL, Pooling.MEAN, null, manager, 2);
        ModelOutputs padded = e.forward(batch(new long[][] {{1, 5, 7, 2, 0, 0}}, new long[][] {{1, 1, 1, 1, 0, 0}}), false);
        ModelOutputs plain = e.forward(batch(new long[][] {{1, 5, 7, 2}}, new long[][] {{1, 1, 1, 1}}), false);
        float[] a = padded.lastHiddenState().get(new NDIndex(":, 0:4, :")).toFloatArray();
        float[] b = plain.lastHiddenState().toFloatArray();
        assertArrayEquals(b, a, 1e-5f);
        assertArrayEquals(plain.pooled().toFloatArray(), padded.pooled().toFloatArray(), 1e-5f);
        // padded keys carry the additive mask, so their probability is zero
        float[] p = padded.attentionProbs().get(0).get(new NDIndex(":, :, :, 4:")).toFloatArray();
        for (float v : p) {
            assertEquals(0f, v, 1e-6f);
        }
        float[] s = padded.attentionScores().get(0).get(new NDIndex(":, :, :, 4:")).toFloatArray();
        for (float v : s) {
            assertTrue(v < -9000, "padded score " + v + " must carry the -10000 mask");
        }
    }

    @Test
    void dropoutOnlyInTraining() {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 3);
        TokenBatch b = batch(new long[][] {{1, 5, 7, 2}}, new long[][] {{1, 1, 1, 1}});
        float[] eval1 = e.forward(b, false).lastHiddenState().toFloatArray();
        float[] eval2 = e.forward(b, false).lastHiddenState().toFloatArray();
        float[] train = e.forward(b, true).lastHiddenState().toFloatArray();
        assertArrayEquals(eval1, eval2);
        float diff = 0;
        for (int i = 0; i < eval1.length; i++) {
            diff = Math.max(diff, Math.abs(eval1[i] - train[i]));
        }
        assertTrue(diff > 1e-3, "training forward must apply dropout");
    }

    @Test
    void parameterCountMatchesHandDerivedTinyBert4() {
        // embeddings (30522 + 512 + 2)·312 + 2·312 = 9,683,856
        // per layer: attention 4·(312·312 + 312) + 2·312 = 391,248; FFN 2·312·1200 + 1200 + 312 + 2·312 = 750,936
        // total 9,683,856 + 4 · 1,142,184 = 14,252,592
        Encoder e = new Encoder(EncoderConfig.tinyBert4(), Pooling.CLS, null);
        assertEquals(14_252_592L, e.parameterCount());
        assertEquals(14_252_592L, EncoderConfig.tinyBert4().parameterCount());
        assertEquals(14_252_592L * 4, e.sizeInBytes());
    }

    @Test
    void headsProduceDocumentedShapes() {
        TokenBatch b = batch(new long[][] {{1, 5, 7, 2}, {1, 3, 2, 0}}, new long[][] {{1, 1, 1, 1}, {1, 1, 1, 0}});
        Encoder mlm = Students.fromConfig(SMALL, Pooling.CLS, new MaskedLmHead(SMALL), manager, 4);
        assertEquals(new Shape(2, 4, 50), mlm.forward(b, false).logits().getShape());
        Encoder cls = Students.fromConfig(SMALL, Pooling.CLS,
                new ClassificationHead(SMALL, List.of("a", "b", "c"), false), manager, 4);
        assertEquals(new Shape(2, 3), cls.forward(b, false).logits().getShape());
        Encoder reg = Students.fromConfig(SMALL, Pooling.CLS, ClassificationHead.regression(SMALL), manager, 4);
        assertEquals(new Shape(2, 1), reg.forward(b, false).logits().getShape());
        Encoder qa = Students.fromConfig(SMALL, Pooling.CLS, new SpanQaHead(SMALL), manager, 4);
        assertEquals(new Shape(2, 4, 2), qa.forward(b, false).logits().getShape());
    }

    @Test
    void maskedLmDecoderIsTiedToWordEmbeddings() {
        Encoder mlm = Students.fromConfig(SMALL, Pooling.CLS, new MaskedLmHead(SMALL), manager, 5);
        TokenBatch b = batch(new long[][] {{1, 5, 7, 2}}, new long[][] {{1, 1, 1, 1}});
        float before = mlm.forward(b, false).logits().get(new NDIndex("0, 1, 33")).getFloat();
        // row 33 is used only by the decoder (token 33 is not in the input)
        NDArray w = mlm.wordEmbeddings().getArray();
        // a non-constant change: LayerNorm output has zero mean, so adding a constant would cancel
        w.set(new NDIndex("33"), w.get(new NDIndex("33")).add(manager.arange(16f)));
        float after = mlm.forward(b, false).logits().get(new NDIndex("0, 1, 33")).getFloat();
        assertTrue(Math.abs(after - before) > 1e-3, "changing embedding row 33 must change logit 33");
    }

    @Test
    void everyParameterGetsAGradient() {
        Encoder e = Students.fromConfig(SMALL, Pooling.MEAN, new SpanQaHead(SMALL), manager, 6);
        e.setTrainable(true);
        TokenBatch b = batch(new long[][] {{1, 5, 7, 2}}, new long[][] {{1, 1, 1, 1}});
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            ModelOutputs o = e.forward(b, true);
            gc.backward(o.logits().sum().add(o.pooled().sum()));
        }
        for (Map.Entry<String, Parameter> p : e.namedParameters().entrySet()) {
            float g = p.getValue().getArray().getGradient().abs().sum().getFloat();
            assertTrue(g > 0, "no gradient reached " + p.getKey());
        }
    }

    @Test
    void studentCopiesChosenTeacherLayers() {
        Encoder teacher = Students.fromConfig(SMALL.toBuilder().setNumLayers(4).build(), Pooling.CLS, null, manager, 7);
        Encoder student = Students.fromTeacherLayers(teacher, new int[] {1, 3}, null, manager, 8);
        assertEquals(2, student.config().numLayers());
        Map<String, Parameter> t = teacher.namedParameters();
        Map<String, Parameter> s = student.namedParameters();
        assertArrayEquals(t.get("encoder.layer.3.output.dense.weight").getArray().toFloatArray(),
                s.get("encoder.layer.1.output.dense.weight").getArray().toFloatArray());
        assertArrayEquals(t.get("encoder.layer.1.attention.self.query.bias").getArray().toFloatArray(),
                s.get("encoder.layer.0.attention.self.query.bias").getArray().toFloatArray());
        assertArrayEquals(t.get("embeddings.word_embeddings.weight").getArray().toFloatArray(),
                s.get("embeddings.word_embeddings.weight").getArray().toFloatArray());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Students.fromTeacherLayers(teacher, new int[] {0, 4}, null, manager, 1));
        assertTrue(ex.getMessage().contains("teacher layer 4") && ex.getMessage().contains("0..3"), ex.getMessage());
    }

    @Test
    void halfDepthPresetHalvesLayers() {
        assertEquals(6, EncoderConfig.halfDepthOf(EncoderConfig.bertBase()).numLayers());
        assertEquals(2, EncoderConfig.halfDepthOf(SMALL.toBuilder().setNumLayers(3).build()).numLayers());
    }

    @Test
    void strictLoadListsEveryProblemAtOnce() {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 9);
        Map<String, TensorData> state = new LinkedHashMap<>(e.stateDict());
        state.remove("encoder.layer.1.output.dense.bias");
        state.remove("embeddings.LayerNorm.weight");
        state.put("encoder.layer.7.output.dense.bias", TensorData.ofFloats(new long[] {16}, new float[16]));
        state.put("encoder.layer.0.attention.self.key.weight", TensorData.ofFloats(new long[] {3, 16}, new float[48]));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> e.loadState(manager, state, true));
        String m = ex.getMessage();
        assertTrue(m.contains("encoder.layer.1.output.dense.bias") && m.contains("embeddings.LayerNorm.weight"), m);
        assertTrue(m.contains("unexpected (1): [encoder.layer.7.output.dense.bias]"), m);
        assertTrue(m.contains("encoder.layer.0.attention.self.key.weight (file (3, 16), model (16, 16))"), m);
    }

    @Test
    void stateRoundTripReproducesOutputs() {
        Encoder a = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 10);
        Encoder b = new Encoder(SMALL, Pooling.CLS, null);
        b.loadState(manager, a.stateDict(), true);
        TokenBatch batch = batch(new long[][] {{1, 5, 7, 2}}, new long[][] {{1, 1, 1, 1}});
        assertArrayEquals(a.forward(batch, false).lastHiddenState().toFloatArray(),
                b.forward(batch, false).lastHiddenState().toFloatArray());
    }

    @Test
    void configErrorsNameValueRuleAndFix() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> EncoderConfig.builder().setHiddenSize(300).setNumHeads(7).build());
        assertTrue(ex.getMessage().contains("hiddenSize (300) must be divisible by numHeads (7)"), ex.getMessage());
        // an explicit head size allows fewer or smaller heads
        EncoderConfig narrowHeads = EncoderConfig.builder().setHiddenSize(300).setNumHeads(7).optHeadSize(16).build();
        assertEquals(112, narrowHeads.allHeadSize());
        Encoder e = Students.fromConfig(narrowHeads.toBuilder().setVocabSize(50).setNumLayers(1).build(),
                Pooling.CLS, null, manager, 11);
        assertEquals(new Shape(1, 7, 3, 16), e.forward(batch(new long[][] {{1, 2, 3}}, new long[][] {{1, 1, 1}}), false)
                .queries().get(0).getShape());
    }
}
