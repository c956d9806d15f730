package dev.distill.core.loss;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelDims;
import java.util.List;

/**
 * A loss that compares what the teacher and the student produced at one step.
 *
 * <p>Implementations are stateless apart from trainable parameters they own, such as the
 * projection W that maps a narrower student's hidden states to the teacher's width (TinyBERT).
 * Such parameters are created in {@link #initialize} and returned by
 * {@link #trainableParameters()}: the trainer optimises and checkpoints them with the student and
 * drops them at export.
 */
@FunctionalInterface
public interface DistillationLoss {

    /**
     * Computes the loss for one step; every term is reported by name.
     *
     * @param ctx the batch, the teacher's and the student's outputs, the step and a manager for
     *        temporaries
     * @return the total, a scalar in the autograd graph, and its named terms
     */
    LossOutput compute(StepContext ctx);

    /**
     * Called once before training, so a loss can validate sizes and create parameters.
     *
     * @param manager where parameters live (the student's manager and device)
     * @param teacher the teacher's sizes
     * @param student the student's sizes
     */
    default void initialize(NDManager manager, ModelDims teacher, ModelDims student) {}

    /**
     * Parameters this loss trains alongside the student (names unique within the loss).
     *
     * @return the parameters, created by {@link #initialize}; empty by default
     */
    default List<Parameter> trainableParameters() {
        return List.of();
    }
}
