package dev.distill.losses;

/**
 * What a head's logits are distributions over, which fixes the softmax axis of a soft-target
 * loss (see {@link dev.distill.core.ModelOutputs#logits()} for the head shapes).
 */
public enum LogitsLayout {
    /** (B, C): one distribution over C classes per example (sequence classification). */
    CLASSES,
    /** (B, T, V): one distribution over the V-token vocabulary per position (masked LM). */
    TOKENS,
    /**
     * (B, T, 2): span QA, two distributions over the T positions per example, start logits in
     * {@code [..., 0]} and end logits in {@code [..., 1]}.
     */
    SPAN
}
