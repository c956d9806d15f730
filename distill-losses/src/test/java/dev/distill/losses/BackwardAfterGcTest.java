package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture loss in float32, backward run after forced garbage collections (and reuse of the
 * freed memory) must give the same gradients, bit for bit, as an undisturbed recomputation. A
 * constant that DJL makes over a Java buffer and autograd saves ({@code x.mul(float)},
 * {@code div(float)}: the T² factor, the temperature, the weights of a weighted sum, a mean's
 * count) would otherwise be read from freed memory.
 */
class BackwardAfterGcTest extends FixtureTestBase {

    private static List<ByteBuffer> churn() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(10);
        }
        List<ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 8) * 4);
            b.putFloat(0, 1e30f);
            keep.add(b);
        }
        return keep;
    }

    private static Map<String, float[]> gradients(Fixtures.Case c, boolean disturb) throws InterruptedException {
        try (NDManager m = root.newSubManager()) {
            // Copies: float32 fixtures come back as aliases, whose gradients would accumulate.
            Map<String, NDArray> in = new LinkedHashMap<>();
            Fixtures.inputs(all, c, DataType.FLOAT32).forEach((k, a) -> {
                NDArray copy = a.duplicate();
                copy.attach(m);
                in.put(k, copy);
            });
            Fixtures.Prepared f = Fixtures.prepared(c, in, DataType.FLOAT32, m);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray total = f.loss().compute(f.ctx()).total();
                List<ByteBuffer> garbage = disturb ? churn() : List.of();
                gc.backward(total);
                garbage.size();
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            f.targets().forEach((k, a) -> out.put(k, a.getGradient().toFloatArray()));
            return out;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsDoNotDependOnGarbageCollection(Fixtures.Case c) throws InterruptedException {
        Map<String, float[]> reference = gradients(c, false);
        Map<String, float[]> disturbed = gradients(c, true);
        for (Map.Entry<String, float[]> e : reference.entrySet()) {
            assertArrayEquals(e.getValue(), disturbed.get(e.getKey()),
                    c.name() + ": gradient of " + e.getKey() + " changed after a garbage collection");
        }
    }
}
