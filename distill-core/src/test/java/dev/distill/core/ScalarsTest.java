package dev.distill.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The constants of {@link Scalars} must survive until backward. Between forward and backward the
 * test forces garbage collections and allocates many small direct buffers, so a constant whose
 * storage was a collected Java buffer would be read from freed (and overwritten) memory. With
 * DJL's own {@code x.mul(0.25f)} this gives NaN or 2e-38 instead of 0.25 on every run here.
 * Expected gradients are derived by hand.
 */
class ScalarsTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Collects garbage (so Cleaners free collected direct buffers), then reuses that memory. */
    static List<ByteBuffer> churn() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        List<ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 8) * 4);
            b.putFloat(0, 1e30f);
            keep.add(b);
        }
        return keep;
    }

    private float[] gradient(UnaryOperator<NDArray> f, float... x0) throws InterruptedException {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(x0);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x).sum();
                List<ByteBuffer> garbage = churn();
                gc.backward(y);
                garbage.clear();
            }
            return x.getGradient().toFloatArray();
        }
    }

    @Test
    void gradientsSurviveGarbageCollectionBeforeBackward() throws InterruptedException {
        for (int trial = 0; trial < 3; trial++) {
            // d(0.25x)/dx = 0.25; d(x/4)/dx = 0.25; d(x³)/dx = 3x²
            assertArrayEquals(new float[] {0.25f, 0.25f}, gradient(x -> Scalars.mul(x, 0.25f), 1f, 2f));
            assertArrayEquals(new float[] {0.25f, 0.25f}, gradient(x -> Scalars.div(x, 4f), 1f, 2f));
            assertArrayEquals(new float[] {3f, 12f}, gradient(x -> Scalars.pow(x, 3f), 1f, 2f), 1e-5f);
            // max(x, 1.5) passes the gradient where x > 1.5; min(x, 1.5) where x < 1.5
            assertArrayEquals(new float[] {0f, 1f}, gradient(x -> Scalars.maximum(x, 1.5f), 1f, 2f));
            assertArrayEquals(new float[] {1f, 0f}, gradient(x -> Scalars.minimum(x, 1.5f), 1f, 2f));
            // in place on a non-leaf: d(3·(2x))/dx = 6
            assertArrayEquals(new float[] {6f, 6f}, gradient(x -> Scalars.muli(Scalars.mul(x, 2f), 3f), 1f, 2f));
        }
    }

    @Test
    void constantIsNativelyOwnedFloat32OnTheManager() {
        NDArray c = Scalars.of(manager, 0.1f);
        assertEquals(new Shape(), c.getShape());
        assertEquals(DataType.FLOAT32, c.getDataType());
        assertEquals(0.1f, c.getFloat());
        assertEquals(manager.getDevice(), c.getDevice());
    }

    @Test
    void dtypeIsKeptLikeDjlNumberOps() {
        NDArray h = manager.create(new float[] {1f, 3f}).toType(DataType.FLOAT16, false);
        assertEquals(DataType.FLOAT16, Scalars.mul(h, 0.5f).getDataType());
        NDArray x = manager.create(new float[] {1f, 3f});
        assertArrayEquals(x.mul(0.1f).toFloatArray(), Scalars.mul(x, 0.1f).toFloatArray());
        assertArrayEquals(x.div(3f).toFloatArray(), Scalars.div(x, 3f).toFloatArray());
    }
}
