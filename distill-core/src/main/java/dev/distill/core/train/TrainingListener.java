package dev.distill.core.train;

import dev.distill.core.eval.Evaluation;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Says <i>when</i> things happen during {@link DistillationTrainer#fit}; subclass the trainer to
 * change <i>what</i> happens. Every method has an empty default body, so a listener overrides
 * only what it needs and new events never break it. Listeners run on the training thread
 * between steps; a slow listener slows training. An exception from a listener stops the run.
 *
 * <p>The events are small immutable records holding host values only (no NDArrays), so a
 * listener can keep them.
 */
public interface TrainingListener {

    /**
     * Before the first step of a session (after resuming, if a checkpoint was found).
     *
     * @param event the session's settings and starting point
     */
    default void onFitStart(FitStart event) {}

    /**
     * After every optimizer step. Holds no loss values: reading them would wait for the device
     * every step; {@link #onLog} gets them every {@code logInterval} steps.
     *
     * @param event the step, its learning rate, tokens and time
     */
    default void onStepEnd(StepEnd event) {}

    /**
     * Every {@code logInterval} steps (and at checkpoints, evaluations and the end), with the losses.
     *
     * @param report the losses, gradient norm and throughput
     */
    default void onLog(StepReport report) {}

    /**
     * After each evaluation.
     *
     * @param event the evaluation and the best so far
     */
    default void onEvaluation(EvaluationEvent event) {}

    /**
     * After a checkpoint was written (atomically) and old ones were pruned.
     *
     * @param event where the checkpoint was written
     */
    default void onCheckpoint(CheckpointEvent event) {}

    /**
     * After the last step of the session, also when it stopped early or on request.
     *
     * @param result how the session ended
     */
    default void onFitEnd(TrainingResult result) {}

    /**
     * The start of a session.
     *
     * @param config the run's settings
     * @param startStep updates already done (0 for a fresh run)
     * @param totalSteps updates of the whole run
     * @param runDirectory the run directory
     * @param resumedFrom the checkpoint resumed from, or null
     */
    record FitStart(TrainerConfig config, long startStep, long totalSteps, Path runDirectory, Path resumedFrom) {}

    /**
     * One update finished.
     *
     * @param step updates done so far (1 after the first)
     * @param totalSteps updates of the whole run
     * @param learningRate the rate this update used
     * @param realTokens non-padding tokens in its batches
     * @param seconds wall time of the update (host time; the device may still be busy)
     */
    record StepEnd(long step, long totalSteps, float learningRate, long realTokens, double seconds) {}

    /**
     * The losses of one update, read from the device at a log point.
     *
     * @param step updates done (this report is about update {@code step})
     * @param totalSteps updates of the whole run
     * @param loss the total loss (mean over micro-batches)
     * @param terms each named term (mean over micro-batches), in the loss's order
     * @param learningRate the rate this update used
     * @param gradNorm the global gradient norm before clipping
     * @param tokensPerSecond real tokens per second since the previous log point
     * @param secondsPerStep mean wall time per update since the previous log point
     * @param etaSeconds estimated time to the last step
     */
    record StepReport(long step, long totalSteps, double loss, Map<String, Double> terms, float learningRate,
            double gradNorm, double tokensPerSecond, double secondsPerStep, double etaSeconds) {
        /**
         * Copies the terms.
         *
         * @param step updates done
         * @param totalSteps updates of the whole run
         * @param loss the total loss
         * @param terms each named term; copied in order
         * @param learningRate the rate this update used
         * @param gradNorm the gradient norm before clipping
         * @param tokensPerSecond throughput since the previous log point
         * @param secondsPerStep mean wall time per update
         * @param etaSeconds estimated time to the last step
         */
        public StepReport {
            terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
        }
    }

    /**
     * An evaluation at {@code step}.
     *
     * @param step updates done
     * @param evaluation what was measured
     * @param improved whether its primary metric is the best so far
     * @param bestValue the best primary value so far (this one if improved)
     * @param bestStep the step of the best value
     */
    record EvaluationEvent(long step, Evaluation evaluation, boolean improved, double bestValue, long bestStep) {}

    /**
     * A checkpoint written at {@code step}.
     *
     * @param directory {@code <run>/checkpoints/step-<step>}
     * @param best whether it holds the best evaluation so far
     */
    record CheckpointEvent(long step, Path directory, boolean best) {}
}
