package dev.distill.core.eval;

import dev.distill.core.train.TrainableModel;

/**
 * Measures the student during training. The trainer calls it every {@code evalInterval} steps
 * and at the end, with no {@code GradientCollector} open; the student runs with
 * {@code training = false}. {@link Evaluators} provides accuracy, span F1/EM, STS Spearman and
 * masked-LM perplexity.
 */
@FunctionalInterface
public interface Evaluator {

    /**
     * Evaluates the student.
     *
     * @param student the model being trained, in its current state
     * @return the metrics and which one decides "better"
     */
    Evaluation evaluate(TrainableModel student);
}
