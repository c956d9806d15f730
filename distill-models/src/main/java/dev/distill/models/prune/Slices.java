package dev.distill.models.prune;

import dev.distill.core.io.TensorData;

/** Index selection on heap tensors, the only tensor operation pruning needs. */
final class Slices {

    private Slices() {}

    /** {@code t[rows][:, cols]} of a (R, C) tensor; {@code null} keeps every row or column. */
    static TensorData slice2d(TensorData t, int[] rows, int[] cols) {
        long[] shape = t.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("expected a matrix, got shape " + java.util.Arrays.toString(shape));
        }
        int r = Math.toIntExact(shape[0]);
        int c = Math.toIntExact(shape[1]);
        float[] v = t.toFloats();
        int outR = rows == null ? r : rows.length;
        int outC = cols == null ? c : cols.length;
        float[] out = new float[outR * outC];
        for (int i = 0; i < outR; i++) {
            int src = (rows == null ? i : rows[i]) * c;
            for (int j = 0; j < outC; j++) {
                out[i * outC + j] = v[src + (cols == null ? j : cols[j])];
            }
        }
        return TensorData.ofFloats(new long[] {outR, outC}, out);
    }

    /** {@code t[idx]} of a vector. */
    static TensorData slice1d(TensorData t, int[] idx) {
        if (t.shape().length != 1) {
            throw new IllegalArgumentException("expected a vector, got shape " + java.util.Arrays.toString(t.shape()));
        }
        float[] v = t.toFloats();
        float[] out = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = v[idx[i]];
        }
        return TensorData.ofFloats(new long[] {idx.length}, out);
    }

    /** Every element times {@code factor}. */
    static TensorData scaled(TensorData t, float factor) {
        float[] v = t.toFloats();
        for (int i = 0; i < v.length; i++) {
            v[i] *= factor;
        }
        return TensorData.ofFloats(t.shape(), v);
    }
}
