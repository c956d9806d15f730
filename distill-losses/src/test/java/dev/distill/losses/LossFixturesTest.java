package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.distill.core.loss.LossOutput;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss against PyTorch: value within 1e-5 and input gradients (student arrays and the
 * projection W) within 1e-4, computed by the Java code in float32 on the fixture's float32
 * inputs; the references were computed in float64 on the same values.
 */
class LossFixturesTest extends FixtureTestBase {

    static final double VALUE_TOL = 1e-5;
    static final double GRAD_TOL = 1e-4;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(Fixtures.Case c) {
        try (NDManager m = root.newSubManager()) {
            Fixtures.Prepared f = Fixtures.prepared(all, c, DataType.FLOAT32, m);
            LossOutput out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out = f.loss().compute(f.ctx());
                gc.backward(out.total());
            }
            double expected = all.get(c.name() + "/loss").getDouble();
            double actual = out.total().toType(DataType.FLOAT64, false).getDouble();
            assertEquals(expected, actual, VALUE_TOL, c.name() + " value");
            assertEquals(0, out.total().getShape().dimension(), "the total is a scalar");
            for (NDArray term : out.terms().values()) {
                assertEquals(0, term.getShape().dimension(), "every term is a scalar");
            }
            for (String key : c.grads()) {
                double[] want = all.get(c.name() + "/grad/" + key).toDoubleArray();
                double[] got = f.targets().get(key).getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
                assertEquals(want.length, got.length, key);
                double worst = 0;
                int at = -1;
                for (int i = 0; i < want.length; i++) {
                    double d = Math.abs(want[i] - got[i]);
                    if (d > worst) {
                        worst = d;
                        at = i;
                    }
                }
                if (worst > GRAD_TOL) {
                    fail(c.name() + " gradient of " + key + " differs by " + worst + " at flat index " + at
                            + ": PyTorch " + want[at] + ", Java " + got[at]);
                }
            }
            out.terms().forEach((k, v) -> assertEquals(DataType.FLOAT32, v.getDataType(), c.name() + " term " + k + " dtype"));
            if (c.name().startsWith("weighted")) {
                assertTrue(out.terms().keySet().containsAll(java.util.List.of("ce", "mlm", "cos")), out.terms().keySet().toString());
                double sum = 5 * out.terms().get("ce").getFloat() + 2 * out.terms().get("mlm").getFloat()
                        + out.terms().get("cos").getFloat();
                assertEquals(actual, sum, 1e-4, "total = Σ w·term");
            }
        }
    }
}
