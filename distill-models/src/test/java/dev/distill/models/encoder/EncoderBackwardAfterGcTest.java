package dev.distill.models.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Regression test for an intermittent gradient corruption: the encoder's score scaling used
 * {@code x.mul(float)}, whose 0-d constant DJL makes over a Java buffer and frees as soon as the
 * op returns, while autograd keeps it for backward. A garbage collection between forward and
 * backward then turned every gradient upstream of the attention scores into garbage (seen as
 * "gradient norm is Infinity" with a finite loss). Here the gradients after forced collections
 * (and reuse of the freed memory) must equal, bit for bit, those of an undisturbed recomputation
 * of the same step.
 */
class EncoderBackwardAfterGcTest {

    private static final EncoderConfig CONFIG = EncoderConfig.builder().setVocabSize(40).setHiddenSize(16)
            .setNumLayers(2).setNumHeads(4).setIntermediateSize(24).optMaxPositions(12)
            .optHiddenAct(EncoderConfig.HiddenAct.GELU_TANH).optDropout(0f).build();

    private static List<ByteBuffer> churn() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        List<ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 8) * 4);
            b.putFloat(0, 1e30f);
            keep.add(b);
        }
        return keep;
    }

    /** Gradients of Σ scores·w + Σ last hidden state² for one batch, by parameter name. */
    private static Map<String, float[]> gradients(Encoder e, NDManager root, boolean disturb) throws InterruptedException {
        try (NDManager m = root.newSubManager()) {
            long[] ids = {2, 5, 7, 9, 11, 3, 2, 8, 6, 3, 0, 0};
            long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
            TokenBatch batch = new TokenBatch(m.create(ids, new Shape(2, 6)), m.create(mask, new Shape(2, 6)),
                    null, null, 10);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ModelOutputs out = e.forward(batch, true);
                NDArray loss = out.lastHiddenState().square().sum();
                for (NDArray s : out.attentionScores()) {
                    NDArray w = m.randomUniform(-1f, 1f, s.getShape());
                    loss = loss.add(s.mul(w).sum());
                }
                List<ByteBuffer> garbage = disturb ? churn() : List.of();
                gc.backward(loss);
                garbage.size();
            }
            Map<String, float[]> g = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> p : e.namedParameters().entrySet()) {
                NDArray grad = p.getValue().getArray().getGradient();
                g.put(p.getKey(), grad.toFloatArray());
                grad.subi(grad); // zero for the next pass
                grad.close();
            }
            return g;
        }
    }

    @Test
    void gradientsDoNotDependOnGarbageCollection() throws InterruptedException {
        try (NDManager root = NDManager.newBaseManager()) {
            Encoder e = Students.fromConfig(CONFIG, Pooling.CLS, null, root, 3);
            e.setTrainable(true);
            for (int trial = 0; trial < 3; trial++) {
                Engine.getInstance().setRandomSeed(11 + trial);
                Map<String, float[]> reference = gradients(e, root, false);
                Engine.getInstance().setRandomSeed(11 + trial);
                Map<String, float[]> disturbed = gradients(e, root, true);
                for (Map.Entry<String, float[]> r : reference.entrySet()) {
                    float[] ref = r.getValue();
                    boolean nonZero = false;
                    for (float v : ref) {
                        nonZero |= v != 0f;
                    }
                    assertTrue(nonZero || r.getKey().contains("token_type"), r.getKey() + " has no gradient");
                    assertArrayEquals(ref, disturbed.get(r.getKey()),
                            "trial " + trial + ": gradient of " + r.getKey() + " changed after a garbage collection");
                }
            }
        }
    }
}
