package dev.distill.models.train;

import ai.djl.nn.Parameter;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.TrainableModel;
import dev.distill.models.encoder.Encoder;
import java.util.Map;

/**
 * An {@link Encoder} as the trainer's {@link TrainableModel}: construction turns gradient
 * tracking on for every parameter; parameters keep their Hugging Face names, so a checkpoint's
 * {@code student.safetensors} loads with {@link Encoder#loadState} and exports with
 * {@link dev.distill.models.io.HfDirectory#save}.
 */
public final class EncoderStudent extends EncoderBackedModel {

    /**
     * Makes {@code encoder} trainable and wraps it; its parameters must be initialised.
     *
     * @param encoder the student, with initialised parameters
     * @throws NullPointerException if {@code encoder} is null
     * @throws IllegalArgumentException if its parameters are not initialised
     */
    public EncoderStudent(Encoder encoder) {
        super(requireInitialised(encoder, "the student's parameters are not initialised; call "
                + "initializeWeights or loadState (or build it with Students) before training"),
                Fingerprints.architecture(encoder));
        encoder.setTrainable(true);
    }

    @Override
    public ModelOutputs forward(TokenBatch batch, boolean training) {
        return encoder.forward(batch, training);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return encoder.namedParameters();
    }

    @Override
    public Map<String, TensorData> stateDict() {
        return encoder.stateDict();
    }

    @Override
    public void loadState(Map<String, TensorData> state) {
        encoder.loadState(manager(), state, true);
    }

    @Override
    public String description() {
        return encoder.toString();
    }
}
