package dev.distill.models.encoder;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** Factory for parameters named with their Hugging Face names. */
public final class Params {

    /** How a freshly created parameter is filled before any weights are loaded. */
    public enum Init {
        /** N(0, 0.02²), BERT's initializer for weights and embeddings. */
        NORMAL,
        /** All ones (LayerNorm gain). */
        ONES,
        /** All zeros (biases, LayerNorm shift). */
        ZEROS
    }

    private Params() {}

    /**
     * Creates a parameter whose name is its Hugging Face name; the initial fill is carried as the
     * parameter type (WEIGHT → normal, GAMMA → ones, BIAS/BETA → zeros).
     *
     * @param hfName the Hugging Face name, e.g. {@code encoder.layer.0.output.dense.bias}
     * @param init how it is filled before weights are loaded
     * @param shape its shape
     * @return a new, uninitialised parameter
     */
    public static Parameter create(String hfName, Init init, long... shape) {
        Parameter.Type type;
        switch (init) {
            case NORMAL:
                type = Parameter.Type.WEIGHT;
                break;
            case ONES:
                type = Parameter.Type.GAMMA;
                break;
            default:
                type = Parameter.Type.BIAS;
        }
        return Parameter.builder().setName(hfName).setType(type).optShape(new Shape(shape)).build();
    }

    /**
     * The initial fill of a parameter created by {@link #create}.
     *
     * @param p a parameter made by {@link #create}
     * @return the fill it was created with
     */
    public static Init initOf(Parameter p) {
        switch (p.getType()) {
            case WEIGHT:
                return Init.NORMAL;
            case GAMMA:
                return Init.ONES;
            default:
                return Init.ZEROS;
        }
    }
}
