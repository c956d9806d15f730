package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.CacheReplayTeacher;
import dev.distill.core.cache.Fp16;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.StepContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hidden-state losses trained from the teacher-output cache ({@link CacheReplayTeacher}) against
 * the same losses with the online teacher, whose hidden states are those the cache stored.
 *
 * <p>Tolerance, and why: the cache stores each value t in fp16, t' = fp16(t), |t' − t| ≤ 2⁻¹¹|t|
 * for the normal-range values here. So (1) against the online teacher <b>with its hidden states
 * rounded to fp16</b> the replay must agree to float32 arithmetic (relative 1e-6): nothing but the
 * rounding may differ; (2) against the unrounded online teacher the MSE differs by at most
 * Σ_pairs mean_real |t' − t|·|2s − t − t'| and each gradient element 2|t' − t|/N by at most
 * 2·2⁻¹¹|t|/N, bounds the test computes from the values themselves; (3) 25 steps of gradient
 * descent on the student's hidden states, which pull each value towards t or t', end at most
 * 2⁻¹¹|value| + 1e-4 apart, and at losses within 0.5%.
 */
class CachedHiddenStatesTest {

    static final int B = 5;
    static final int T = 12;
    static final int H = 8;
    static final int V = 50;
    static final int TEACHER_LAYERS = 2;

    @TempDir
    Path tmp;

    NDManager m;
    NDArray[] teacherHidden; // hidden states 0..2, each (B, T, H)
    NDArray teacherPooled; // (B, H)
    NDArray mask;
    long[][] ids;
    TokenBatch batch;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(11);
        SplittableRandom r = new SplittableRandom(4);
        teacherHidden = new NDArray[TEACHER_LAYERS + 1];
        for (int l = 0; l <= TEACHER_LAYERS; l++) {
            teacherHidden[l] = m.randomNormal(new Shape(B, T, H)).mul(1.5f);
        }
        teacherPooled = m.randomNormal(new Shape(B, H));
        long[] msk = new long[B * T];
        ids = new long[B][];
        for (int b = 0; b < B; b++) {
            int len = T - 2 * (b % 3);
            ids[b] = new long[len];
            for (int t = 0; t < len; t++) {
                msk[b * T + t] = 1;
                ids[b][t] = t == 0 ? b : 1 + r.nextInt(V - 1); // token 0 names the row for the stand-in teacher
            }
        }
        mask = m.create(msk, new Shape(B, T));
        long[] flat = new long[B * T];
        for (int b = 0; b < B; b++) {
            System.arraycopy(ids[b], 0, flat, b * T, ids[b].length);
        }
        batch = new TokenBatch(m.create(flat, new Shape(B, T)), mask, null, null, mask.sum().getLong());
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private static final long[] ALL_ROWS = {0, 1, 2, 3, 4};

    /** Builds a cache of hidden states {@code layers} (and the pooled embedding) from the stand-in teacher. */
    private TopKCache cache(List<Integer> layers) throws IOException {
        List<CacheExample> examples = new ArrayList<>();
        for (int b = 0; b < B; b++) {
            examples.add(new CacheExample(ids[b], null, new int[] {1}));
        }
        TopKCacheBuilder.Teacher lookup = (in, pos) -> {
            long[] first = in.inputIds().get(new NDIndex(":, 0")).toLongArray();
            long t = in.inputIds().getShape().get(1);
            NDArray index = in.inputIds().getManager().create(first);
            List<NDArray> hidden = new ArrayList<>();
            for (NDArray h : teacherHidden) {
                hidden.add(h.get(new NDIndex("{}, :{}", index, t)));
            }
            NDArray logits = in.inputIds().getManager().zeros(new Shape(pos.length, V)); // one position per row
            return new TopKCacheBuilder.Output(logits, teacherPooled.get(new NDIndex("{}", index)), hidden);
        };
        Path dir = tmp.resolve("cache" + layers);
        CacheFingerprint fp = CacheFingerprint.of("teacher", "tok", examples, T, 4, 1).withHiddenLayers(layers);
        TopKCacheBuilder.builder(dir, lookup, m, V).optHiddenDim(H).optPooledDim(H).optExamplesPerShard(2)
                .optBatchSize(2).build().build(examples, fp);
        return TopKCache.open(dir, fp);
    }

    private static ModelDims dims(int layers) {
        return new ModelDims(layers, H, 2, H / 2, V);
    }

    /** The online teacher's outputs, optionally with every value rounded to fp16 as the cache stores it. */
    private ModelOutputs online(boolean roundToFp16) {
        List<NDArray> hidden = new ArrayList<>();
        for (NDArray h : teacherHidden) {
            hidden.add(roundToFp16 ? fp16(h) : h);
        }
        List<NDArray> attention = List.of(m.zeros(new Shape(B, 2, T, T)), m.zeros(new Shape(B, 2, T, T)));
        return new ModelOutputs(hidden, attention, null, null, null, null,
                roundToFp16 ? fp16(teacherPooled) : teacherPooled, null, mask);
    }

    private NDArray fp16(NDArray x) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Fp16.toFloat(Fp16.fromFloat(v[i]));
        }
        return m.create(v, x.getShape());
    }

    /** A student of {@code layers} layers whose hidden states are the given leaves. */
    private ModelOutputs student(List<NDArray> hidden, NDArray pooled) {
        List<NDArray> attention = new ArrayList<>();
        for (int i = 1; i < hidden.size(); i++) {
            attention.add(m.zeros(new Shape(B, 2, T, T)));
        }
        return new ModelOutputs(hidden, attention, null, null, null, null, pooled, null, mask);
    }

    /** (loss, gradient of every student leaf, concatenated). */
    private float[][] lossAndGradient(DistillationLoss loss, ModelOutputs teacher, List<NDArray> init,
            NDArray pooledInit) {
        List<NDArray> leaves = new ArrayList<>();
        for (NDArray x : init) {
            NDArray c = x.duplicate();
            c.setRequiresGradient(true);
            leaves.add(c);
        }
        NDArray pooled = pooledInit.duplicate();
        pooled.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.compute(new StepContext(teacher, student(leaves, pooled), batch, 0, m)).total();
            gc.backward(l);
            List<Float> g = new ArrayList<>();
            for (NDArray leaf : leaves) {
                for (float v : leaf.getGradient().toFloatArray()) {
                    g.add(v);
                }
            }
            for (float v : pooled.getGradient().toFloatArray()) {
                g.add(v);
            }
            float[] grad = new float[g.size()];
            for (int i = 0; i < grad.length; i++) {
                grad[i] = g.get(i);
            }
            return new float[][] {{l.toType(DataType.FLOAT32, false).getFloat()}, grad};
        }
    }

    /** MSE on embeddings (0 → 0) and the last layer (1 → 2), plus 1 − cos of the pooled embeddings. */
    private DistillationLoss loss() {
        return WeightedSumLoss.builder()
                .add("hidden", 1, HiddenStateLoss.builder().optSource(HiddenStateLoss.Source.EMBEDDINGS_AND_LAYERS)
                        .build())
                .add("pooled", 1, HiddenStateLoss.pooledCosine())
                .build();
    }

    @Test
    void lossAndGradientFromTheCacheEqualTheOnlineTeacherUpToFp16Rounding() throws IOException {
        TopKCache cache = cache(List.of(0, 2));
        CacheReplayTeacher replay = new CacheReplayTeacher(cache, dims(TEACHER_LAYERS), b -> ALL_ROWS, Device.cpu());
        ModelOutputs replayed = replay.forward(batch);
        assertEquals(TEACHER_LAYERS, replayed.numLayers());
        assertEquals(new Shape(B, T, 0), replayed.hiddenStates().get(1).getShape(), "layer 1 was not stored");
        List<NDArray> init = List.of(m.randomNormal(new Shape(B, T, H)), m.randomNormal(new Shape(B, T, H)));
        NDArray pooledInit = m.randomNormal(new Shape(B, H));
        DistillationLoss loss = loss();
        loss.initialize(m, dims(TEACHER_LAYERS), dims(1));

        float[][] fromCache = lossAndGradient(loss, replayed, init, pooledInit);
        float[][] rounded = lossAndGradient(loss, online(true), init, pooledInit);
        float[][] exact = lossAndGradient(loss, online(false), init, pooledInit);

        // (1) Same as the online teacher with fp16-rounded values, to float32 arithmetic.
        assertEquals(rounded[0][0], fromCache[0][0], Math.abs(rounded[0][0]) * 1e-6);
        assertArrayEquals(rounded[1], fromCache[1], 1e-7f);

        // (2) Against the unrounded teacher: within the bound the rounding allows, computed from the values.
        float[] mk = mask.toType(DataType.FLOAT32, false).toFloatArray();
        double real = 0;
        for (float v : mk) {
            real += v;
        }
        double mseBound = 0;
        float[][] s = {init.get(0).toFloatArray(), init.get(1).toFloatArray()};
        float[][] t = {teacherHidden[0].toFloatArray(), teacherHidden[2].toFloatArray()};
        int gradAt = 0;
        for (int pair = 0; pair < 2; pair++) {
            double sum = 0;
            for (int i = 0; i < s[pair].length; i++) {
                float tr = Fp16.toFloat(Fp16.fromFloat(t[pair][i]));
                double w = mk[i / H];
                sum += w * Math.abs(tr - t[pair][i]) * Math.abs(2 * s[pair][i] - t[pair][i] - tr);
                double gBound = w * 2 * 0x1p-11 * Math.abs(t[pair][i]) / (real * H) + 1e-7;
                assertEquals(exact[1][gradAt + i], fromCache[1][gradAt + i], gBound, "pair " + pair + " element " + i);
            }
            gradAt += s[pair].length;
            mseBound += sum / (real * H);
        }
        // the pooled cosine: 1 − cos changes by at most about 2·2⁻¹¹ per row (relative rounding of t)
        double bound = mseBound + 2 * 0x1p-11 + 1e-6;
        assertEquals(exact[0][0], fromCache[0][0], bound, "|Δloss| within the fp16 bound " + bound);
        assertTrue(Math.abs(exact[0][0] - fromCache[0][0]) > 0, "the rounding is visible: the test can tell");
    }

    @Test
    void gradientDescentFromTheCacheFollowsTheOnlineTeacher() throws IOException {
        CacheReplayTeacher replay = new CacheReplayTeacher(cache(List.of(0, 2)), dims(TEACHER_LAYERS),
                b -> ALL_ROWS, Device.cpu());
        DistillationLoss loss = loss();
        loss.initialize(m, dims(TEACHER_LAYERS), dims(1));
        List<NDArray> init = List.of(m.randomNormal(new Shape(B, T, H)), m.randomNormal(new Shape(B, T, H)));
        NDArray pooled = m.randomNormal(new Shape(B, H));
        List<NDArray> a = new ArrayList<>(init);
        List<NDArray> b = new ArrayList<>(init);
        NDArray pa = pooled;
        NDArray pb = pooled;
        float lr = 20f;
        float first = lossAndGradient(loss, online(false), init, pooled)[0][0];
        for (int step = 0; step < 25; step++) {
            float[] ga = lossAndGradient(loss, online(false), a, pa)[1];
            float[] gb = lossAndGradient(loss, replay.forward(batch), b, pb)[1];
            int n = B * T * H;
            for (int i = 0; i < 2; i++) {
                a.set(i, a.get(i).sub(m.create(java.util.Arrays.copyOfRange(ga, i * n, (i + 1) * n), a.get(i)
                        .getShape()).mul(lr)));
                b.set(i, b.get(i).sub(m.create(java.util.Arrays.copyOfRange(gb, i * n, (i + 1) * n), b.get(i)
                        .getShape()).mul(lr)));
            }
            pa = pa.sub(m.create(java.util.Arrays.copyOfRange(ga, 2 * n, ga.length), pa.getShape()).mul(lr));
            pb = pb.sub(m.create(java.util.Arrays.copyOfRange(gb, 2 * n, gb.length), pb.getShape()).mul(lr));
        }
        float trainedOnline = lossAndGradient(loss, online(false), a, pa)[0][0];
        float trainedFromCache = lossAndGradient(loss, online(false), b, pb)[0][0];
        assertTrue(trainedOnline < first * 0.5, "training lowered the loss: " + first + " -> " + trainedOnline);
        assertEquals(trainedOnline, trainedFromCache, Math.abs(trainedOnline) * 5e-3);
        // Gradient descent contracts each student value towards its target, t online and fp16(t) from
        // the cache, so the two runs may end apart by at most the targets' gap, 2⁻¹¹·|t|.
        for (int i = 0; i < 2; i++) {
            float[] va = a.get(i).toFloatArray();
            float[] vb = b.get(i).toFloatArray();
            for (int j = 0; j < va.length; j++) {
                assertEquals(va[j], vb[j], 0x1p-11 * Math.abs(va[j]) + 1e-4, "hidden " + i + " element " + j);
            }
        }
    }

    @Test
    void aLayerTheCacheDidNotStoreOrAnotherBatchIsRefusedWithTheFix() throws IOException {
        TopKCache cache = cache(List.of(2));
        CacheReplayTeacher replay = new CacheReplayTeacher(cache, dims(TEACHER_LAYERS), b -> ALL_ROWS, Device.cpu());
        assertTrue(replay.fingerprint().endsWith(":k=4:hidden=[2]"), replay.fingerprint());
        DistillationLoss everyLayer = HiddenStateLoss.tinyBertHidden(); // student 2 layers → teacher 1 and 2
        everyLayer.initialize(m, dims(TEACHER_LAYERS), dims(TEACHER_LAYERS));
        List<NDArray> s = List.of(m.zeros(new Shape(B, T, H)), m.zeros(new Shape(B, T, H)), m.zeros(new Shape(B, T, H)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> everyLayer.compute(
                new StepContext(replay.forward(batch), student(s, null), batch, 0, m)));
        assertTrue(e.getMessage().contains("needs the teacher's hidden state 1")
                && e.getMessage().contains("--hidden-layers"), e.getMessage());

        // A batch that does not hold the cached inputs (row 0 one token shorter) is caught.
        long[] cut = mask.toLongArray();
        cut[11] = 0;
        TokenBatch shorter = new TokenBatch(batch.inputIds(), m.create(cut, new Shape(B, T)), null, null, 0);
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class, () -> replay.forward(shorter));
        assertTrue(rows.getMessage().contains("batch row 0 has 11 real tokens but cached example 0 has 12"),
                rows.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> new CacheReplayTeacher(
                cache, dims(TEACHER_LAYERS), b -> new long[] {0, 1}, Device.cpu()).forward(batch));
        assertTrue(count.getMessage().contains("the batch has 5 rows but examplesOf gave 2 indices"),
                count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CacheReplayTeacher(cache, dims(TEACHER_LAYERS), null,
                Device.cpu()), "hidden states need examplesOf");
        assertNotNull(replay.forward(batch).pooled());
    }
}
