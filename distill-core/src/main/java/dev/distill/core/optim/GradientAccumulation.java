package dev.distill.core.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.Scalars;

/**
 * Gradient accumulation: k micro-batches, one optimizer update.
 *
 * <p>DJL never zeroes gradients, so several {@code backward} calls between two {@link
 * AdamW#step(float)} calls add up. If the loss is a mean over the examples of a batch, the
 * gradient of the full batch B = B₁ ∪ … ∪ B_k (equal sizes) is
 *
 * <pre>
 *   ∇ (1/|B|) Σ_{x∈B} ℓ(x)  =  Σ_j ∇ [ (1/k) · (1/|B_j|) Σ_{x∈B_j} ℓ(x) ]
 * </pre>
 *
 * so backpropagating each micro-batch's mean loss multiplied by 1/k, then stepping once, is the
 * same update as one step on the full batch (up to float rounding, and exactly so only for
 * losses that are means over independent examples; batch-level statistics differ). The loop:
 *
 * <pre>{@code
 * GradientAccumulation acc = new GradientAccumulation(k);
 * for (long i = 0; ; i++) {                       // i counts micro-batches
 *     try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *         gc.backward(acc.scaleLoss(microBatchLoss));
 *     }
 *     if (acc.isLastMicroBatch(i)) {
 *         opt.clipGradientNorm(stepManager, maxNorm); // clip the accumulated gradient
 *         opt.step(schedule.at(opt.stepCount()));   // schedules count updates, not micro-batches
 *         opt.zeroGradients();
 *     }
 * }
 * }</pre>
 *
 * @see AdamW
 */
public final class GradientAccumulation {

    private final int microBatches;

    /**
     * @param microBatches k ≥ 1 backward passes per optimizer update (1: no accumulation)
     */
    public GradientAccumulation(int microBatches) {
        if (microBatches < 1) {
            throw new IllegalArgumentException("microBatches (" + microBatches
                    + ") must be >= 1; use 1 for no gradient accumulation");
        }
        this.microBatches = microBatches;
    }

    /** {@return k, the micro-batches per optimizer update} */
    public int microBatches() {
        return microBatches;
    }

    /**
     * {@code loss · (1/k)}, a new array on the loss's manager and device, still in the autograd
     * graph. The factor is a host scalar, so this does not wait for the device.
     *
     * @param loss a scalar loss of one micro-batch
     * @return loss / k
     */
    public NDArray scaleLoss(NDArray loss) {
        // A natively owned constant: autograd saves it for backward, after this method returns.
        try (NDManager host = loss.getManager().newSubManager(Device.cpu())) {
            return loss.mul(Scalars.of(host, 1f / microBatches));
        }
    }

    /**
     * Whether micro-batch {@code microBatchIndex} (0-based, counted over the whole run)
     * completes an accumulation, i.e. the optimizer should step after its backward.
     *
     * @param microBatchIndex &ge; 0
     * @return true for indices k−1, 2k−1, …
     * @throws IllegalArgumentException if the index is negative
     */
    public boolean isLastMicroBatch(long microBatchIndex) {
        if (microBatchIndex < 0) {
            throw new IllegalArgumentException("microBatchIndex (" + microBatchIndex + ") must be >= 0");
        }
        return (microBatchIndex + 1) % microBatches == 0;
    }
}
