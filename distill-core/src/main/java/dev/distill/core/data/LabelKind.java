package dev.distill.core.data;

/** How {@link Collator} turns {@link TokenizedExample#label()} into {@link TokenBatch#labels()}. */
public enum LabelKind {
    /** No labels: {@code labels} is null. */
    NONE,
    /** Class ids, (B) int64. */
    CLASS,
    /** Regression targets such as an STS score, (B) float32. */
    SCORE,
    /** Span start and end token positions, (B, 2) int64. */
    SPAN
}
