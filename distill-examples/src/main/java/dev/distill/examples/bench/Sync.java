package dev.distill.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Waits for the device: reads one element of an array back to the host. On a GPU, kernels are
 * queued and a timer read right after an op returns measures only the launch; the copy of one
 * element is queued behind everything issued before it on the stream, so reading it waits for
 * all of that work. On the CPU (PyTorch's CPU ops are synchronous) it costs almost nothing.
 *
 * <p>Only the benchmark does this, between phases; the trainer never reads the device inside a
 * step.
 */
final class Sync {

    private Sync() {}

    /** Reads one element of {@code a}; temporaries go to {@code a}'s manager. */
    static void on(NDArray a) {
        NDArray one = a.reshape(-1).get(0);
        if (one.getDataType() != DataType.FLOAT32) {
            one = one.toType(DataType.FLOAT32, false);
        }
        one.toFloatArray();
    }

    /**
     * Reads one element of {@code param}'s gradient: the wrapper DJL creates for the gradient
     * (on the parameter's manager) is moved to {@code scope}, so nothing accumulates.
     */
    static void onGradient(NDArray param, NDManager scope) {
        NDArray g = param.getGradient();
        g.attach(scope);
        on(g);
    }
}
