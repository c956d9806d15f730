package dev.distill.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a Java constant that is safe under autograd.
 *
 * <p>Why this exists: in DJL 0.35.1 (PyTorch engine, CPU) {@code x.mul(2f)}, {@code div},
 * {@code pow}, {@code maximum}, {@code minimum} and their in-place forms with a {@link Number}
 * wrap the number with {@code manager.create(n)}, a {@code from_blob} tensor over a direct
 * {@code ByteBuffer} that only the Java wrapper keeps alive, and close that wrapper as soon as
 * the op returns. When {@code x} requires a gradient, PyTorch's autograd saves the 0-d tensor
 * for the backward pass ({@code MulBackward0} computes ∂(x·c)/∂x = c from it, {@code
 * DivBackward0} 1/c, {@code PowBackward1} and {@code MaximumBackward0} likewise). Once the JVM
 * collects the buffer, backward reads freed memory: the forward value (and the loss) is right,
 * the gradient is garbage — 0, NaN or ±1e33 depending on what the allocator wrote there. Whether
 * it happens depends on when the garbage collector runs, so it is intermittent.
 *
 * <p>The constants made here come from {@code torch::full}: PyTorch owns their storage, so
 * whatever autograd saves stays valid however long the graph lives. Use these helpers (never
 * {@code NDArray.mul(Number)} and friends, nor a {@code manager.create(float)} scalar that is
 * closed before backward) wherever the array may be in an autograd graph. Additions and
 * subtractions of a constant are safe (their backward does not read the constant), as are ops
 * on arrays that never need a gradient, but using the helpers there too costs nothing.
 *
 * <p>The constant is a 0-d float32 array on the operand's manager and device, exactly the dtype
 * DJL's {@code create(float)} gives, so results are bit-identical to the {@code Number} forms:
 * a float16 or float32 operand keeps its dtype (a 0-d operand does not promote).
 */
public final class Scalars {

    private Scalars() {}

    /**
     * A 0-d float32 array holding {@code value}, natively owned, on {@code manager}.
     *
     * @param manager the owner (and device) of the array
     * @param value the constant
     * @return a new 0-d array
     */
    public static NDArray of(NDManager manager, float value) {
        return manager.full(new Shape(), value, DataType.FLOAT32);
    }

    /**
     * x · c.
     *
     * @param x any shape; may require a gradient
     * @param c the constant
     * @return a new array of x's shape and dtype, on x's manager
     */
    public static NDArray mul(NDArray x, float c) {
        try (NDArray s = of(x.getManager(), c)) {
            return x.mul(s);
        }
    }

    /**
     * x / c.
     *
     * @param x any shape; may require a gradient
     * @param c the constant
     * @return a new array of x's shape and dtype, on x's manager
     */
    public static NDArray div(NDArray x, float c) {
        try (NDArray s = of(x.getManager(), c)) {
            return x.div(s);
        }
    }

    /**
     * x^c, elementwise.
     *
     * @param x any shape; may require a gradient
     * @param c the constant
     * @return a new array of x's shape and dtype, on x's manager
     */
    public static NDArray pow(NDArray x, float c) {
        try (NDArray s = of(x.getManager(), c)) {
            return x.pow(s);
        }
    }

    /**
     * max(x, c), elementwise.
     *
     * @param x any shape; may require a gradient
     * @param c the constant
     * @return a new array of x's shape and dtype, on x's manager
     */
    public static NDArray maximum(NDArray x, float c) {
        try (NDArray s = of(x.getManager(), c)) {
            return x.maximum(s);
        }
    }

    /**
     * min(x, c), elementwise.
     *
     * @param x any shape; may require a gradient
     * @param c the constant
     * @return a new array of x's shape and dtype, on x's manager
     */
    public static NDArray minimum(NDArray x, float c) {
        try (NDArray s = of(x.getManager(), c)) {
            return x.minimum(s);
        }
    }

    /**
     * x ← x · c, in place; returns x.
     *
     * @param x any shape; must not be a leaf that requires a gradient while autograd records
     * @param c the constant
     * @return {@code x} itself
     */
    public static NDArray muli(NDArray x, float c) {
        try (NDArray s = of(x.getManager(), c)) {
            return x.muli(s);
        }
    }
}
