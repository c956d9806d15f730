package dev.distill.core.optim;

/**
 * η(t) = {@code learningRate} for every t.
 *
 * @param learningRate finite, ≥ 0
 */
public record ConstantSchedule(float learningRate) implements LearningRateSchedule {

    /**
     * Checks the arguments.
     *
     * @param learningRate finite, &ge; 0
     * @throws IllegalArgumentException if one is out of range
     */
    public ConstantSchedule {
        LearningRateSchedule.checkPeak(learningRate);
    }

    @Override
    public float at(long step) {
        LearningRateSchedule.checkStep(step);
        return learningRate;
    }
}
