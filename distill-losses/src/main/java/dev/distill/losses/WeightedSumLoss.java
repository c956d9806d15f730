package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelDims;
import dev.distill.core.Scalars;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A weighted sum of losses, L = Σ_i w_i · L_i: α·S + β·D (student loss plus distillation loss, Hinton et al.
 * 2015), DistilBERT's
 * 5·L_ce + 2·L_mlm + 1·L_cos (Sanh et al. 2019), or TinyBERT's sum of embedding, hidden, attention
 * and prediction losses (Jiao et al. 2020, eq. 11).
 *
 * <p>Every component is reported unweighted under its name; a component that reports several
 * terms (e.g. one per mapped layer) also reports them as {@code name/term}. {@link #initialize}
 * and {@link #trainableParameters()} reach every component, and parameter names must be unique
 * across components.
 */
public final class WeightedSumLoss implements DistillationLoss {

    /**
     * One weighted component.
     *
     * @param name the name the component's unweighted value is reported under
     * @param weight w &ge; 0
     * @param loss the component
     */
    public record Component(String name, double weight, DistillationLoss loss) {}

    private final List<Component> components;

    private WeightedSumLoss(List<Component> components) {
        this.components = List.copyOf(components);
    }

    /** {@return an empty builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the components in the order they were added (immutable)} */
    public List<Component> components() {
        return components;
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray total = null;
        for (Component c : components) {
            LossOutput out = c.loss().compute(ctx);
            terms.put(c.name(), out.total());
            if (out.terms().size() > 1) {
                for (Map.Entry<String, NDArray> e : out.terms().entrySet()) {
                    terms.put(c.name() + "/" + e.getKey(), e.getValue());
                }
            }
            NDArray weighted = Scalars.mul(out.total(), (float) c.weight());
            total = total == null ? weighted : total.add(weighted);
        }
        return new LossOutput(total, terms);
    }

    @Override
    public void initialize(NDManager manager, ModelDims teacher, ModelDims student) {
        for (Component c : components) {
            c.loss().initialize(manager, teacher, student);
        }
        trainableParameters(); // fails fast on clashing parameter names
    }

    @Override
    public List<Parameter> trainableParameters() {
        List<Parameter> all = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Component c : components) {
            for (Parameter p : c.loss().trainableParameters()) {
                if (!seen.add(p.getName())) {
                    throw new IllegalStateException("two components of the weighted sum own a parameter named '"
                            + p.getName() + "' (second one in component '" + c.name()
                            + "'); give the losses distinct names (optName) so their parameters differ");
                }
                all.add(p);
            }
        }
        return all;
    }

    /** Builds a {@link WeightedSumLoss}; components keep the order they were added in. */
    public static final class Builder {
        private final List<Component> components = new ArrayList<>();

        /**
         * Adds w·L reported as {@code name}.
         *
         * @param name the reported name of this component, unique in the sum; not null
         * @param weight w, finite and &ge; 0
         * @param loss the component; not null
         * @return this builder
         * @throws IllegalArgumentException when w is negative or not finite, or the name is taken
         */
        public Builder add(String name, double weight, DistillationLoss loss) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(loss, "loss");
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight of '" + name + "' (" + weight
                        + ") must be finite and >= 0");
            }
            for (Component c : components) {
                if (c.name().equals(name)) {
                    throw new IllegalArgumentException("a component named '" + name
                            + "' was already added; every term needs its own name");
                }
            }
            components.add(new Component(name, weight, loss));
            return this;
        }

        /**
         * Builds the sum.
         *
         * @return the loss
         * @throws IllegalArgumentException if no component was added
         */
        public WeightedSumLoss build() {
            if (components.isEmpty()) {
                throw new IllegalArgumentException("a weighted sum needs at least one component; call add(name, weight, loss)");
            }
            return new WeightedSumLoss(components);
        }
    }
}
