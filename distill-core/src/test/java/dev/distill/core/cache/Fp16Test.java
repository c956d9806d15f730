package dev.distill.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Java fp16 conversion against PyTorch's ({@code tensor.half()} through DJL), bit for bit. */
class Fp16Test {

    @Test
    void matchesPyTorchBitForBit() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 200_000;
        float[] x = new float[n];
        float[] special = {0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 1e6f, -1e6f, 6.1035156e-5f, 6.0975552e-5f,
            5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, 1e-9f, 1.0009765625f, 1.00048828125f, 1.00146484375f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 0.333333f};
        System.arraycopy(special, 0, x, 0, special.length);
        for (int i = special.length; i < n; i++) {
            // log-uniform magnitudes from 2^-30 to 2^17: subnormals, normals, overflow
            double mag = Math.pow(2, -30 + 47 * r.nextDouble());
            x[i] = (float) (r.nextBoolean() ? mag : -mag);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray half = m.create(x).toType(DataType.FLOAT16, false);
            ByteBuffer b = ByteBuffer.wrap(half.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            NDArray back = half.toType(DataType.FLOAT32, false);
            float[] backF = back.toFloatArray();
            for (int i = 0; i < n; i++) {
                short torch = b.getShort(2 * i);
                assertEquals(torch, Fp16.fromFloat(x[i]), "fp16 of " + x[i]);
                assertEquals(backF[i], Fp16.toFloat(torch), "float of fp16 bits " + Integer.toHexString(torch));
            }
        }
        assertEquals(0x7e00, Fp16.fromFloat(Float.NaN) & 0x7e00);
        assertEquals(true, Float.isNaN(Fp16.toFloat(Fp16.fromFloat(Float.NaN))));
    }
}
