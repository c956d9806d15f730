package dev.distill.core.optim;

/**
 * Linear warm-up then linear decay to zero, Hugging Face's {@code
 * get_linear_schedule_with_warmup} (transformers/optimization.py). With W = {@code warmupSteps}
 * and T = {@code totalSteps}:
 *
 * <pre>
 *   η(t) = peak · t / max(1, W)                     for t &lt; W
 *   η(t) = peak · max(0, (T − t) / max(1, T − W))   for t ≥ W
 * </pre>
 *
 * so η(0) = 0 when W &gt; 0, η(W) = peak and η(t) = 0 for t ≥ T.
 *
 * @param peak the rate reached at the end of the warm-up; finite, ≥ 0
 * @param warmupSteps W, in [0, T]
 * @param totalSteps T, &gt; 0: the number of optimizer updates of the run
 */
public record WarmupLinearSchedule(float peak, long warmupSteps, long totalSteps)
        implements LearningRateSchedule {

    /**
     * Checks the arguments.
     *
     * @param peak the rate reached at the end of the warm-up; finite, &ge; 0
     * @param warmupSteps W, in [0, T]
     * @param totalSteps T, &gt; 0
     * @throws IllegalArgumentException if one is out of range
     */
    public WarmupLinearSchedule {
        LearningRateSchedule.checkPeak(peak);
        LearningRateSchedule.checkSteps(warmupSteps, totalSteps);
    }

    @Override
    public float at(long step) {
        LearningRateSchedule.checkStep(step);
        double factor;
        if (step < warmupSteps) {
            factor = (double) step / Math.max(1L, warmupSteps);
        } else {
            factor = Math.max(0.0, (double) (totalSteps - step) / Math.max(1L, totalSteps - warmupSteps));
        }
        return (float) (peak * factor);
    }
}
