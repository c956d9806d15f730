package dev.distill.models.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.heads.ClassificationHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning on small random teachers. The references are the teacher's own forward pass and its
 * own weights: units whose contribution is exactly zero by construction must be the ones
 * dropped, and dropping them must leave every output unchanged.
 */
class PrunerTest {

    /** 3 layers, hidden 16, 4 heads of 4, FFN 24; weights N(0, 0.02²) are too small to test much, so scaled up. */
    private static final EncoderConfig SMALL = EncoderConfig.builder().setVocabSize(50).setHiddenSize(16)
            .setNumLayers(3).setNumHeads(4).setIntermediateSize(24).optMaxPositions(20).optDropout(0f).build();
    private static final int L = 3;
    private static final int H = 16;
    private static final int A = 4;
    private static final int D = 4;
    private static final int F = 24;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** A random teacher with a 3-class head, weights N(0, 0.3²), LayerNorm gains around 1, then {@code edit}. */
    private Encoder teacher(long seed, Consumer<Map<String, float[]>> edit) {
        Encoder shapeOnly = new Encoder(SMALL, Pooling.CLS, new ClassificationHead(SMALL, List.of("a", "b", "c"), false));
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapeOnly.namedParameters().forEach((name, p) -> {
            float[] v = new float[Math.toIntExact(p.getShape().size())];
            for (int i = 0; i < v.length; i++) {
                double g = (r.nextDouble() - 0.5) * 2 * Math.sqrt(3) * 0.3; // uniform, std 0.3
                v[i] = (float) (name.endsWith("LayerNorm.weight") ? 1 + g : g);
            }
            values.put(name, v);
            shapes.put(name, p.getShape().getShape());
        });
        edit.accept(values);
        Map<String, TensorData> state = new LinkedHashMap<>();
        values.forEach((name, v) -> state.put(name, TensorData.ofFloats(shapes.get(name), v)));
        shapeOnly.loadState(manager, state, true);
        return shapeOnly;
    }

    /** Random token batches with some padding (lengths vary per row). */
    private List<TokenBatch> batches(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TokenBatch> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int b = 3;
            int t = 9;
            long[] ids = new long[b * t];
            long[] mask = new long[b * t];
            for (int i = 0; i < b; i++) {
                int len = 4 + r.nextInt(t - 3);
                for (int j = 0; j < len; j++) {
                    ids[i * t + j] = 1 + r.nextInt(49);
                    mask[i * t + j] = 1;
                }
            }
            out.add(new TokenBatch(manager.create(ids, new Shape(b, t)), manager.create(mask, new Shape(b, t)),
                    null, null, 0));
        }
        return out;
    }

    private CalibrationStats stats(Encoder teacher) {
        try (CalibrationStats.Accumulator acc = new CalibrationStats.Accumulator(teacher, manager)) {
            batches(7, 3).forEach(acc::add);
            return acc.finish();
        }
    }

    private static void assertSameOutputs(ModelOutputs expected, ModelOutputs actual, float tol) {
        assertArrayEquals(expected.lastHiddenState().toFloatArray(), actual.lastHiddenState().toFloatArray(), tol);
        assertArrayEquals(expected.pooled().toFloatArray(), actual.pooled().toFloatArray(), tol);
        assertArrayEquals(expected.logits().toFloatArray(), actual.logits().toFloatArray(), tol);
    }

    private static int[] allBut(int n, int dropped) {
        return IntStream.range(0, n).filter(i -> i != dropped).toArray();
    }

    @Test
    void pruningToTheTeachersShapeReproducesTheTeacher() {
        Encoder teacher = teacher(1, v -> {});
        CalibrationStats stats = stats(teacher);
        for (LayerSelection sel : LayerSelection.values()) {
            PrunePlan plan = PrunePlan.select(stats, PruneTarget.sameAs(SMALL), ImportanceScore.ACTIVATION, sel);
            Encoder student = Pruner.apply(teacher, plan, manager);
            assertEquals(SMALL, student.config());
            for (TokenBatch b : batches(11, 2)) {
                ModelOutputs t = teacher.forward(b, false);
                ModelOutputs s = student.forward(b, false);
                for (int l = 0; l <= L; l++) {
                    assertArrayEquals(t.hiddenStates().get(l).toFloatArray(), s.hiddenStates().get(l).toFloatArray(), 0f);
                }
                assertSameOutputs(t, s, 0f);
            }
        }
    }

    @Test
    void ffnNeuronsWithZeroOutputWeightsAreTheOnesDroppedAndChangeNothing() {
        int[] zeroed = {5, 0, 23}; // one neuron per layer
        Encoder teacher = teacher(2, v -> {
            for (int l = 0; l < L; l++) {
                float[] w = v.get("encoder.layer." + l + ".output.dense.weight"); // (H, F)
                for (int row = 0; row < H; row++) {
                    w[row * F + zeroed[l]] = 0f;
                }
            }
        });
        CalibrationStats stats = stats(teacher);
        PrunePlan plan = PrunePlan.select(stats, new PruneTarget(L, H, A, 0, F - 1), ImportanceScore.CONTRIBUTION,
                LayerSelection.BLOCK_INFLUENCE);
        for (int l = 0; l < L; l++) {
            assertArrayEquals(allBut(F, zeroed[l]), plan.neurons()[l], "layer " + l);
        }
        Encoder student = Pruner.apply(teacher, plan, manager);
        assertEquals(F - 1, student.config().intermediateSize());
        for (TokenBatch b : batches(12, 2)) {
            assertSameOutputs(teacher.forward(b, false), student.forward(b, false), 1e-5f);
        }
    }

    @Test
    void headsWithZeroOutputProjectionAreTheOnesDroppedAndChangeNothing() {
        int[] zeroed = {2, 0, 3};
        Encoder teacher = teacher(3, v -> {
            for (int l = 0; l < L; l++) {
                float[] w = v.get("encoder.layer." + l + ".attention.output.dense.weight"); // (H, A·d)
                for (int row = 0; row < H; row++) {
                    for (int i = 0; i < D; i++) {
                        w[row * A * D + zeroed[l] * D + i] = 0f;
                    }
                }
            }
        });
        CalibrationStats stats = stats(teacher);
        // 3 heads do not divide 16, so the head size stays the teacher's 4 explicitly
        PrunePlan plan = PrunePlan.select(stats, new PruneTarget(L, H, A - 1, D, F), ImportanceScore.CONTRIBUTION,
                LayerSelection.BLOCK_INFLUENCE);
        for (int l = 0; l < L; l++) {
            assertArrayEquals(allBut(A, zeroed[l]), plan.heads()[l], "layer " + l);
        }
        Encoder student = Pruner.apply(teacher, plan, manager);
        for (TokenBatch b : batches(13, 2)) {
            ModelOutputs t = teacher.forward(b, false);
            ModelOutputs s = student.forward(b, false);
            assertSameOutputs(t, s, 1e-5f);
            // the kept heads' attention is the teacher's: student head k is teacher head plan.heads()[l][k]
            for (int l = 0; l < L; l++) {
                for (int k = 0; k < A - 1; k++) {
                    int th = plan.heads()[l][k];
                    assertArrayEquals(t.attentionProbs().get(l).get(":, " + th).toFloatArray(),
                            s.attentionProbs().get(l).get(":, " + k).toFloatArray(), 1e-6f);
                    assertArrayEquals(t.values().get(l).get(":, " + th).toFloatArray(),
                            s.values().get(l).get(":, " + k).toFloatArray(), 1e-6f);
                }
            }
        }
    }

    @Test
    void narrowerHeadsDropZeroDimensionsExactlyWithTheScaleCorrected() {
        int qkDim = 1; // zero in queries or keys: its q_i·k_i term vanishes
        int vDim = 3;  // zero value row and output column: nothing reads it
        Encoder teacher = teacher(4, v -> {
            for (int l = 0; l < L; l++) {
                String p = "encoder.layer." + l + ".attention.";
                for (int h = 0; h < A; h++) {
                    int qRow = h * D + qkDim;
                    // alternate between zero queries and zero keys for that dimension
                    String which = h % 2 == 0 ? "self.query" : "self.key";
                    java.util.Arrays.fill(v.get(p + which + ".weight"), qRow * H, (qRow + 1) * H, 0f);
                    v.get(p + which + ".bias")[qRow] = 0f;
                    int vRow = h * D + vDim;
                    java.util.Arrays.fill(v.get(p + "self.value.weight"), vRow * H, (vRow + 1) * H, 0f);
                    v.get(p + "self.value.bias")[vRow] = 0f;
                    float[] o = v.get(p + "output.dense.weight");
                    for (int row = 0; row < H; row++) {
                        o[row * A * D + vRow] = 0f;
                    }
                }
            }
        });
        CalibrationStats stats = stats(teacher);
        PrunePlan plan = PrunePlan.select(stats, new PruneTarget(L, H, A, D - 1, F), ImportanceScore.ACTIVATION,
                LayerSelection.UNIFORM);
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < A; h++) {
                assertArrayEquals(allBut(D, qkDim), plan.queryKeyDims()[l][h]);
                assertArrayEquals(allBut(D, vDim), plan.valueDims()[l][h]);
            }
        }
        Encoder student = Pruner.apply(teacher, plan, manager);
        assertEquals(D - 1, student.config().headSize());
        for (TokenBatch b : batches(14, 2)) {
            ModelOutputs t = teacher.forward(b, false);
            ModelOutputs s = student.forward(b, false);
            for (int l = 0; l < L; l++) {
                // scores on padded keys sit near -10000, where a float's spacing is 1e-3: compare probabilities
                assertArrayEquals(t.attentionProbs().get(l).toFloatArray(), s.attentionProbs().get(l).toFloatArray(),
                        1e-6f);
            }
            assertSameOutputs(t, s, 1e-5f);
        }
    }

    @Test
    void aLayerThatDoesNothingHasNoBlockInfluenceAndIsDroppedWithoutChange() {
        // Layer 1 with zero output projections and unit LayerNorms maps its (already normalised) input to itself.
        Encoder teacher = teacher(5, v -> {
            for (String s : new String[] {"attention.output.dense", "output.dense"}) {
                java.util.Arrays.fill(v.get("encoder.layer.1." + s + ".weight"), 0f);
                java.util.Arrays.fill(v.get("encoder.layer.1." + s + ".bias"), 0f);
            }
            for (String s : new String[] {"embeddings.LayerNorm", "encoder.layer.0.output.LayerNorm",
                    "encoder.layer.1.attention.output.LayerNorm", "encoder.layer.1.output.LayerNorm"}) {
                java.util.Arrays.fill(v.get(s + ".weight"), 1f);
                java.util.Arrays.fill(v.get(s + ".bias"), 0f);
            }
        });
        CalibrationStats stats = stats(teacher);
        double[] bi = stats.blockInfluence();
        assertEquals(0.0, bi[1], 1e-6);
        assertTrue(bi[0] > 0.01 && bi[2] > 0.01, java.util.Arrays.toString(bi));
        PrunePlan plan = PrunePlan.select(stats, new PruneTarget(2, H, A, 0, F), ImportanceScore.CONTRIBUTION,
                LayerSelection.BLOCK_INFLUENCE);
        assertArrayEquals(new int[] {0, 2}, plan.layers());
        // one layer: plain Block Influence takes the larger of layers 0 and 2; keep-last must take 2
        PruneTarget oneLayer = new PruneTarget(1, H, A, 0, F);
        int larger = bi[0] > bi[2] ? 0 : 2;
        assertArrayEquals(new int[] {larger}, PrunePlan.select(stats, oneLayer, ImportanceScore.CONTRIBUTION,
                LayerSelection.BLOCK_INFLUENCE).layers());
        assertArrayEquals(new int[] {2}, PrunePlan.select(stats, oneLayer, ImportanceScore.CONTRIBUTION,
                LayerSelection.BLOCK_INFLUENCE_KEEP_LAST).layers());
        assertArrayEquals(new int[] {0, 2}, PrunePlan.select(stats, new PruneTarget(2, H, A, 0, F),
                ImportanceScore.CONTRIBUTION, LayerSelection.BLOCK_INFLUENCE_KEEP_LAST).layers());
        Encoder student = Pruner.apply(teacher, plan, manager);
        for (TokenBatch b : batches(15, 2)) {
            assertSameOutputs(teacher.forward(b, false), student.forward(b, false), 1e-4f);
        }
        // and the student's layer 1 is the teacher's layer 2, tensor by tensor
        teacher.namedParameters().forEach((name, p) -> {
            if (name.startsWith("encoder.layer.2.")) {
                String studentName = "encoder.layer.1." + name.substring("encoder.layer.2.".length());
                assertArrayEquals(p.getArray().toFloatArray(),
                        student.namedParameters().get(studentName).getArray().toFloatArray(), 0f, studentName);
            }
        });
    }

    @Test
    void channelsThatAreZeroInEveryLayerNormAreDroppedAndEveryTensorIsSlicedOnTheKeptOnes() {
        int dropped = 6;
        Encoder teacher = teacher(6, v -> v.forEach((name, w) -> {
            if (name.endsWith("LayerNorm.weight") || name.endsWith("LayerNorm.bias")) {
                w[dropped] = 0f;
            }
        }));
        CalibrationStats stats = stats(teacher);
        assertEquals(0.0, stats.channelAbs()[dropped], 0.0);
        PrunePlan plan = PrunePlan.selectWithLayers(stats, new PruneTarget(2, 12, 3, 0, 10),
                ImportanceScore.CONTRIBUTION, new int[] {1, 2});
        assertTrue(IntStream.of(plan.channels()).noneMatch(c -> c == dropped));
        Encoder student = Pruner.apply(teacher, plan, manager);
        assertEquals(12 / 3, student.config().headSize());
        int[] c = plan.channels();
        Map<String, float[]> t = new LinkedHashMap<>();
        teacher.namedParameters().forEach((n, p) -> t.put(n, p.getArray().toFloatArray()));
        Map<String, float[]> s = new LinkedHashMap<>();
        student.namedParameters().forEach((n, p) -> s.put(n, p.getArray().toFloatArray()));
        // word embeddings (V, H): column j of the student is column c[j] of the teacher
        for (int tok = 0; tok < 50; tok++) {
            for (int j = 0; j < c.length; j++) {
                assertEquals(t.get("embeddings.word_embeddings.weight")[tok * H + c[j]],
                        s.get("embeddings.word_embeddings.weight")[tok * 12 + j], 0f);
            }
        }
        for (int sl = 0; sl < 2; sl++) {
            int tl = plan.layers()[sl];
            String tp = "encoder.layer." + tl + ".";
            String sp = "encoder.layer." + sl + ".";
            int sd = 4;
            for (int k = 0; k < 3; k++) {
                for (int i = 0; i < sd; i++) {
                    int tRowQ = plan.heads()[sl][k] * D + plan.queryKeyDims()[sl][k][i];
                    int tRowV = plan.heads()[sl][k] * D + plan.valueDims()[sl][k][i];
                    int sRow = k * sd + i;
                    for (int j = 0; j < c.length; j++) {
                        // query rows are rescaled by sqrt(d'/d) = 1 here (head size unchanged)
                        assertEquals(t.get(tp + "attention.self.query.weight")[tRowQ * H + c[j]],
                                s.get(sp + "attention.self.query.weight")[sRow * 12 + j], 0f);
                        assertEquals(t.get(tp + "attention.self.key.weight")[tRowQ * H + c[j]],
                                s.get(sp + "attention.self.key.weight")[sRow * 12 + j], 0f);
                        assertEquals(t.get(tp + "attention.self.value.weight")[tRowV * H + c[j]],
                                s.get(sp + "attention.self.value.weight")[sRow * 12 + j], 0f);
                        assertEquals(t.get(tp + "attention.output.dense.weight")[c[j] * A * D + tRowV],
                                s.get(sp + "attention.output.dense.weight")[j * 12 + sRow], 0f);
                    }
                }
            }
            for (int n = 0; n < 10; n++) {
                int tn = plan.neurons()[sl][n];
                assertEquals(t.get(tp + "intermediate.dense.bias")[tn], s.get(sp + "intermediate.dense.bias")[n], 0f);
                for (int j = 0; j < c.length; j++) {
                    assertEquals(t.get(tp + "intermediate.dense.weight")[tn * H + c[j]],
                            s.get(sp + "intermediate.dense.weight")[n * 12 + j], 0f);
                    assertEquals(t.get(tp + "output.dense.weight")[c[j] * F + tn],
                            s.get(sp + "output.dense.weight")[j * 10 + n], 0f);
                }
            }
            for (int j = 0; j < c.length; j++) {
                assertEquals(t.get(tp + "output.LayerNorm.weight")[c[j]], s.get(sp + "output.LayerNorm.weight")[j], 0f);
            }
        }
        for (int j = 0; j < c.length; j++) {
            for (int k = 0; k < c.length; k++) {
                assertEquals(t.get("pooler.dense.weight")[c[j] * H + c[k]], s.get("pooler.dense.weight")[j * 12 + k], 0f);
            }
            for (int cls = 0; cls < 3; cls++) {
                assertEquals(t.get("classifier.weight")[cls * H + c[j]], s.get("classifier.weight")[cls * 12 + j], 0f);
            }
        }
        assertArrayEquals(t.get("classifier.bias"), s.get("classifier.bias"), 0f);
        // the pruned student runs
        TokenBatch b = batches(16, 1).get(0);
        assertEquals(new Shape(3, 9, 12), student.forward(b, false).lastHiddenState().getShape());
    }

    @Test
    void theOriginRecordsLayersAndChannelsAndItsSelectionMapsTheStudentBackOntoTheTeacher(@TempDir Path dir)
            throws IOException {
        int dropped = 6;
        Encoder teacher = teacher(6, v -> v.forEach((name, w) -> {
            if (name.endsWith("LayerNorm.weight") || name.endsWith("LayerNorm.bias")) {
                w[dropped] = 0f;
            }
        }));
        PrunePlan plan = PrunePlan.selectWithLayers(stats(teacher), new PruneTarget(2, 12, 3, 0, 10),
                ImportanceScore.CONTRIBUTION, new int[] {0, 2});
        Encoder student = Pruner.apply(teacher, plan, manager);
        PruneOrigin origin = new Pruner.Result(student, plan, null, ImportanceScore.CONTRIBUTION).origin();
        assertArrayEquals(new int[] {0, 2}, origin.layers());
        assertArrayEquals(plan.channels(), origin.channels());
        // W·e_student = e_teacher on the kept channels, 0 on the dropped ones, for every word embedding
        float[] w = origin.selectionMatrix();
        float[] te = teacher.namedParameters().get("embeddings.word_embeddings.weight").getArray().toFloatArray();
        float[] se = student.namedParameters().get("embeddings.word_embeddings.weight").getArray().toFloatArray();
        java.util.Set<Integer> kept = new java.util.HashSet<>();
        IntStream.of(plan.channels()).forEach(kept::add);
        for (int tok = 0; tok < 50; tok++) {
            for (int o = 0; o < H; o++) {
                float y = 0;
                for (int i = 0; i < 12; i++) {
                    y += w[o * 12 + i] * se[tok * 12 + i];
                }
                assertEquals(kept.contains(o) ? te[tok * H + o] : 0f, y, 0f, "token " + tok + " channel " + o);
            }
        }
        assertTrue(PruneOrigin.read(dir).isEmpty());
        origin.write(dir);
        assertEquals(origin, PruneOrigin.read(dir).orElseThrow());
        Files.writeString(dir.resolve(PruneOrigin.FILE), "{\"teacher_layers\": 3, \"teacher_hidden\": 16}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PruneOrigin.read(dir));
        assertTrue(e.getMessage().contains(PruneOrigin.FILE) && e.getMessage().contains("kept_layers"), e.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> new PruneOrigin(3, 16, new int[] {0, 3}, plan.channels()));
        assertTrue(range.getMessage().contains("index 3") && range.getMessage().contains("[0, 3)"), range.getMessage());
    }

    @Test
    void impossibleShapesAreRefusedNamingTheValueAndTheLimit() {
        assertMessage(new PruneTarget(4, 16, 4, 0, 24), "layers (4)", "teacher's (3)");
        assertMessage(new PruneTarget(3, 20, 4, 0, 24), "hidden (20)", "teacher's (16)");
        assertMessage(new PruneTarget(3, 16, 5, 0, 24), "heads (5)", "teacher's (4)");
        assertMessage(new PruneTarget(3, 16, 4, 0, 30), "ffn (30)", "teacher's (24)");
        assertMessage(new PruneTarget(3, 14, 4, 0, 24), "hidden (14) must be divisible by heads (4)", "--head-size");
        assertMessage(new PruneTarget(3, 16, 2, 0, 24), "head size (8 = hidden 16 / heads 2)", "teacher's head size (4)");
        assertMessage(new PruneTarget(3, 16, 4, 6, 24), "head size (6)", "teacher's head size (4)");
        assertMessage(new PruneTarget(0, 16, 4, 0, 24), "layers (0)", "at least 1");
    }

    private static void assertMessage(PruneTarget target, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> target.studentConfig(SMALL));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
        }
    }
}
