package dev.distill.models.io.onnx;

/**
 * Symmetric int8 quantisation of a weight matrix per output channel, as ONNX Runtime's dynamic
 * quantisation stores it for {@code MatMulInteger}: for column j of W (shape [in, out]),
 * {@code s_j = max_i |W_ij| / 127} and {@code q_ij = clamp(round(W_ij / s_j), -127, 127)}, zero
 * point 0. So {@code |W_ij − s_j·q_ij| ≤ s_j / 2}. A column of zeros gets scale 1 (all q = 0).
 *
 * @param values q, row-major [in, out]
 * @param scales s_j, one per output column
 */
record Int8Weights(byte[] values, float[] scales) {

    /** Quantises a row-major [in, out] matrix. */
    static Int8Weights quantize(float[] w, int in, int out) {
        if (w.length != (long) in * out) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected " + in + " x " + out);
        }
        float[] scales = new float[out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                scales[j] = Math.max(scales[j], Math.abs(w[i * out + j]));
            }
        }
        for (int j = 0; j < out; j++) {
            scales[j] = scales[j] == 0f ? 1f : scales[j] / 127f;
        }
        byte[] q = new byte[w.length];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                long r = Math.round(w[i * out + j] / scales[j]);
                q[i * out + j] = (byte) Math.max(-127, Math.min(127, r));
            }
        }
        return new Int8Weights(q, scales);
    }
}
