/**
 * The optimiser whose state the project owns, and what goes with it.
 *
 * <ul>
 *   <li>{@link dev.distill.core.optim.AdamW}: {@code torch.optim.AdamW}'s update, two groups
 *       (decay / no decay, chosen by a {@link dev.distill.core.optim.WeightDecayRule}), moments
 *       exported to and imported from {@code Map<String, TensorData>} for checkpoints.
 *   <li>{@link dev.distill.core.optim.LearningRateSchedule}: constant, and Hugging Face's linear
 *       and cosine schedules with linear warm-up; pure functions of the step counter.
 *   <li>{@link dev.distill.core.optim.GradientClipping}: {@code clip_grad_norm_} without reading
 *       the norm back to the host.
 *   <li>{@link dev.distill.core.optim.GradientAccumulation}: loss scaling by 1/k and the
 *       micro-batch arithmetic of accumulating k backward passes into one update.
 * </ul>
 *
 * <p>Performance contract of the training step: nothing here calls {@code toFloatArray} or
 * {@code getFloat}; parameters are updated in place; temporaries live in a sub-manager closed
 * at the end of the call; scalars are 0-d host tensors (on a GPU manager DJL would copy each
 * scalar to the device, a blocking transfer).
 *
 * <p>Golden values: {@code src/test/python/make_optim_fixtures.py} (PyTorch 1.13) writes
 * {@code src/test/resources/optim/optim_fixtures.json}.
 */
package dev.distill.core.optim;
