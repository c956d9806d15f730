package dev.distill.examples.mlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.heads.MaskedLmHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The head fit on synthetic features where the answer is known: each token y has its own random
 * centre c_y, and a feature is c_y plus small noise. A head that learned the map must classify
 * fresh draws (not seen in training) almost perfectly; the identity start does not.
 */
class HeadFitterTest {

    @TempDir
    Path tmp;

    private static final int V = 20;
    private static final int H = 16;

    private static float[][] centres() {
        SplittableRandom r = new SplittableRandom(11);
        float[][] c = new float[V][H];
        for (float[] row : c) {
            for (int h = 0; h < H; h++) {
                row[h] = (float) (r.nextDouble() * 4 - 2);
            }
        }
        return c;
    }

    private static HeadFitter.Features draw(float[][] c, int n, long seed, NDManager m) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * H];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(V);
            for (int h = 0; h < H; h++) {
                x[i * H + h] = c[(int) y[i]][h] + (float) (r.nextDouble() - 0.5) * 0.2f;
            }
        }
        return new HeadFitter.Features(m.create(x, new Shape(n, H)), y);
    }

    private static double accuracy(MaskedLmHead head, Encoder enc, HeadFitter.Features f) {
        NDArray z = head.logits(f.hidden(), enc.wordEmbeddings().getArray());
        long[] pred = z.argMax(1).toLongArray();
        int hit = 0;
        for (int i = 0; i < pred.length; i++) {
            hit += pred[i] == f.labels()[i] ? 1 : 0;
        }
        return (double) hit / pred.length;
    }

    @Test
    void learnsTheMapAndGeneralisesToFreshDraws() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderConfig c = EncoderConfig.builder().setVocabSize(V).setHiddenSize(H).setNumLayers(1).setNumHeads(2)
                    .setIntermediateSize(8).optMaxPositions(8).build();
            Encoder enc = Encoder.of(c);
            enc.initializeWeights(m, 1);
            // Word embeddings of unit scale, like a trained model's (BERT's 0.02 init makes every logit tiny).
            SplittableRandom r = new SplittableRandom(4);
            float[] words = new float[V * H];
            for (int i = 0; i < words.length; i++) {
                words[i] = (float) (r.nextDouble() * 2 - 1);
            }
            enc.wordEmbeddings().getArray().set(java.nio.FloatBuffer.wrap(words));
            enc.setTrainable(false);
            float[][] cs = centres();
            HeadFitter.Features train = draw(cs, 2000, 1, m);
            HeadFitter.Features test = draw(cs, 500, 2, m);
            List<String> log = new ArrayList<>();
            HeadFitter.Settings s = new HeadFitter.Settings(300, 64, 1e-2f, 0f, 3);
            MaskedLmHead head = HeadFitter.fit(enc, train, s, m, 100, log::add);
            double acc = accuracy(head, enc, test);
            assertTrue(acc > 0.95, "held-out accuracy " + acc + "; log " + log);
            assertTrue(log.size() == 3 && log.get(2).contains("step 300/300"), log.toString());
            for (Parameter p : head.parameters()) {
                assertTrue(!p.getArray().hasGradient(), p.getName() + " is left trainable");
            }

            Map<String, String> prov = Map.of("teacher", "abc", "settings", s.describe());
            HeadFitter.save(head, tmp, prov);
            MaskedLmHead back = HeadFitter.load(enc, tmp, prov, m);
            assertNotNull(back);
            for (int i = 0; i < head.parameters().size(); i++) {
                assertArrayEquals(head.parameters().get(i).getArray().toFloatArray(),
                        back.parameters().get(i).getArray().toFloatArray(), 0f);
            }
            assertNull(HeadFitter.load(enc, tmp, Map.of("teacher", "other", "settings", s.describe()), m),
                    "a head fitted for another teacher must not be reused");
            assertNull(HeadFitter.load(enc, tmp.resolve("absent"), prov, m));
        }
    }
}
