package dev.distill.core.optim;

import java.util.Locale;
import java.util.Objects;

/**
 * Decides, by parameter name, whether a parameter gets weight decay. {@link AdamW} puts every
 * parameter for which {@link #decays(String)} is {@code true} in the decay group and the rest in
 * the no-decay group (weight decay 0).
 *
 * <p>Decaying biases and normalisation gains pulls them towards 0, which has no regularising
 * value (they do not multiply inputs in a way that overfits) and shrinks LayerNorm's output
 * scale. BERT's original optimiser and Hugging Face's {@code Trainer} therefore exclude them.
 */
@FunctionalInterface
public interface WeightDecayRule {

    /**
     * Whether the parameter called {@code name} is decayed.
     *
     * @param name the parameter's name
     * @return true if it gets weight decay
     */
    boolean decays(String name);

    /**
     * The default rule, by Hugging Face parameter naming: no decay for
     *
     * <ul>
     *   <li>biases: the name ends with {@code bias} ({@code dense.bias}, {@code dense_bias});
     *   <li>LayerNorm parameters: the name contains {@code LayerNorm}, {@code layer_norm} or
     *       {@code layernorm} (any case), as in BERT's {@code attention.output.LayerNorm.weight}
     *       and T5's {@code layer_norm.weight};
     *   <li>GPT-style norms: a dot-separated segment starting with {@code ln} ({@code ln_1},
     *       {@code ln_f}, {@code ln}), as in {@code h.0.ln_1.weight};
     *   <li>DJL's own norm parameters, whose names end with {@code gamma} or {@code beta}.
     * </ul>
     *
     * Everything else (Linear and embedding weights) is decayed. Override with
     * {@link AdamW.Builder#optWeightDecayRule(WeightDecayRule)} when a model names things
     * differently.
     *
     * @return the rule, a singleton
     */
    static WeightDecayRule huggingFace() {
        return HuggingFaceRule.INSTANCE;
    }

    /**
     * Decays every parameter (what {@code torch.optim.AdamW(model.parameters())} does).
     *
     * @return the rule
     */
    static WeightDecayRule all() {
        return name -> true;
    }

    /** The default rule ({@link #huggingFace()}) as a named singleton, so it prints readably. */
    final class HuggingFaceRule implements WeightDecayRule {
        static final HuggingFaceRule INSTANCE = new HuggingFaceRule();

        private HuggingFaceRule() {}

        @Override
        public boolean decays(String name) {
            Objects.requireNonNull(name, "name");
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.endsWith("bias") || lower.endsWith("gamma") || lower.endsWith("beta")) {
                return false;
            }
            if (lower.contains("layernorm") || lower.contains("layer_norm")) {
                return false;
            }
            for (String segment : lower.split("\\.")) {
                if (segment.startsWith("ln")) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return "WeightDecayRule.huggingFace()";
        }
    }
}
