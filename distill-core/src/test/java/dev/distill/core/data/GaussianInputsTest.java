package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class GaussianInputsTest {

    @Test
    void isotropicBatchHasTheRequestedMomentsAndIsReproducible() {
        try (NDManager m = NDManager.newBaseManager()) {
            GaussianInputs g = GaussianInputs.isotropic(64, 0.5, 2.0, 7);
            GaussianInputs.HiddenBatch b = g.batch(8, 32, 3, m);
            assertEquals(new Shape(8, 32, 64), b.hidden().getShape());
            float[] x = b.hidden().toFloatArray();
            double mean = 0;
            for (float v : x) {
                mean += v;
            }
            mean /= x.length;
            double var = 0;
            for (float v : x) {
                var += (v - mean) * (v - mean);
            }
            var /= x.length - 1;
            // n = 16,384: sd of the mean 2/128 = 0.016, of the variance ≈ 4·√(2/n) ≈ 0.044
            assertEquals(0.5, mean, 0.06);
            assertEquals(4.0, var, 0.2);
            assertArrayEquals(x, g.batch(8, 32, 3, m).hidden().toFloatArray());
            assertTrue(b.attentionMask().sum().getLong() == 8 * 32);
        }
    }

    @Test
    void matchingReproducesPerDimensionStatisticsOfRealTokensOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            // A "teacher sample" with dimension h ~ N(h, (h + 1)²), padding rows at 1000.
            int h = 4;
            GaussianInputs source = GaussianInputs.of(new float[] {0, 1, 2, 3}, new float[] {1, 2, 3, 4}, 1);
            GaussianInputs.HiddenBatch sample = source.batch(64, 40, 10, 0, m);
            NDArray mask = sample.attentionMask();
            NDArray poisoned = sample.hidden().add(mask.eq(0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                    .expandDims(2).mul(1000f));
            GaussianInputs fitted = GaussianInputs.matching(poisoned, mask, 2);
            for (int d = 0; d < h; d++) {
                assertEquals(d, fitted.mean()[d], 0.1 * (d + 1), "mean of dimension " + d);
                assertEquals(d + 1, fitted.std()[d], 0.06 * (d + 1), "std of dimension " + d);
            }
            GaussianInputs.HiddenBatch ragged = fitted.batch(16, 20, 5, 9, m);
            long[] lens = ragged.attentionMask().sum(new int[] {1}).toLongArray();
            for (long l : lens) {
                assertTrue(l >= 5 && l <= 20);
            }
        }
    }
}
