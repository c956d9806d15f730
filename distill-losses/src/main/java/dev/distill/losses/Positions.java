package dev.distill.losses;

/**
 * Which sequence positions a per-token loss counts.
 */
public enum Positions {
    /** Every position, padding included. */
    ALL,
    /** Positions whose {@code attentionMask} is 1. */
    REAL_TOKENS,
    /**
     * Positions whose masked-LM label is not {@link dev.distill.core.data.TokenBatch#IGNORE_INDEX}:
     * only the masked tokens, as DistilBERT computes its soft-target loss. Needs (B, T) labels.
     */
    LABELLED_TOKENS
}
