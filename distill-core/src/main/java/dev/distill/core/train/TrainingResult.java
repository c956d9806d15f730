package dev.distill.core.train;

import dev.distill.core.eval.Evaluation;
import java.nio.file.Path;

/**
 * How a {@link DistillationTrainer#fit} session ended.
 *
 * @param step updates done in the whole run
 * @param totalSteps updates planned
 * @param stoppedEarly whether early stopping ended the run
 * @param stopRequested whether {@link DistillationTrainer#requestStop()} ended the session (resume
 *     later to finish)
 * @param lastEvaluation the latest evaluation, or null
 * @param bestValue the best primary metric so far (NaN without evaluations)
 * @param bestStep its step (-1 without evaluations)
 * @param lastCheckpoint the newest checkpoint directory
 * @param bestCheckpoint the checkpoint holding the best evaluation, or null
 * @param resumedFrom the checkpoint this session resumed from, or null
 * @param alreadyFinished whether the directory held a finished run, so this session trained nothing
 *     (the model holds that run's final weights)
 */
public record TrainingResult(long step, long totalSteps, boolean stoppedEarly, boolean stopRequested,
        Evaluation lastEvaluation, double bestValue, long bestStep, Path lastCheckpoint, Path bestCheckpoint,
        Path resumedFrom, boolean alreadyFinished) {

    /**
     * Whether every planned step was done (false after early stopping or a stop request).
     *
     * @return {@code step == totalSteps}
     */
    public boolean completed() {
        return step == totalSteps;
    }
}
