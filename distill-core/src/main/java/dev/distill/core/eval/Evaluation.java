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
        HIGHER_IS_BETTER,
        LOWER_IS_BETTER;

        /** Whether {@code candidate} is strictly better than {@code incumbent} (NaN never is). */
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

    /** A single-metric evaluation. */
    public static Evaluation of(String name, double value, Direction direction) {
        return new Evaluation(Map.of(name, value), name, direction);
    }

    /** The primary metric's value. */
    public double primaryValue() {
        return metrics.get(primary);
    }
}
