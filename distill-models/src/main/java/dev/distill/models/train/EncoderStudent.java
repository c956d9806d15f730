package dev.distill.models.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.TrainableModel;
import dev.distill.models.encoder.Encoder;
import java.util.Map;
import java.util.Objects;

/**
 * An {@link Encoder} as the trainer's {@link TrainableModel}: construction turns gradient
 * tracking on for every parameter; parameters keep their Hugging Face names, so a checkpoint's
 * {@code student.safetensors} loads with {@link Encoder#loadState} and exports with
 * {@link dev.distill.models.io.HfDirectory#save}.
 */
public final class EncoderStudent implements TrainableModel {

    private final Encoder encoder;
    private final NDManager manager;
    private final String configFingerprint;

    /** Makes {@code encoder} trainable and wraps it; its parameters must be initialised. */
    public EncoderStudent(Encoder encoder) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        Parameter first = encoder.wordEmbeddings();
        if (!first.isInitialized()) {
            throw new IllegalArgumentException("the student's parameters are not initialised; call "
                    + "initializeWeights or loadState (or build it with Students) before training");
        }
        encoder.setTrainable(true);
        this.manager = first.getArray().getManager();
        this.configFingerprint = Fingerprints.architecture(encoder);
    }

    /** The wrapped encoder, e.g. to export it after training. */
    public Encoder encoder() {
        return encoder;
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
        encoder.loadState(manager, state, true);
    }

    @Override
    public ModelDims dims() {
        return encoder.dims();
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public String configFingerprint() {
        return configFingerprint;
    }

    @Override
    public String description() {
        return encoder.toString();
    }
}
