package dev.distill.core.loss;

import ai.djl.ndarray.NDManager;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;

/**
 * What a loss sees at one training step. Hooks take this one object, so fields can be added
 * without breaking subclasses (the lesson of Hugging Face {@code Trainer.compute_loss}).
 *
 * @param teacher the frozen teacher's outputs (no gradient), or the same contract replayed from
 *     the teacher-output cache
 * @param student the student's outputs, part of the autograd graph
 * @param batch the inputs, masks and labels both models saw
 * @param step the optimiser step this batch counts towards (0-based)
 * @param manager the step's sub-manager: create temporaries here, they are closed after the step
 */
public record StepContext(
        ModelOutputs teacher, ModelOutputs student, TokenBatch batch, long step, NDManager manager) {}
