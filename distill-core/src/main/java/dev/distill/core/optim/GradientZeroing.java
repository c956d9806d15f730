package dev.distill.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Zeroes a parameter's gradient in place.
 *
 * <p>DJL's API has no in-place zero: its own {@code GradientCollector.zeroGradients} computes
 * {@code g -= g}, which leaves NaN and ±∞ entries NaN, so one overflowing micro-batch would
 * poison every later step even if the trainer skips it. The PyTorch engine has the real {@code
 * grad.zero_()} as {@code ai.djl.pytorch.jni.JniUtils.zeroGrad(PtNDArray)} (what its own Adam
 * calls after an update), but the engine is a runtime dependency of this module, so it is
 * looked up once by reflection; on another engine the fallback is {@code g -= g}.
 */
final class GradientZeroing {

    private static final MethodHandle ZERO_GRAD = findZeroGrad();

    private GradientZeroing() {}

    /**
     * Sets {@code param}'s gradient to 0; any wrapper it creates is attached to {@code scope}.
     */
    static void zero(NDArray param, NDManager scope) {
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

    /** Whether the exact {@code grad.zero_()} is in use (the PyTorch engine is present). */
    static boolean usesNativeZero() {
        return ZERO_GRAD != null;
    }

    private static MethodHandle findZeroGrad() {
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            Class<?> ptArray = Class.forName("ai.djl.pytorch.engine.PtNDArray");
            return MethodHandles.publicLookup().findStatic(jni, "zeroGrad",
                    MethodType.methodType(void.class, ptArray));
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
