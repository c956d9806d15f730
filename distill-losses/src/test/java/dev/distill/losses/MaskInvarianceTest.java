package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.StepContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Masks exclude what they should: adding large noise to every teacher and student value at padded
 * positions (and, for losses over masked-LM targets, to the logits of unlabelled positions)
 * leaves the loss unchanged. The positions are found from the fixture's mask and labels, in this
 * test, along every sequence axis of every array (both query and key axes of attention scores).
 *
 * <p>So that no case passes vacuously, each case must perturb at least one value, and the same
 * amount of noise put at the positions the loss <b>does</b> read must change it. Losses over
 * pooled embeddings alone ({@code similarity_matrix}, {@code pooled_*}) have no sequence axis to
 * mask and are left out; their invariances are in {@link LossPropertiesTest}.
 */
class MaskInvarianceTest extends FixtureTestBase {

    /** Cases whose loss must ignore padding: everything except ALL positions and per-example heads. */
    static Stream<Fixtures.Case> maskedCases() {
        return Fixtures.cases().stream().filter(c -> {
            String n = c.name();
            return !(n.endsWith("_all") || n.startsWith("soft_classes") || n.startsWith("pooled")
                    || n.equals("similarity_matrix") || n.equals("hard_classification") || n.equals("hard_regression") || n.equals("hard_span"));
        });
    }

    static boolean usesLabelledPositions(Fixtures.Case c) {
        return c.name().contains("labelled") || c.name().equals("hard_masked_lm") || c.name().startsWith("weighted");
    }

    /** Which values {@link #perturbed} adds noise to. */
    enum Where { NOWHERE, EXCLUDED, KEPT }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maskedCases")
    void noiseAtExcludedPositionsChangesNothing(Fixtures.Case c) {
        double before = value(c, Where.NOWHERE);
        double after = value(c, Where.EXCLUDED);
        assertEquals(before, after, 1e-6 * Math.max(1, Math.abs(before)), c.name());
    }

    /** The check above cannot pass vacuously: the noise lands somewhere, and where it is read it is felt. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("maskedCases")
    void theNoiseTouchesExcludedValuesAndIsFeltAtKeptOnes(Fixtures.Case c) {
        try (NDManager m = root.newSubManager()) {
            Map<String, NDArray> in = Fixtures.inputs(all, c, DataType.FLOAT32);
            in.values().forEach(a -> a.attach(m));
            int[] count = new int[1];
            perturbed(in, usesLabelledPositions(c), new Random(7), Where.EXCLUDED, count);
            assertTrue(count[0] > 0, c.name() + ": no value at an excluded position was perturbed, so the"
                    + " invariance check cannot fail; give the case padded positions or leave it out");
        }
        assertNotEquals(value(c, Where.NOWHERE), value(c, Where.KEPT), 1e-3, c.name());
    }

    @Test
    void theNoiseIsFeltWhereNothingIsExcluded() {
        for (String name : List.of("soft_tokens_kl_T1_all", "soft_span_kl_T1_all", "hard_span")) {
            Fixtures.Case c = Fixtures.cases().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            assertNotEquals(value(c, Where.NOWHERE), value(c, Where.EXCLUDED), 1e-3, name);
        }
    }

    private double value(Fixtures.Case c, Where where) {
        try (NDManager m = root.newSubManager()) {
            Map<String, NDArray> in = Fixtures.inputs(all, c, DataType.FLOAT32);
            in.values().forEach(a -> a.attach(m));
            if (where != Where.NOWHERE) {
                in = perturbed(in, usesLabelledPositions(c), new Random(7), where, new int[1]);
            }
            DistillationLoss loss = Fixtures.loss(c, in, DataType.FLOAT32);
            StepContext ctx = Fixtures.context(in, m);
            Fixtures.prepare(loss, in, ctx, m, List.of());
            return loss.compute(ctx).total().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /** Adds N(0, 5²) noise to the values {@code where} says; counts them into {@code count[0]}. */
    private static Map<String, NDArray> perturbed(Map<String, NDArray> in, boolean labelled, Random rnd, Where where,
            int[] count) {
        long[] mask = in.get("mask").toLongArray();
        long[] labels = in.containsKey("labels") && in.get("labels").getShape().dimension() == 2
                ? in.get("labels").toLongArray() : null;
        int t = (int) in.get("mask").getShape().get(1);
        Map<String, NDArray> out = new LinkedHashMap<>(in);
        for (Map.Entry<String, NDArray> e : in.entrySet()) {
            String key = e.getKey();
            if (!(key.startsWith("student.") || key.startsWith("teacher.")) || key.endsWith("pooled")) {
                continue;
            }
            NDArray a = e.getValue();
            Shape s = a.getShape();
            boolean logits = key.endsWith("logits");
            int[] seqAxes = key.contains(".scores.") ? new int[] {2, 3}
                    : key.contains(".q.") || key.contains(".k.") || key.contains(".v.") ? new int[] {2}
                    : new int[] {1};
            float[] x = a.toFloatArray();
            long[] idx = new long[s.dimension()];
            for (int flat = 0; flat < x.length; flat++) {
                long rest = flat;
                for (int d = s.dimension() - 1; d >= 0; d--) {
                    idx[d] = rest % s.get(d);
                    rest /= s.get(d);
                }
                int b = (int) idx[0];
                boolean excluded = false;
                for (int axis : seqAxes) {
                    int pos = (int) idx[axis];
                    excluded |= mask[b * t + pos] == 0;
                    excluded |= labelled && logits && labels != null && labels[b * t + pos] == TokenBatch.IGNORE_INDEX;
                }
                if (excluded == (where == Where.EXCLUDED)) {
                    x[flat] += (float) (5 * rnd.nextGaussian());
                    count[0]++;
                }
            }
            out.put(key, a.getManager().create(x, s));
        }
        return out;
    }
}
