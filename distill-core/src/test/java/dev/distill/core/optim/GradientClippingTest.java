package dev.distill.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-derived cases; the PyTorch comparison over ten steps is in {@link AdamWTest} (fixture
 * run "linear_clip", where half the steps clip).
 */
class GradientClippingTest {

    /** ‖(3, 4, 12)‖ = 13; c = 6.5 halves every gradient (up to the 1e-6 in the denominator). */
    @Test
    void scalesEveryGradientByTheSameFactor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray g1 = manager.create(new float[] {3f, 4f});
            NDArray g2 = manager.create(new float[] {12f}, new Shape(1, 1));
            NDArray norm = GradientClipping.clipGlobalNorm(manager, List.of(g1, g2), 6.5f);
            assertEquals(13f, norm.getFloat(), 1e-6f);
            assertEquals(new Shape(), norm.getShape());
            float f = (float) (6.5 / (13 + 1e-6));
            assertArrayEquals(new float[] {3f * f, 4f * f}, g1.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {12f * f}, g2.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void leavesSmallGradientsUnchanged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray g = manager.create(new float[] {0.3f, -0.4f});
            NDArray norm = GradientClipping.clipGlobalNorm(manager, List.of(g), 1f);
            assertEquals(0.5f, norm.getFloat(), 1e-7f);
            assertArrayEquals(new float[] {0.3f, -0.4f}, g.toFloatArray(), 0f);
        }
    }

    @Test
    void zeroGradientsStayZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray g = manager.zeros(new Shape(3));
            assertEquals(0f, GradientClipping.clipGlobalNorm(manager, List.of(g), 1f).getFloat());
            assertArrayEquals(new float[3], g.toFloatArray(), 0f);
        }
    }

    @Test
    void clipsParameterGradientsInPlace() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.create(new float[] {1f, 1f});
            p.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                gc.backward(manager.create(new float[] {6f, 8f}).mul(p).sum());
            }
            NDArray norm = GradientClipping.clipParameterGradients(manager, List.of(p), 5f);
            assertEquals(10f, norm.getFloat(), 1e-6f);
            try (NDArray g = p.getGradient()) {
                assertArrayEquals(new float[] {3f, 4f}, g.toFloatArray(), 1e-5f);
            }
        }
    }

    @Test
    void badArgumentsAreRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray g = manager.ones(new Shape(2));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> GradientClipping.clipGlobalNorm(manager, List.of(g), 0f)).getMessage().contains("maxNorm (0.0)"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> GradientClipping.clipGlobalNorm(manager, List.of(), 1f)).getMessage().contains("no gradients"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> GradientClipping.clipParameterGradients(manager, List.of(g), 1f)).getMessage().contains("frozen"));
        }
    }
}
