package dev.distill.core.optim;

/**
 * Linear warm-up then cosine decay, Hugging Face's {@code get_cosine_schedule_with_warmup}
 * (transformers/optimization.py; the cosine is SGDR's, Loshchilov &amp; Hutter 2017). With W =
 * {@code warmupSteps}, T = {@code totalSteps} and k = {@code numCycles}:
 *
 * <pre>
 *   η(t) = peak · t / max(1, W)                               for t &lt; W
 *   p    = (t − W) / max(1, T − W)                             for t ≥ W
 *   η(t) = peak · max(0, ½ · (1 + cos(π · 2k · min(p, 1))))
 * </pre>
 *
 * With the default k = ½ the rate falls from peak at t = W to 0 at t = T. One deliberate
 * difference: Hugging Face does not clamp p, so past T its half-cosine climbs again; here p is
 * clamped to 1, so a run that overshoots T keeps the final rate instead of warming up again.
 * For t ≤ T both agree exactly.
 *
 * @param peak the rate reached at the end of the warm-up; finite, ≥ 0
 * @param warmupSteps W, in [0, T]
 * @param totalSteps T, &gt; 0: the number of optimizer updates of the run
 * @param numCycles k, finite and &gt; 0; ½ gives one monotone decay
 */
public record WarmupCosineSchedule(float peak, long warmupSteps, long totalSteps, double numCycles)
        implements LearningRateSchedule {

    /**
     * Checks the arguments.
     *
     * @param peak the rate reached at the end of the warm-up; finite, &ge; 0
     * @param warmupSteps W, in [0, T]
     * @param totalSteps T, &gt; 0
     * @param numCycles k, finite and &gt; 0
     * @throws IllegalArgumentException if one is out of range
     */
    public WarmupCosineSchedule {
        LearningRateSchedule.checkPeak(peak);
        LearningRateSchedule.checkSteps(warmupSteps, totalSteps);
        if (!(numCycles > 0.0) || !Double.isFinite(numCycles)) {
            throw new IllegalArgumentException("numCycles (" + numCycles
                    + ") must be finite and > 0; 0.5 decays once from peak to 0");
        }
    }

    @Override
    public float at(long step) {
        LearningRateSchedule.checkStep(step);
        if (step < warmupSteps) {
            return (float) (peak * ((double) step / Math.max(1L, warmupSteps)));
        }
        double progress = (double) (step - warmupSteps) / Math.max(1L, totalSteps - warmupSteps);
        progress = Math.min(progress, 1.0);
        double factor = Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress)));
        return (float) (peak * factor);
    }
}
