package dev.distill.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import java.util.Map;

/**
 * The student as the trainer sees it: a forward pass that autograd records, named parameters,
 * and a state that a checkpoint saves and restores. {@code distill-models} adapts its encoder
 * with {@code dev.distill.models.train.EncoderStudent}.
 */
public interface TrainableModel {

    /**
     * Runs the model.
     *
     * @param batch inputs on {@link #device()}
     * @param training whether dropout is active (the trainer passes {@code true} in the loop and
     *     {@code false} when it evaluates)
     * @return outputs owned by the batch's manager
     */
    ModelOutputs forward(TokenBatch batch, boolean training);

    /**
     * Every parameter by a stable, unique name (Hugging Face names for the encoder). The
     * trainer optimises those whose array requires a gradient; names key the checkpoint and
     * the optimizer state, so they are a contract.
     *
     * @return the parameters in a fixed order
     */
    Map<String, Parameter> namedParameters();

    /**
     * Every parameter copied to the heap, by the names of {@link #namedParameters()}.
     *
     * @return a new map of heap copies
     */
    Map<String, TensorData> stateDict();

    /**
     * Overwrites every parameter with the given tensors (all must be present, with matching
     * shapes; every problem reported at once).
     *
     * @param state tensors by name, as {@link #stateDict()} returns them
     * @throws IllegalArgumentException listing every missing, unexpected and wrong-shape tensor
     */
    void loadState(Map<String, TensorData> state);

    /** {@return the model's sizes} */
    ModelDims dims();

    /** {@return where the parameters live; the trainer creates each step's batch there} */
    Device device();

    /** {@return the manager that owns the parameters; loss projections are created under it} */
    NDManager manager();

    /**
     * A fingerprint of the architecture (configuration, head, pooling), not the weights. A
     * checkpoint records it; resuming into a student of another architecture is refused.
     *
     * @return the fingerprint
     */
    String configFingerprint();

    /** {@return a one-line human description for the manifest, e.g. {@code Encoder{4 layers × 128, …}}} */
    String description();
}
