package dev.distill.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;

/**
 * The machine's practical FLOP/s: the median time of an (n × n)·(n × n) float32 product, the
 * best-tuned operation a BLAS or cuBLAS has, after one warm-up product. A step's achieved
 * FLOP/s over this number is how much of the reachable speed the step uses.
 */
final class MatmulPeak {

    private MatmulPeak() {}

    /** The result line, with {@code flops_per_s}. */
    static JsonObject measure(NDManager parent, int n, int reps) {
        if (n < 1 || reps < 1) {
            throw new IllegalArgumentException("--matmul-size (" + n + ") and its repetitions (" + reps
                    + ") must be positive");
        }
        double[] seconds = new double[reps];
        try (NDManager m = parent.newSubManager()) {
            NDArray a = m.randomNormal(0f, 1f, new Shape(n, n), DataType.FLOAT32);
            NDArray b = m.randomNormal(0f, 1f, new Shape(n, n), DataType.FLOAT32);
            Sync.on(b);
            for (int i = -1; i < reps; i++) {
                try (NDManager rep = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.attach(rep);
                    Sync.on(c);
                    if (i >= 0) {
                        seconds[i] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
        }
        double median = Stats.median(seconds);
        JsonObject o = new JsonObject();
        o.addProperty("bench", "matmul");
        o.addProperty("n", n);
        o.addProperty("dtype", "float32");
        o.addProperty("repetitions", reps);
        o.addProperty("seconds_median", median);
        o.addProperty("seconds_min", Stats.min(seconds));
        o.addProperty("flops", Flops.squareMatmul(n));
        o.addProperty("flops_per_s", Flops.squareMatmul(n) / median);
        return o;
    }
}
