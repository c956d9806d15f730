package dev.distill.models.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.WordNetText;
import dev.distill.core.io.TensorData;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.train.EncoderTeacher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A float16 copy of the real bge-small-en-v1.5 (12 layers, 12 heads of d = 32) against the float32
 * original on 16 WordNet glosses (padded batch), on CPU, with error bounds derived from float16's
 * unit roundoff u = 2⁻¹¹ (11 significant bits):
 *
 * <ul>
 *   <li>Hidden state l (l = 0 is the embedding output), per real token: ‖h¹⁶ − h³²‖ / ‖h³²‖ ≤
 *       2(l + 1)·u. The embedding sum and its LayerNorm round each value a few times (≤ 2u for
 *       the vector); each post-LN layer adds at most 2u of fresh relative error, since its
 *       LayerNorms rescale the residual stream and keep errors from compounding multiplicatively.
 *       Layer 12: 26u = 1.3e-2. Measured maximum 2.1e-3 (layer 10), at most 0.56 of the bound.
 *   <li>Pooled ([CLS] of the last layer): the last layer's bound.
 *   <li>Queries, keys, values per head, from the input hidden state's measured error ε_h:
 *       q¹⁶ − q³² = W·δh + δW·h + δb + rounding, so ‖δq‖ ≤ ‖W‖_F‖h‖(ε_h + u) + u‖b‖ + u‖q‖ with
 *       ‖δW‖_F ≤ u/2·‖W‖_F (weights rounded to float16) and u in place of u/2 covering the second
 *       order. Per-head vectors can be much shorter than ‖W‖‖h‖, hence W and b in the bound.
 *   <li>Attention scores at real keys, from the measured errors of q and k (Cauchy–Schwarz on the
 *       dot product): |δs_ij| ≤ (ε_qi + ε_kj + ε_qi·ε_kj + 2u)·‖q_i‖‖k_j‖/√d, 2u for rounding the
 *       product and the 1/√d scaling. Measured at most 0.76 of it.
 *   <li>Probabilities: p¹⁶_j / p³²_j = e^{δs_j} / Σ_i p_i e^{δs_i} lies in [e^{−2M}, e^{2M}] with M
 *       the row's largest |δs|, so |δp_j| ≤ p_j(e^{2M} − 1) + u (u for rounding p ≤ 1).
 * </ul>
 *
 * bfloat16 cannot be tested: DJL 0.35.1's JNI has no bfloat16 type; it is refused with the reason.
 */
class HalfPrecisionEncoderTest {

    private static final float U = (float) Math.pow(2, -11);

    private static List<String> glosses(int n) {
        List<String> out = new ArrayList<>();
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
            for (int i = 0; out.size() < n && s.hasNext(); i++) {
                TextExample e = s.next();
                if (i % 300 == 0) { // spread over the file: nouns, verbs, adjectives
                    out.add(e.text());
                }
            }
        }
        return out;
    }

    private static float max(NDArray a) {
        return a.max().toType(DataType.FLOAT32, false).getFloat();
    }

    @Test
    void bgeInFloat16StaysWithinDerivedBoundsOfFloat32() {
        List<String> texts = glosses(16);
        assertEquals(16, texts.size());
        try (LoadedModel bge = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 64);
                NDManager halfManager = NDManager.newBaseManager(Device.cpu())) {
            Encoder e32 = bge.encoder();
            EncoderTeacher t32 = new EncoderTeacher(e32);
            Encoder e16 = e32.toType(DataType.FLOAT16, halfManager);
            EncoderTeacher t16 = new EncoderTeacher(e16);
            assertEquals(DataType.FLOAT32, e32.dataType(), "the original is untouched");
            assertEquals(DataType.FLOAT16, t16.dataType());
            assertEquals(e32.sizeInBytes() / 2, e16.sizeInBytes());
            assertNotEquals(t32.fingerprint(), t16.fingerprint(), "a checkpoint tells the precisions apart");
            assertEquals(t32.fingerprint(), new EncoderTeacher(e32).fingerprint());
            NDArray w32 = e32.wordEmbeddings().getArray();
            NDArray w16 = e16.wordEmbeddings().getArray();
            assertEquals(halfManager, w16.getManager());
            assertArrayEquals(w32.toType(DataType.FLOAT16, false).toByteArray(), w16.toByteArray(),
                    "weights are float16-rounded copies");

            try (NDManager m = bge.manager().newSubManager()) {
                TokenBatch b = bge.tokenizer().batch(texts, m);
                assertTrue(b.realTokens() < b.inputIds().getShape().size(), "the batch has padding");
                ModelOutputs o32 = t32.forward(b);
                ModelOutputs o16 = t16.forward(b);
                int layers = e32.config().numLayers();
                NDArray realTok = b.attentionMask().toType(DataType.FLOAT32, false); // (B, T)

                float[] hiddenError = new float[layers + 1];
                List<NDArray> tokenError = new ArrayList<>();
                for (int l = 0; l <= layers; l++) {
                    NDArray h16 = o16.hiddenStates().get(l);
                    assertEquals(DataType.FLOAT16, h16.getDataType(), "hidden state " + l);
                    NDArray h = o32.hiddenStates().get(l);
                    NDArray rel = h16.toType(DataType.FLOAT32, false).sub(h).norm(new int[] {2})
                            .div(h.norm(new int[] {2})); // (B, T)
                    tokenError.add(rel);
                    hiddenError[l] = max(rel.mul(realTok));
                    assertTrue(hiddenError[l] <= 2 * (l + 1) * U, "hidden state " + l + ": relative error "
                            + hiddenError[l] + " > bound " + 2 * (l + 1) * U);
                }
                NDArray p32 = o32.pooled();
                NDArray p16 = o16.pooled().toType(DataType.FLOAT32, false);
                assertEquals(DataType.FLOAT16, o16.pooled().getDataType());
                float pooledError = max(p16.sub(p32).norm(new int[] {1}).div(p32.norm(new int[] {1})));
                assertTrue(pooledError <= 2 * (layers + 1) * U, "pooled: " + pooledError);

                NDArray realKey = realTok.reshape(b.inputIds().getShape().get(0), 1, 1, -1); // (B, 1, 1, T)
                NDArray realQuery = realKey.transpose(0, 1, 3, 2); // (B, 1, T, 1)
                float worstProjection = 0;
                float worstScore = 0;
                float worstProb = 0;
                for (int l = 0; l < layers; l++) {
                    NDArray inputError = tokenError.get(l).expandDims(1).expandDims(-1); // (B, 1, T, 1)
                    NDArray inputNorm = o32.hiddenStates().get(l).norm(new int[] {2}).expandDims(1).expandDims(-1);
                    NDArray[] eps = new NDArray[3];
                    String[] which = {"query", "key", "value"};
                    List<List<NDArray>> outs = List.of(o32.queries(), o32.keys(), o32.values());
                    List<List<NDArray>> halves = List.of(o16.queries(), o16.keys(), o16.values());
                    for (int w = 0; w < 3; w++) {
                        NDArray x32 = outs.get(w).get(l); // (B, A, T, d)
                        NDArray x16 = halves.get(w).get(l).toType(DataType.FLOAT32, false);
                        NDArray norm = x32.norm(new int[] {3}, true);
                        NDArray err = x16.sub(x32).norm(new int[] {3}, true);
                        String p = "encoder.layer." + l + ".attention.self." + which[w];
                        NDArray[] wb = headNorms(e32, p, x32.getShape().get(1));
                        NDArray bound = wb[0].mul(inputNorm).mul(inputError.add(U)).add(wb[1].mul(U)).add(norm.mul(U));
                        float ratio = max(err.div(bound).mul(realQuery));
                        assertTrue(ratio <= 1, "layer " + l + " " + which[w] + ": error/bound " + ratio);
                        worstProjection = Math.max(worstProjection, ratio);
                        eps[w] = err.div(norm);
                    }
                    NDArray q = o32.queries().get(l);
                    NDArray k = o32.keys().get(l);
                    float d = q.getShape().get(3);
                    NDArray qn = q.norm(new int[] {3}, true); // (B, A, T, 1)
                    NDArray kn = k.norm(new int[] {3}, true).transpose(0, 1, 3, 2); // (B, A, 1, T)
                    NDArray ek = eps[1].transpose(0, 1, 3, 2);
                    NDArray scoreBound = eps[0].add(ek).add(eps[0].mul(ek)).add(2 * U).mul(qn.mul(kn)).div((float) Math.sqrt(d));
                    NDArray s32 = o32.attentionScores().get(l);
                    NDArray s16 = o16.attentionScores().get(l);
                    assertEquals(DataType.FLOAT16, s16.getDataType());
                    NDArray ds = s16.toType(DataType.FLOAT32, false).sub(s32).abs().mul(realKey).mul(realQuery);
                    worstScore = Math.max(worstScore, max(ds.div(scoreBound)));

                    NDArray rowM = ds.max(new int[] {3}, true); // (B, A, T, 1)
                    NDArray pr32 = o32.attentionProbs().get(l);
                    NDArray dp = o16.attentionProbs().get(l).toType(DataType.FLOAT32, false).sub(pr32).abs();
                    NDArray probBound = pr32.mul(rowM.mul(2f).exp().sub(1f)).add(U);
                    worstProb = Math.max(worstProb, max(dp.div(probBound).mul(realQuery)));
                }
                assertTrue(worstScore <= 1, "attention scores: error/bound " + worstScore);
                assertTrue(worstProb <= 1, "attention probabilities: error/bound " + worstProb);
                System.out.printf("fp16 vs fp32 (bge-small, 16 glosses): hidden relative error per layer %s; pooled "
                        + "%.2e; at most this fraction of their bound: queries/keys/values %.2f, scores %.2f, "
                        + "probabilities %.2f%n", java.util.Arrays.toString(hiddenError), pooledError, worstProjection,
                        worstScore, worstProb);
            }
            assertEquals(DataType.FLOAT32, e32.wordEmbeddings().getArray().getDataType());
        }
    }

    /** Per head: ‖W_head‖_F as (1, A, 1, 1) and ‖b_head‖ as (1, A, 1, 1), from the float32 weights. */
    private static NDArray[] headNorms(Encoder e, String prefix, long heads) {
        Map<String, ai.djl.nn.Parameter> p = e.namedParameters();
        NDArray w = p.get(prefix + ".weight").getArray(); // (A·d, H)
        NDArray bias = p.get(prefix + ".bias").getArray(); // (A·d)
        NDArray wn = w.reshape(heads, -1).norm(new int[] {1}).reshape(1, heads, 1, 1);
        NDArray bn = bias.reshape(heads, -1).norm(new int[] {1}).reshape(1, heads, 1, 1);
        return new NDArray[] {wn, bn};
    }

    private static final EncoderConfig TINY = EncoderConfig.builder().setVocabSize(50).setHiddenSize(16)
            .setNumLayers(2).setNumHeads(4).setIntermediateSize(24).optMaxPositions(20)
            .optHiddenAct(EncoderConfig.HiddenAct.GELU_TANH).build();

    @Test
    void headsAndMeanPoolingComputeInFloat16EvenOnAnAllPaddingRow() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Encoder e32 = Students.fromConfig(TINY, Pooling.MEAN,
                    new ClassificationHead(TINY, List.of("a", "b", "c"), false), m, 3);
            Encoder e16 = e32.toType(DataType.FLOAT16, m);
            assertNotSame(e32.head().orElseThrow(), e16.head().orElseThrow());
            TokenBatch b = new TokenBatch(m.create(new long[] {5, 6, 7, 0, 8, 9, 0, 0, 0, 0, 0, 0}, new Shape(3, 4)),
                    m.create(new long[] {1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0}, new Shape(3, 4)), null, null, 5);
            ModelOutputs o32 = e32.forward(b, false);
            ModelOutputs o16 = e16.forward(b, false);
            assertEquals(DataType.FLOAT16, o16.logits().getDataType());
            assertEquals(DataType.FLOAT16, o16.pooled().getDataType());
            float[] l32 = o32.logits().toFloatArray();
            float[] l16 = o16.logits().toType(DataType.FLOAT32, false).toFloatArray();
            // logits of a 2-layer model with BERT's 0.02 initialisation are O(0.1): within 3 layers' bound
            for (int i = 0; i < l32.length; i++) {
                assertEquals(l32[i], l16[i], 6 * U * Math.max(1f, Math.abs(l32[i])), "logit " + i);
            }
            float[] pooled = o16.pooled().toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 2 * 16; i < 3 * 16; i++) {
                assertEquals(0f, pooled[i], "the all-padding row pools to 0, not 0/0");
            }
            assertEquals(DataType.FLOAT32, e16.toType(DataType.FLOAT32, m).dataType());
        }
    }

    @Test
    void unsupportedTypesAndMismatchesAreExplained() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Encoder e32 = Students.fromConfig(TINY, Pooling.CLS, null, m, 3);
            IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class,
                    () -> e32.toType(DataType.BFLOAT16, m));
            assertEquals("data type BFLOAT16 is not supported: DJL 0.35.1's PyTorch JNI has no bfloat16 type and "
                    + "aborts the JVM on it; use FLOAT16 for a half-precision teacher", bf16.getMessage());
            IllegalArgumentException f64 = assertThrows(IllegalArgumentException.class,
                    () -> e32.toType(DataType.FLOAT64, m));
            assertEquals("data type float64 is not supported for encoder weights; use FLOAT32 or FLOAT16",
                    f64.getMessage());
            IllegalStateException uninitialised = assertThrows(IllegalStateException.class,
                    () -> Encoder.of(TINY).toType(DataType.FLOAT16, m));
            assertTrue(uninitialised.getMessage().contains("parameter embeddings.word_embeddings.weight is not "
                    + "initialised; call initializeWeights or loadState first"), uninitialised.getMessage());

            Encoder e16 = e32.toType(DataType.FLOAT16, m);
            NDArray hidden = m.zeros(new Shape(1, 3, 16));
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                    () -> e16.forwardHidden(hidden, m.ones(new Shape(1, 3)), false));
            assertEquals("hidden states are float32 but the weights are float16; they must match: convert the inputs "
                    + "with toType(float16, false)", mixed.getMessage());
            assertEquals(DataType.FLOAT16, e16.forwardHidden(hidden.toType(DataType.FLOAT16, false),
                    m.ones(new Shape(1, 3)), false).lastHiddenState().getDataType());

            Map<String, TensorData> state = e32.stateDict();
            IllegalStateException load = assertThrows(IllegalStateException.class,
                    () -> e16.loadState(m, state, true));
            assertEquals("cannot write float32 values into parameter embeddings.word_embeddings.weight of type "
                    + "float16; initialise or load the float32 encoder, then call toType", load.getMessage());

            IllegalArgumentException precision = assertThrows(IllegalArgumentException.class,
                    () -> EncoderTeacher.precision("bf16"));
            assertEquals("teacher precision 'bf16' is not available: DJL 0.35.1's PyTorch JNI has no bfloat16 type "
                    + "and aborts the JVM on it; use fp16 or fp32", precision.getMessage());
            assertEquals("teacher precision 'fp8' is unknown; use fp32 or fp16",
                    assertThrows(IllegalArgumentException.class, () -> EncoderTeacher.precision("fp8")).getMessage());
            assertEquals(DataType.FLOAT16, EncoderTeacher.precision(" FP16 "));
            assertEquals(DataType.FLOAT32, EncoderTeacher.precision("float32"));

            EncoderTeacher same = EncoderTeacher.of(e32, DataType.FLOAT32);
            assertTrue(same.encoder() == e32, "no copy when the type is already right");
            EncoderTeacher half = EncoderTeacher.of(e32, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, half.dataType());
            assertEquals(DataType.FLOAT32, e32.dataType());
            assertEquals(e32.wordEmbeddings().getArray().getManager(), half.encoder().wordEmbeddings().getArray()
                    .getManager(), "the copy belongs to the original's manager");
            NDArray ids = m.create(new long[] {1, 2}, new Shape(1, 2));
            assertEquals(DataType.FLOAT16, half.forward(new TokenBatch(ids, ids.onesLike(), null, null, 2))
                    .attentionScores().get(0).getDataType());
        }
    }
}
