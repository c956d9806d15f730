package dev.distill.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;

/**
 * The machine's practical FLOP/s: the time of an (n × n)·(n × n) float32 product, the best-tuned
 * operation a BLAS or cuBLAS has. A step's achieved FLOP/s over this number is how much of the
 * reachable speed the step uses.
 *
 * <p>On a shared machine the speed drifts with the other jobs, so {@link StepBench} times one
 * product after every step ({@link #sample()}) and divides by the median of those, measured
 * under the same load as the steps; {@link #measure} gives a standalone figure.
 */
final class MatmulPeak implements AutoCloseable {

    private final int n;
    private final NDManager manager;
    private final NDArray a;
    private final NDArray b;

    /** Allocates the two random operands and runs one untimed product. */
    MatmulPeak(NDManager parent, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--matmul-size (" + n + ") must be positive");
        }
        this.n = n;
        this.manager = parent.newSubManager();
        this.a = manager.randomNormal(0f, 1f, new Shape(n, n), DataType.FLOAT32);
        this.b = manager.randomNormal(0f, 1f, new Shape(n, n), DataType.FLOAT32);
        Sync.on(b);
        sample();
    }

    int n() {
        return n;
    }

    /** FLOPs of one product, 2·n³. */
    double flops() {
        return Flops.squareMatmul(n);
    }

    /** Seconds of one product, result read back. */
    double sample() {
        try (NDManager rep = manager.newSubManager()) {
            long t0 = System.nanoTime();
            NDArray c = a.matMul(b);
            c.attach(rep);
            Sync.on(c);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** The standalone result line, with {@code flops_per_s} from the median of {@code reps} products. */
    static JsonObject measure(NDManager parent, int n, int reps) {
        if (reps < 1) {
            throw new IllegalArgumentException("matmul repetitions (" + reps + ") must be positive");
        }
        try (MatmulPeak peak = new MatmulPeak(parent, n)) {
            double[] seconds = new double[reps];
            for (int i = 0; i < reps; i++) {
                seconds[i] = peak.sample();
            }
            double median = Stats.median(seconds);
            JsonObject o = new JsonObject();
            o.addProperty("bench", "matmul");
            o.addProperty("n", n);
            o.addProperty("dtype", "float32");
            o.addProperty("repetitions", reps);
            o.addProperty("seconds_median", median);
            o.addProperty("seconds_min", Stats.min(seconds));
            o.addProperty("flops", peak.flops());
            o.addProperty("flops_per_s", peak.flops() / median);
            return o;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
