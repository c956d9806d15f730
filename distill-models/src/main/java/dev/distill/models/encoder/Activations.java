package dev.distill.models.encoder;

import ai.djl.ndarray.NDArray;
import dev.distill.core.Scalars;

/** The feed-forward activations of {@link EncoderConfig.HiddenAct}. */
public final class Activations {

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Activations() {}

    /**
     * Applies {@code act} to {@code x}; the result belongs to x's manager.
     *
     * @param x any shape, floating point
     * @param act the activation
     * @return an array of the shape and dtype of {@code x}, in its autograd graph
     */
    public static NDArray apply(NDArray x, EncoderConfig.HiddenAct act) {
        switch (act) {
            case GELU:
                // x·Φ(x) with the exact normal CDF (torch.nn.functional.gelu, approximate='none')
                return ai.djl.nn.Activation.gelu(x);
            case GELU_TANH:
                // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                // Out of place: tanh's backward needs its output, which addi(1) would overwrite.
                // Constants through Scalars: DJL's mul(Number) constant is freed before backward.
                NDArray inner = Scalars.mul(Scalars.pow(x, 3f), 0.044715f).add(x);
                NDArray t = Scalars.mul(inner, SQRT_2_OVER_PI).tanh().add(1f);
                return Scalars.mul(t.mul(x), 0.5f);
            case RELU:
                return ai.djl.nn.Activation.relu(x);
            default:
                throw new IllegalStateException("unknown activation " + act);
        }
    }
}
