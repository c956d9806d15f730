package dev.distill.models.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;

/** Small functional building blocks shared by the encoder and its heads. */
final class Tensors {

    private Tensors() {}

    /** y = x·Wᵀ + b with W of shape (out, in), PyTorch's layout. */
    static NDArray linear(NDArray x, Parameter weight, Parameter bias) {
        return Linear.linear(x, weight.getArray(), bias == null ? null : bias.getArray()).singletonOrThrow();
    }

    /** LayerNorm over the last dimension. */
    static NDArray layerNorm(NDArray x, Parameter gamma, Parameter beta, float eps) {
        NDArray g = gamma.getArray();
        return LayerNorm.layerNorm(x, new Shape(g.getShape().get(0)), g, beta.getArray(), eps)
                .singletonOrThrow();
    }

    static NDArray dropout(NDArray x, float rate, boolean training) {
        if (!training || rate == 0f) {
            return x;
        }
        return Dropout.dropout(x, rate, true).singletonOrThrow();
    }

    /** A (B, T, 1) copy of a (B, T) 0/1 mask in {@code type}. */
    static NDArray mask3d(NDArray mask, DataType type) {
        return mask.toType(type, false).expandDims(-1);
    }
}
