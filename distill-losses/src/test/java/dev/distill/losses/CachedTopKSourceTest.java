package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.distill.core.ModelOutputs;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
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
 * Training from the teacher-output cache equals training with the online teacher up to the
 * truncation: the top-k loss and its gradient computed from cache-read targets match those from
 * the live teacher's logits with the same k (within the fp16 rounding of stored probabilities),
 * and so do the parameters after several optimisation steps.
 */
class CachedTopKSourceTest {

    static final int B = 6;
    static final int T = 14;
    static final int V = 400;

    @TempDir
    Path tmp;

    NDManager m;
    NDArray teacherLogits; // (B, T, V)
    NDArray labels; // (B, T) masked-LM labels
    NDArray mask;
    long[][] ids;
    int[][] positions;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(5);
        SplittableRandom r = new SplittableRandom(3);
        teacherLogits = m.randomNormal(new Shape(B, T, V)).mul(3f); // peaked enough that top-k matters
        long[] lab = new long[B * T];
        long[] msk = new long[B * T];
        ids = new long[B][];
        positions = new int[B][];
        for (int b = 0; b < B; b++) {
            int len = T - 2 * (b % 3);
            ids[b] = new long[len];
            List<Integer> pos = new ArrayList<>();
            for (int t = 0; t < T; t++) {
                lab[b * T + t] = TokenBatch.IGNORE_INDEX;
                if (t < len) {
                    msk[b * T + t] = 1;
                    ids[b][t] = t == 0 ? b : r.nextInt(V); // token 0 names the row for the stand-in teacher
                    if (t > 0 && r.nextInt(3) == 0) {
                        lab[b * T + t] = r.nextInt(V);
                        pos.add(t);
                    }
                }
            }
            positions[b] = pos.stream().mapToInt(Integer::intValue).toArray();
        }
        labels = m.create(lab, new Shape(B, T));
        mask = m.create(msk, new Shape(B, T));
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    /** Builds a cache whose "teacher" looks its rows up in teacherLogits (by token 0 of each row). */
    private TopKCache cache(int k) throws IOException {
        List<CacheExample> examples = new ArrayList<>();
        for (int b = 0; b < B; b++) {
            examples.add(new CacheExample(ids[b], null, positions[b]));
        }
        TopKCacheBuilder.Teacher lookup = (batch, pos) -> {
            long[] first = batch.inputIds().get(new NDIndex(":, 0")).toLongArray();
            List<NDArray> rows = new ArrayList<>();
            for (int i = 0; i < pos.length; i++) {
                for (int p : pos[i]) {
                    rows.add(teacherLogits.get(new NDIndex("{}, {}", first[i], p)).expandDims(0));
                }
            }
            return new TopKCacheBuilder.Output(NDArrays.concat(rows), null);
        };
        Path dir = tmp.resolve("k" + k);
        CacheFingerprint fp = CacheFingerprint.of("teacher", "tok", examples, T, k, 1);
        TopKCacheBuilder.builder(dir, lookup, m, V).optExamplesPerShard(4).optBatchSize(2).build().build(examples, fp);
        return TopKCache.open(dir, fp);
    }

    private StepContext ctx(NDArray studentLogits) {
        TokenBatch batch = new TokenBatch(mask.zerosLike(), mask, null, labels, mask.sum().getLong());
        ModelOutputs teacher = outputs(teacherLogits);
        ModelOutputs student = outputs(studentLogits);
        return new StepContext(teacher, student, batch, 0, m);
    }

    private ModelOutputs outputs(NDArray logits) {
        NDArray h = m.zeros(new Shape(B, T, 2));
        return new ModelOutputs(List.of(h), List.of(), null, null, null, null, m.zeros(new Shape(B, 2)), logits, mask);
    }

    private static final long[] ALL_ROWS = {0, 1, 2, 3, 4, 5};

    private DistillationLoss loss(TopKSource source, TopKSoftTargetLoss.TruncatedMass mass, double temperature) {
        return TopKSoftTargetLoss.builder(source).optPositions(Positions.LABELLED_TOKENS).optTruncatedMass(mass)
                .optTemperature(temperature).build();
    }

    /** (loss, gradient with respect to the student logits). */
    private float[][] lossAndGradient(DistillationLoss loss, NDArray studentInit) {
        NDArray s = studentInit.duplicate();
        s.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.compute(ctx(s)).total();
            gc.backward(l);
            return new float[][] {{l.toType(DataType.FLOAT32, false).getFloat()}, s.getGradient().toFloatArray()};
        }
    }

    @Test
    void lossAndGradientFromTheCacheEqualTheLiveTeachersAtTheSameK() throws IOException {
        NDArray student = m.randomNormal(new Shape(B, T, V));
        for (int k : new int[] {8, 32}) {
            TopKSource cached = new CachedTopKSource(cache(k), c -> ALL_ROWS);
            for (TopKSoftTargetLoss.TruncatedMass mass : TopKSoftTargetLoss.TruncatedMass.values()) {
                double temp = mass == TopKSoftTargetLoss.TruncatedMass.RENORMALIZE ? 2.0 : 1.0;
                float[][] live = lossAndGradient(loss(TopKSource.fromTeacherLogits(k), mass, temp), student);
                float[][] fromCache = lossAndGradient(loss(cached, mass, temp), student);
                String what = "k = " + k + ", " + mass;
                // fp16 keeps 11 significant bits of each probability: relative error ≤ 2^-11
                assertEquals(live[0][0], fromCache[0][0], Math.abs(live[0][0]) * 2e-3 + 1e-5, what);
                assertArrayEquals(live[1], fromCache[1], 2e-5f, what);
            }
        }
    }

    @Test
    void trainingFromTheCacheFollowsTrainingWithTheLiveTeacher() throws IOException {
        int k = 16;
        TopKSource cached = new CachedTopKSource(cache(k), c -> ALL_ROWS);
        NDArray init = m.randomNormal(new Shape(B, T, V));
        NDArray a = init.duplicate();
        NDArray b = init.duplicate();
        float lr = 20f;
        for (int step = 0; step < 25; step++) {
            float[] ga = lossAndGradient(loss(TopKSource.fromTeacherLogits(k),
                    TopKSoftTargetLoss.TruncatedMass.RENORMALIZE, 1), a)[1];
            float[] gb = lossAndGradient(loss(cached, TopKSoftTargetLoss.TruncatedMass.RENORMALIZE, 1), b)[1];
            a = a.sub(m.create(ga, a.getShape()).mul(lr));
            b = b.sub(m.create(gb, b.getShape()).mul(lr));
        }
        float first = lossAndGradient(loss(TopKSource.fromTeacherLogits(k), TopKSoftTargetLoss.TruncatedMass.RENORMALIZE,
                1), init)[0][0];
        float trainedLive = lossAndGradient(loss(TopKSource.fromTeacherLogits(k),
                TopKSoftTargetLoss.TruncatedMass.RENORMALIZE, 1), a)[0][0];
        float trainedCached = lossAndGradient(loss(TopKSource.fromTeacherLogits(k),
                TopKSoftTargetLoss.TruncatedMass.RENORMALIZE, 1), b)[0][0];
        org.junit.jupiter.api.Assertions.assertTrue(trainedLive < first * 0.5, "training lowered the loss: " + first
                + " -> " + trainedLive);
        assertEquals(trainedLive, trainedCached, Math.abs(trainedLive) * 5e-3);
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 2e-3f);
    }

    @Test
    void aBatchWithAnotherNumberOfRowsIsRefused() throws IOException {
        TopKSource cached = new CachedTopKSource(cache(4), c -> new long[] {0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cached.targets(ctx(m.zeros(new Shape(B, T, V)))));
        assertEquals(true, e.getMessage().contains("the batch has 6 rows but the example index function gave 2"));
    }

    /** Row concatenation (DJL's NDArrays, kept apart from this test's names). */
    static final class NDArrays {
        static NDArray concat(List<NDArray> rows) {
            return ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(rows), 0);
        }
    }
}
