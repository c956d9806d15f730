package dev.distill.core.loss;

import ai.djl.ndarray.NDArray;
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
}
