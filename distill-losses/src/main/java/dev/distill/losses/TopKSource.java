package dev.distill.losses;

import dev.distill.core.loss.StepContext;

/**
 * Where a {@link TopKSoftTargetLoss} gets the teacher's top-k targets for a step. A teacher-output
 * cache reader implements this (looking the batch up by its position in the data order); with a
 * live teacher, {@link #fromTeacherLogits(int)} takes them from the teacher's logits.
 */
@FunctionalInterface
public interface TopKSource {

    /**
     * The targets for the batch of {@code ctx}, shape (B, T, k) matching its student logits.
     *
     * @param ctx the step: its batch, and the teacher's outputs when a teacher runs
     * @return the targets, (B, T, k) with B and T those of the student's logits
     */
    TopKTargets targets(StepContext ctx);

    /**
     * The top-k of the live teacher's (B, T, V) logits at temperature 1.
     *
     * @param k the number of tokens kept per position, in [1, V]
     * @return a source whose {@code targets} throws {@link IllegalArgumentException} when the teacher
     *         outputs carry no logits or k is out of range
     */
    static TopKSource fromTeacherLogits(int k) {
        return ctx -> {
            if (ctx.teacher().logits() == null) {
                throw new IllegalArgumentException("TopKSource.fromTeacherLogits needs teacher logits, but the"
                        + " teacher outputs carry none (ModelOutputs.logits is null)");
            }
            return TopKTargets.fromLogits(ctx.teacher().logits(), k);
        };
    }
}
