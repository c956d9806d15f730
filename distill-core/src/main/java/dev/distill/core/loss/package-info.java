/**
 * The loss contract: a {@link dev.distill.core.loss.DistillationLoss} computes a
 * {@link dev.distill.core.loss.LossOutput} (a scalar total and its named terms) from one
 * {@link dev.distill.core.loss.StepContext} (the batch, the teacher's and the student's outputs,
 * the step and a manager for temporaries). The losses themselves live in {@code distill-losses}.
 */
package dev.distill.core.loss;
