/**
 * The distillation trainer: {@link dev.distill.core.train.DistillationTrainer} (a final
 * {@code fit} loop with protected hooks), {@link dev.distill.core.train.TrainingListener}s,
 * {@link dev.distill.core.train.TrainerConfig}, the model contracts
 * {@link dev.distill.core.train.FrozenTeacher} and {@link dev.distill.core.train.TrainableModel},
 * and the checkpoint layout ({@link dev.distill.core.train.Checkpoint}). See {@code docs/trainer.md}.
 */
package dev.distill.core.train;
