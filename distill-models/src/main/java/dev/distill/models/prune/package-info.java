/**
 * Structured pruning of a teacher into a narrower, shallower student: importance statistics
 * from calibration text ({@link dev.distill.models.prune.CalibrationStats}), the choice of kept
 * layers, heads, head dimensions, FFN neurons and hidden channels
 * ({@link dev.distill.models.prune.PrunePlan}), and consistent slicing of every tensor
 * ({@link dev.distill.models.prune.Pruner}). See {@code docs/pruning.md}.
 */
package dev.distill.models.prune;
