package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.distill.core.loss.DistillationLoss;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Autograd gradients of every loss against central finite differences in float64, on the
 * fixture inputs: every student input and the projection W (and its bias). For each array a few
 * coordinates with a non-zero gradient and a few random ones (often in padding, where both must be
 * 0) are checked (up to 3 and 2): |(L(x + h) − L(x − h)) / 2h − ∂L/∂x| ≤ 1e−6·(1 + |∂L/∂x|), h = 1e−6.
 */
class FiniteDifferenceTest extends FixtureTestBase {

    private static final double H = 1e-6;
    private static final double TOL = 1e-6;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Fixtures.Case c) {
        try (NDManager m = root.newSubManager()) {
            Fixtures.Prepared f = Fixtures.prepared(all, c, DataType.FLOAT64, m);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(f.loss().compute(f.ctx()).total());
            }
            Map<String, double[]> analytic = new LinkedHashMap<>();
            f.targets().forEach((k, a) -> analytic.put(k, a.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()));
            Random rnd = new Random(c.name().hashCode());
            int checked = 0;
            for (Map.Entry<String, double[]> e : analytic.entrySet()) {
                String key = e.getKey();
                double[] g = e.getValue();
                double[] x0 = (key.startsWith("proj.") ? f.in().get(key) : f.targets().get(key)).toDoubleArray();
                for (int i : coordinates(g, rnd)) {
                    double plus = evaluate(f.loss(), f.in(), key, x0, i, H, m);
                    double minus = evaluate(f.loss(), f.in(), key, x0, i, -H, m);
                    double fd = (plus - minus) / (2 * H);
                    assertTrue(Math.abs(fd - g[i]) <= TOL * (1 + Math.abs(g[i])), c.name() + ": d/d" + key + "[" + i
                            + "] autograd " + g[i] + " vs finite difference " + fd);
                    checked++;
                }
                evaluate(f.loss(), f.in(), key, x0, 0, 0, m); // restore
            }
            assertTrue(checked > 0, "nothing was checked");
        }
    }

    /** Up to 3 coordinates with a non-zero gradient and 2 random ones. */
    private static List<Integer> coordinates(double[] g, Random rnd) {
        List<Integer> nonZero = new ArrayList<>();
        for (int i = 0; i < g.length; i++) {
            if (g[i] != 0) {
                nonZero.add(i);
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < 3 && !nonZero.isEmpty(); j++) {
            out.add(nonZero.remove(rnd.nextInt(nonZero.size())));
        }
        out.add(rnd.nextInt(g.length));
        out.add(rnd.nextInt(g.length));
        return out;
    }

    /** The loss with x0[i] + delta in array {@code key} (a student input or a projection). */
    private static double evaluate(DistillationLoss loss, Map<String, NDArray> in, String key, double[] x0, int i,
            double delta, NDManager m) {
        double[] x = x0.clone();
        x[i] += delta;
        try (NDManager step = m.newSubManager()) {
            NDArray a = step.create(x, in.get(key).getShape());
            Map<String, NDArray> perturbed = new LinkedHashMap<>(in);
            if (key.startsWith("proj.")) {
                for (HiddenStateLoss h : Fixtures.hiddenLosses(loss)) {
                    if (key.equals("proj.weight")) {
                        h.projection().setWeight(a);
                    } else {
                        h.projection().setBias(a);
                    }
                }
            } else {
                perturbed.put(key, a);
            }
            return loss.compute(Fixtures.context(perturbed, step)).total().getDouble();
        }
    }
}
