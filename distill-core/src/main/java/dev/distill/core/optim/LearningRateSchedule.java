package dev.distill.core.optim;

/**
 * The learning rate as a function of the optimizer step: {@code at(t)} is the rate for the
 * update that follows t completed updates (t = {@link AdamW#stepCount()}), so the first update
 * uses {@code at(0)}. This is how Hugging Face's schedules (a {@code LambdaLR} stepped after
 * every {@code optimizer.step()}) behave; with warm-up the first update therefore has rate 0.
 *
 * <p>Implementations are pure functions of t (no state to checkpoint: the step counter is
 * enough) and compute in double precision on the host.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * The learning rate for the update after {@code step} completed updates.
     *
     * @param step ≥ 0
     * @return η for that update, finite and &ge; 0
     * @throws IllegalArgumentException if {@code step} is negative
     */
    float at(long step);

    /**
     * The same rate at every step.
     *
     * @param learningRate η, finite and &ge; 0
     * @return the schedule
     * @throws IllegalArgumentException if η is negative or not finite
     */
    static LearningRateSchedule constant(float learningRate) {
        return new ConstantSchedule(learningRate);
    }

    /**
     * Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then linear decay to 0 at
     * {@code totalSteps} (Hugging Face {@code get_linear_schedule_with_warmup}).
     *
     * @param peak the rate at the end of the warm-up, finite and &ge; 0
     * @param warmupSteps W, in [0, T]
     * @param totalSteps T, &gt; 0
     * @return the schedule
     * @throws IllegalArgumentException if the peak is negative or not finite, or the steps break
     *         0 &le; W &le; T, T &gt; 0
     */
    static LearningRateSchedule linearWarmupLinearDecay(float peak, long warmupSteps, long totalSteps) {
        return new WarmupLinearSchedule(peak, warmupSteps, totalSteps);
    }

    /**
     * Linear warm-up from 0 to {@code peak} over {@code warmupSteps}, then half a cosine down to
     * 0 at {@code totalSteps} (Hugging Face {@code get_cosine_schedule_with_warmup} with its
     * default {@code num_cycles=0.5}).
     *
     * @param peak the rate at the end of the warm-up, finite and &ge; 0
     * @param warmupSteps W, in [0, T]
     * @param totalSteps T, &gt; 0
     * @return the schedule
     * @throws IllegalArgumentException if the peak is negative or not finite, or the steps break
     *         0 &le; W &le; T, T &gt; 0
     */
    static LearningRateSchedule linearWarmupCosineDecay(float peak, long warmupSteps, long totalSteps) {
        return new WarmupCosineSchedule(peak, warmupSteps, totalSteps, 0.5);
    }

    /**
     * As {@link #linearWarmupCosineDecay(float, long, long)} with {@code numCycles} cosine periods.
     *
     * @param peak the rate at the end of the warm-up, finite and &ge; 0
     * @param warmupSteps W, in [0, T]
     * @param totalSteps T, &gt; 0
     * @param numCycles k, finite and &gt; 0
     * @return the schedule
     * @throws IllegalArgumentException if the peak is negative or not finite, or the steps break
     *         0 &le; W &le; T, T &gt; 0, or k is not finite and positive
     */
    static LearningRateSchedule linearWarmupCosineDecay(float peak, long warmupSteps, long totalSteps,
            double numCycles) {
        return new WarmupCosineSchedule(peak, warmupSteps, totalSteps, numCycles);
    }

    /**
     * Shared argument checks, with the value, the rule and the fix in each message.
     *
     * @param peak the peak rate
     * @throws IllegalArgumentException if it is negative or not finite
     */
    static void checkPeak(float peak) {
        if (!Float.isFinite(peak) || peak < 0f) {
            throw new IllegalArgumentException("learning rate (" + peak
                    + ") must be finite and >= 0; typical peaks are 1e-5 to 1e-3");
        }
    }

    /**
     * Checks the step counts of a warm-up schedule.
     *
     * @param warmupSteps W
     * @param totalSteps T
     * @throws IllegalArgumentException unless T &gt; 0 and 0 &le; W &le; T
     */
    static void checkSteps(long warmupSteps, long totalSteps) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("totalSteps (" + totalSteps
                    + ") must be > 0; pass the number of optimizer updates of the whole run");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps (" + warmupSteps
                    + ") must be >= 0; use 0 for no warm-up");
        }
        if (warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warmupSteps (" + warmupSteps
                    + ") must not exceed totalSteps (" + totalSteps
                    + "); shorten the warm-up (often 6-10% of the total) or train longer");
        }
    }

    /**
     * Checks the argument of {@link #at(long)}.
     *
     * @param step t
     * @throws IllegalArgumentException if t &lt; 0
     */
    static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step (" + step + ") must be >= 0");
        }
    }
}
