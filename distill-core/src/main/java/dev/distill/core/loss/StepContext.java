package dev.distill.core.loss;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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
 * @param trainedParameterIds the {@link Parameter#getId() ids} of every parameter the trainer
 *     optimises (the student's and the loss's), or {@code null} when unknown (a loss computed
 *     outside a trainer, as in tests); see {@link #requireTrained}
 */
public record StepContext(ModelOutputs teacher, ModelOutputs student, TokenBatch batch, long step,
        NDManager manager, Set<String> trainedParameterIds) {

    /**
     * A context that does not know what is trained ({@link #requireTrained} then checks nothing).
     *
     * @param teacher the frozen teacher's outputs
     * @param student the student's outputs
     * @param batch the inputs both models saw
     * @param step the optimiser step (0-based)
     * @param manager the step's sub-manager
     */
    public StepContext(ModelOutputs teacher, ModelOutputs student, TokenBatch batch, long step, NDManager manager) {
        this(teacher, student, batch, step, manager, null);
    }

    /**
     * Refuses a loss whose own trainable parameters (e.g. a projection W) the trainer does not
     * optimise: computed anyway they would stay at their initial values, silently. That happens
     * when a trainer subclass calls a library loss it built itself instead of passing the loss to
     * the trainer's constructor. Losses that own parameters call this at the start of
     * {@link DistillationLoss#compute}; it checks nothing when {@link #trainedParameterIds} is null.
     *
     * @param lossName the loss's name, for the message
     * @param loss the loss whose {@link DistillationLoss#trainableParameters()} must all be trained
     * @throws IllegalStateException naming the parameters that are not trained and the fix
     */
    public void requireTrained(String lossName, DistillationLoss loss) {
        if (trainedParameterIds == null) {
            return;
        }
        List<String> missing = new ArrayList<>();
        for (Parameter p : loss.trainableParameters()) {
            if (!trainedParameterIds.contains(p.getId())) {
                missing.add(p.getName());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("loss '" + lossName + "' has trainable parameters " + missing
                    + " that this trainer does not optimise (they would never change); pass the loss, or a"
                    + " WeightedSumLoss holding it, to the DistillationTrainer constructor and call"
                    + " super.computeLoss(ctx) from your subclass, then add your own term with LossOutput.plus");
        }
    }
}
