package dev.distill.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Two PyTorch-engine functions that DJL's engine-neutral API lacks, reached by reflection
 * because the engine is only a runtime dependency of this module. Both are looked up once; on
 * another engine (or if DJL renames them) the fallbacks below apply.
 *
 * <ul>
 *   <li>{@code JniUtils.zeroGrad(PtNDArray)}: {@code param.grad.zero_()}, what DJL's own Adam
 *       calls after an update. The API's only way, {@code g -= g} (used by DJL's {@code
 *       GradientCollector.zeroGradients}), leaves NaN and ±∞ entries NaN, so one overflowing
 *       micro-batch would poison every later step even if the trainer skipped it.
 *   <li>{@code JniUtils.isGradMode()}: whether autograd records (a {@code GradientCollector} is
 *       open). In-place updates of a parameter then fail half-way through a step; checking first
 *       fails before any state changed.
 * </ul>
 */
final class PyTorchHooks {

    private static final MethodHandle ZERO_GRAD;
    private static final MethodHandle IS_GRAD_MODE;

    static {
        MethodHandle zero = null;
        MethodHandle mode = null;
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            Class<?> ptArray = Class.forName("ai.djl.pytorch.engine.PtNDArray");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            zero = lookup.findStatic(jni, "zeroGrad", MethodType.methodType(void.class, ptArray));
            mode = lookup.findStatic(jni, "isGradMode", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            // not the PyTorch engine: fallbacks
        }
        ZERO_GRAD = zero;
        IS_GRAD_MODE = mode;
    }

    private PyTorchHooks() {}

    /**
     * Sets {@code param}'s gradient to 0 in place; any wrapper it creates is attached to {@code
     * scope}.
     */
    static void zeroGradient(NDArray param, NDManager scope) {
        if (ZERO_GRAD != null && ZERO_GRAD.type().parameterType(0).isInstance(param)) {
            try {
                ZERO_GRAD.invoke(param);
                return;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("zeroing the gradient failed", t);
            }
        }
        NDArray g = param.getGradient();
        g.attach(scope);
        g.subi(g);
    }

    /** Whether autograd is recording; {@code false} when it cannot be told (other engines). */
    static boolean isRecording() {
        if (IS_GRAD_MODE == null) {
            return false;
        }
        try {
            return (boolean) IS_GRAD_MODE.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reading PyTorch's grad mode failed", t);
        }
    }
}
