package dev.distill.models.encoder;

import ai.djl.ndarray.NDArray;

/** The feed-forward activations of {@link EncoderConfig.HiddenAct}. */
public final class Activations {

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Activations() {}

    /** Applies {@code act} to {@code x}; the result belongs to x's manager. */
    public static NDArray apply(NDArray x, EncoderConfig.HiddenAct act) {
        switch (act) {
            case GELU:
                // x·Φ(x) with the exact normal CDF (torch.nn.functional.gelu, approximate='none')
                return ai.djl.nn.Activation.gelu(x);
            case GELU_TANH:
                // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                NDArray inner = x.pow(3).muli(0.044715f).addi(x).muli(SQRT_2_OVER_PI).tanh().addi(1f);
                return inner.muli(x).muli(0.5f);
            case RELU:
                return ai.djl.nn.Activation.relu(x);
            default:
                throw new IllegalStateException("unknown activation " + act);
        }
    }
}
