package dev.distill.core.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} (Pascanu et al., "On
 * the difficulty of training recurrent neural networks", 2013): with all gradients g₁…gₙ seen as
 * one vector,
 *
 * <pre>
 *   ‖g‖ = ‖ (‖g₁‖₂, …, ‖gₙ‖₂) ‖₂
 *   gᵢ ← gᵢ · min(1, c / (‖g‖ + 1e-6))        for every i
 * </pre>
 *
 * This keeps the gradient's direction, unlike DJL's {@code optClipGrad}, which clamps each
 * element separately.
 *
 * <p>No host synchronisation: the norm stays a device array, the factor is clamped on the device
 * and every gradient is multiplied by it in place, also when no clipping is needed (a branch on
 * the norm would need to read it). The caller reads the returned norm only when it logs.
 */
public final class GradientClipping {

    /** Added to the norm before dividing, as PyTorch does, so zero gradients stay finite. */
    public static final float NORM_EPS = 1e-6f;

    private GradientClipping() {}

    /**
     * Clips the gradients themselves.
     *
     * @param resultManager manager that will own the returned norm
     * @param gradients the gradient arrays (not the parameters), all on one device; scaled in
     *     place
     * @param maxNorm c, finite and &gt; 0
     * @return ‖g‖ before clipping, a 0-d float32 array on the gradients' device
     */
    public static NDArray clipGlobalNorm(NDManager resultManager, Collection<NDArray> gradients,
            float maxNorm) {
        Objects.requireNonNull(resultManager, "resultManager");
        Objects.requireNonNull(gradients, "gradients");
        checkMaxNorm(maxNorm);
        if (gradients.isEmpty()) {
            throw new IllegalArgumentException("no gradients to clip; pass the trainable "
                    + "parameters' gradients");
        }
        try (NDManager scope = resultManager.newSubManager()) {
            return clip(resultManager, scope, new ArrayList<>(gradients), maxNorm);
        }
    }

    /**
     * Clips the gradients of parameters ({@code p.getGradient()} of each).
     *
     * @param resultManager manager that will own the returned norm
     * @param parameters arrays that require a gradient, all on one device
     * @param maxNorm c, finite and &gt; 0
     * @return ‖g‖ before clipping, a 0-d float32 array on the parameters' device
     */
    public static NDArray clipParameterGradients(NDManager resultManager,
            Collection<NDArray> parameters, float maxNorm) {
        Objects.requireNonNull(resultManager, "resultManager");
        Objects.requireNonNull(parameters, "parameters");
        checkMaxNorm(maxNorm);
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("no parameters to clip; pass the trainable parameters");
        }
        try (NDManager scope = resultManager.newSubManager()) {
            List<NDArray> grads = new ArrayList<>(parameters.size());
            for (NDArray p : parameters) {
                if (!p.hasGradient()) {
                    throw new IllegalArgumentException("parameter " + describe(p)
                            + " has no gradient (frozen); pass only trainable parameters");
                }
                // A new handle on the parameter's manager: keep it in the scope.
                NDArray g = p.getGradient();
                g.attach(scope);
                grads.add(g);
            }
            return clip(resultManager, scope, grads, maxNorm);
        }
    }

    private static NDArray clip(NDManager resultManager, NDManager scope, List<NDArray> grads,
            float maxNorm) {
        Device device = grads.get(0).getDevice();
        NDList norms = new NDList(grads.size());
        for (NDArray g : grads) {
            if (!g.getDevice().equals(device)) {
                throw new IllegalArgumentException("gradients are on " + device + " and "
                        + g.getDevice() + "; global-norm clipping needs them on one device");
            }
            NDArray n = g.norm(); // ‖gᵢ‖₂ over all elements, 0-d
            n.attach(scope);
            norms.add(n);
        }
        NDArray stacked = NDArrays.stack(norms);
        stacked.attach(scope);
        NDArray total = stacked.norm();
        total.attach(resultManager);
        try (NDManager host = scope.newSubManager(Device.cpu())) {
            // Scalars as 0-d host tensors: PyTorch reads them on the host, no device copy.
            NDArray denom = total.add(host.create(NORM_EPS));
            denom.attach(scope);
            NDArray coef = host.create(maxNorm).div(denom).clip(0f, 1f);
            coef.attach(scope);
            for (NDArray g : grads) {
                g.muli(coef);
            }
        }
        return total;
    }

    private static void checkMaxNorm(float maxNorm) {
        if (!(maxNorm > 0f) || !Float.isFinite(maxNorm)) {
            throw new IllegalArgumentException("maxNorm (" + maxNorm + ") must be finite and > 0; "
                    + "1.0 is usual, or skip clipping altogether");
        }
    }

    private static String describe(NDArray p) {
        String name = p.getName();
        return (name == null ? "" : name + " ") + p.getShape();
    }
}
