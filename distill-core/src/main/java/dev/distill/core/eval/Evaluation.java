package dev.distill.core.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one evaluation measured: named metrics, and which of them decides "better" (the primary
 * metric, used for best-checkpoint tracking and early stopping) with its direction.
 *
 * @param metrics values by name, in insertion order
 * @param primary the name of the deciding metric; must be a key of {@code metrics}
 * @param direction whether larger or smaller values of the primary metric are better
 */
public record Evaluation(Map<String, Double> metrics, String primary, Direction direction) {

    /** Which way a metric improves. */
    public enum Direction {
        /** Larger values are better (accuracy, F1, Spearman). */
        HIGHER_IS_BETTER,
        /** Smaller values are better (loss, perplexity). */
        LOWER_IS_BETTER;

        /**
         * Whether {@code candidate} is strictly better than {@code incumbent} (NaN never is).
         *
         * @param candidate the new value
         * @param incumbent the best so far; NaN when there is none yet
         * @return true if the candidate should replace the incumbent
         */
        public boolean isBetter(double candidate, double incumbent) {
            if (Double.isNaN(candidate)) {
                return false;
            }
            if (Double.isNaN(incumbent)) {
                return true;
            }
            return this == HIGHER_IS_BETTER ? candidate > incumbent : candidate < incumbent;
        }
    }

    /**
     * Checks the primary metric is among the metrics and copies them.
     *
     * @param metrics values by name
     * @param primary the name of the deciding metric
     * @param direction the direction of the primary metric
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code primary} is not a key of {@code metrics}
     */
    public Evaluation {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(primary, "primary");
        Objects.requireNonNull(direction, "direction");
        if (!metrics.containsKey(primary)) {
            throw new IllegalArgumentException("primary metric '" + primary + "' is not among the metrics "
                    + metrics.keySet() + "; name one of them");
        }
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /**
     * A single-metric evaluation.
     *
     * @param name the metric's name
     * @param value its value
     * @param direction which way it improves
     * @return the evaluation, with {@code name} as its primary metric
     */
    public static Evaluation of(String name, double value, Direction direction) {
        return new Evaluation(Map.of(name, value), name, direction);
    }

    /**
     * The primary metric's value.
     *
     * @return the value, possibly NaN
     */
    public double primaryValue() {
        return metrics.get(primary);
    }
}
