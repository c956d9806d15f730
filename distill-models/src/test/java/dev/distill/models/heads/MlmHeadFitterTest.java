package dev.distill.models.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.distill.core.data.MlmMasker;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import java.nio.file.NoSuchFileException;
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
class MlmHeadFitterTest {

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

    private static MlmHeadFitter.Features draw(float[][] c, int n, long seed, NDManager m) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * H];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(V);
            for (int h = 0; h < H; h++) {
                x[i * H + h] = c[(int) y[i]][h] + (float) (r.nextDouble() - 0.5) * 0.2f;
            }
        }
        return new MlmHeadFitter.Features(m.create(x, new Shape(n, H)), y);
    }

    private static double accuracy(MaskedLmHead head, Encoder enc, MlmHeadFitter.Features f) {
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
            MlmHeadFitter.Features train = draw(cs, 2000, 1, m);
            MlmHeadFitter.Features test = draw(cs, 500, 2, m);
            List<String> log = new ArrayList<>();
            MlmHeadFitter.Settings s = new MlmHeadFitter.Settings(300, 64, 1e-2f, 0f, 3);
            MaskedLmHead head = MlmHeadFitter.fit(enc, train, s, m, 100, log::add);
            double acc = accuracy(head, enc, test);
            assertTrue(acc > 0.95, "held-out accuracy " + acc + "; log " + log);
            assertTrue(log.size() == 3 && log.get(2).contains("step 300/300"), log.toString());
            for (Parameter p : head.parameters()) {
                assertTrue(!p.getArray().hasGradient(), p.getName() + " is left trainable");
            }

            Map<String, String> prov = Map.of("teacher", "abc", "settings", s.describe());
            MlmHeadFitter.save(head, tmp, prov);
            MaskedLmHead back = MlmHeadFitter.load(enc, tmp, prov, m);
            assertNotNull(back);
            for (int i = 0; i < head.parameters().size(); i++) {
                assertArrayEquals(head.parameters().get(i).getArray().toFloatArray(),
                        back.parameters().get(i).getArray().toFloatArray(), 0f);
            }
            assertNull(MlmHeadFitter.load(enc, tmp, Map.of("teacher", "other", "settings", s.describe()), m),
                    "a head fitted for another teacher must not be reused");
            assertNull(MlmHeadFitter.load(enc, tmp.resolve("absent"), prov, m));

            // A head written by another run is reused when only the teacher matches ...
            MaskedLmHead elsewhere = MlmHeadFitter.loadFor(enc, tmp, "abc", m);
            assertArrayEquals(head.parameters().get(0).getArray().toFloatArray(),
                    elsewhere.parameters().get(0).getArray().toFloatArray(), 0f);
            // ... and refused, naming both fingerprints, when it was fitted on another teacher.
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> MlmHeadFitter.loadFor(enc, tmp, "def", m));
            assertTrue(other.getMessage().contains("fitted on teacher abc, but this teacher's fingerprint is def"),
                    other.getMessage());
            NoSuchFileException none = assertThrows(NoSuchFileException.class,
                    () -> MlmHeadFitter.loadFor(enc, tmp.resolve("absent"), "abc", m));
            assertTrue(none.getMessage().contains("no fitted MLM head here"), none.getMessage());

            // quality(): top-1 equals the argmax count above; top-k is recomputed from a sort.
            MlmHeadFitter.Quality q = MlmHeadFitter.quality(enc, head, test, 3, m);
            assertEquals(acc, q.top1(), 1e-12);
            assertEquals(500, q.tokens());
            float[] z = head.logits(test.hidden(), enc.wordEmbeddings().getArray()).toFloatArray();
            MlmHeadFitter.Quality start = MlmHeadFitter.quality(enc, MlmTeacher.identityHead(enc, m), test, 3, m);
            int inTop3 = 0;
            for (int i = 0; i < 500; i++) {
                int y = (int) test.labels()[i];
                int above = 0;
                for (int v = 0; v < V; v++) {
                    above += z[i * V + v] > z[i * V + y] ? 1 : 0;
                }
                inTop3 += above < 3 ? 1 : 0;
            }
            assertEquals(inTop3 / 500.0, q.topK(), 1e-12);
            assertTrue(start.top1() < 0.5 && start.top1() < q.top1() - 0.4, "identity " + start + ", fitted " + q);
        }
    }

    @Test
    void fitOrLoadFitsOnceThenReusesUntilAnInputChanges() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            EncoderConfig c = EncoderConfig.builder().setVocabSize(V).setHiddenSize(H).setNumLayers(1).setNumHeads(2)
                    .setIntermediateSize(8).optMaxPositions(8).build();
            Encoder enc = Encoder.of(c);
            enc.initializeWeights(m, 1);
            enc.setTrainable(false);
            long[][] ids = {{1, 5, 6, 7, 2}, {1, 8, 9, 2}, {1, 10, 11, 12, 13, 2}};
            java.util.List<dev.distill.core.data.TokenizedExample> ex = new ArrayList<>();
            for (long[] i : ids) {
                boolean[] special = new boolean[i.length];
                special[0] = true;
                special[i.length - 1] = true;
                ex.add(new dev.distill.core.data.TokenizedExample(i, null, null, special, null));
            }
            MaskedSet set = new MaskedSet(ex, MlmMasker.builder(3, V).optProbability(0.5).build(), 0, 2);
            MlmHeadFitter.Settings s = new MlmHeadFitter.Settings(3, 4, 1e-2f, 0f, 1);
            Map<String, String> prov = MlmHeadFitter.provenance("fp", "data", s);
            List<String> log = new ArrayList<>();
            MlmHeadFitter.Obtained first = MlmHeadFitter.fitOrLoad(enc, prov, set, s, tmp, m, 1, log::add);
            assertFalse(first.reused());
            assertTrue(log.get(0).startsWith("fitting an MLM head: "), log.toString());
            MlmHeadFitter.Obtained second = MlmHeadFitter.fitOrLoad(enc, prov, set, s, tmp, m, 1, log::add);
            assertTrue(second.reused());
            assertEquals(tmp.resolve(MlmHeadFitter.FILE), second.file());
            MlmHeadFitter.Settings longer = new MlmHeadFitter.Settings(4, 4, 1e-2f, 0f, 1);
            assertFalse(MlmHeadFitter.fitOrLoad(enc, MlmHeadFitter.provenance("fp", "data", longer), set, longer, tmp,
                    m, 1, log::add).reused(), "other settings fit a new head");
        }
    }
}
