package dev.distill.core.loss;

import ai.djl.ndarray.NDArray;
import dev.distill.core.Scalars;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A loss value and the named terms it was made of, so every term is logged by name.
 *
 * @param total the scalar that is back-propagated
 * @param terms scalar terms by name, in the order they were added; for a weighted sum these
 *     are the unweighted terms, so a log shows what each loss measured
 */
public record LossOutput(NDArray total, Map<String, NDArray> terms) {

    /**
     * Copies the terms.
     *
     * @param total the scalar that is back-propagated; not null
     * @param terms scalar terms by name; copied in order
     * @throws NullPointerException if {@code total} or {@code terms} is null
     */
    public LossOutput {
        Objects.requireNonNull(total, "total");
        terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /**
     * A loss with a single term named {@code name}.
     *
     * @param name the term's name
     * @param value the scalar loss
     * @return a loss whose total is {@code value}
     */
    public static LossOutput of(String name, NDArray value) {
        return new LossOutput(value, Map.of(name, value));
    }

    /**
     * This loss plus {@code weight · term}: the total grows by the weighted term and the term is
     * reported unweighted under {@code name}. The way a trainer subclass adds its own term to the
     * library losses ({@code super.computeLoss(ctx).plus("mine", 0.5, mine)}).
     *
     * @param name the new term's name, not already taken
     * @param weight finite and at least 0
     * @param term a scalar in the same autograd graph as the total
     * @return a new output: total + weight · term, the terms with {@code name} added
     * @throws IllegalArgumentException when the name is taken, the weight is negative or not
     *     finite, or the term is not a scalar
     */
    public LossOutput plus(String name, double weight, NDArray term) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(term, "term");
        if (terms.containsKey(name)) {
            throw new IllegalArgumentException("a term named '" + name + "' is already in this loss " + terms.keySet()
                    + "; give your term another name");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of '" + name + "' (" + weight + ") must be finite and >= 0");
        }
        if (term.getShape().size() != 1) {
            throw new IllegalArgumentException("term '" + name + "' must be a scalar, got shape " + term.getShape()
                    + "; reduce it (mean or sum) first");
        }
        Map<String, NDArray> all = new LinkedHashMap<>(terms);
        all.put(name, term);
        NDArray weighted = weight == 1 ? term : Scalars.mul(term, (float) weight);
        return new LossOutput(total.add(weighted), all);
    }
}
