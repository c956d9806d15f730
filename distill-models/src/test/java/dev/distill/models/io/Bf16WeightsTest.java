package dev.distill.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory whose weights are stored as bfloat16 loads with every value converted exactly
 * to float32 in Java (DJL's PyTorch JNI aborts the JVM on bfloat16, so nothing of that type may
 * reach it). The expected values are hand-built bit patterns, not the conversion under test.
 */
class Bf16WeightsTest {

    @TempDir
    Path tmp;

    /** bfloat16 bits and the float32 each must become (bf16 is float32's upper half). */
    static final short[] BITS = {0x3F80, (short) 0xC040, 0x0001, 0x7F7F, (short) 0x8000, 0x3EAB, 0x0080, 0x4049};
    static final float[] VALUES = {1.0f, -3.0f, 0x1p-133f, 0x1.FEp127f, -0.0f, 0.333984375f, 0x1p-126f, 3.140625f};

    @Test
    void bf16WeightsLoadExactly() throws Exception {
        Path dir = TinyModelDir.create(tmp.resolve("bf16"), TinyModelDir.SMALL);
        Path file = dir.resolve("model.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, int[]> expectedBits = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : SafeTensors.read(file).tensors().entrySet()) {
            float[] f = e.getValue().toFloats();
            ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            int[] expected = new int[f.length];
            for (int i = 0; i < f.length; i++) {
                short bits = (short) (Float.floatToRawIntBits(f[i]) >>> 16); // truncate to bfloat16
                if (e.getKey().equals("embeddings.LayerNorm.weight") && i < BITS.length) {
                    bits = BITS[i];
                }
                b.putShort(i * 2, bits);
                expected[i] = (bits & 0xffff) << 16;
            }
            tensors.put(e.getKey(), new TensorData(TensorData.DType.BF16, e.getValue().shape(), b));
            expectedBits.put(e.getKey(), expected);
        }
        SafeTensors.write(file, tensors, Map.of("format", "pt"));

        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Parameter> loaded = HfDirectory.load(dir, manager).encoder().namedParameters();
            float[] ln = loaded.get("embeddings.LayerNorm.weight").getArray().toFloatArray();
            for (int i = 0; i < VALUES.length; i++) {
                assertEquals(Float.floatToRawIntBits(VALUES[i]), Float.floatToRawIntBits(ln[i]),
                        "element " + i + ": bf16 0x" + Integer.toHexString(BITS[i] & 0xffff) + " → " + ln[i]);
            }
            for (Map.Entry<String, int[]> e : expectedBits.entrySet()) {
                float[] actual = loaded.get(e.getKey()).getArray().toFloatArray();
                for (int i = 0; i < actual.length; i++) {
                    assertEquals(e.getValue()[i], Float.floatToRawIntBits(actual[i]), e.getKey() + "[" + i + "]");
                }
            }
        }
    }
}
