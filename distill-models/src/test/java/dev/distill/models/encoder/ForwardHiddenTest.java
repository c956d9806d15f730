package dev.distill.models.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Encoder#forwardHidden}: the layers as a block H → H on arbitrary hidden states, against
 * an independent torch implementation of BERT's layer equations ({@code block_fixture.py}), with
 * padding and a narrow inner width (2 heads × 3 ≠ 8).
 */
class ForwardHiddenTest {

    private static JsonObject fixture() throws Exception {
        try (InputStream in = ForwardHiddenTest.class.getResourceAsStream("/block/forward-hidden.json")) {
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    private static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    private static Encoder encoder(JsonObject fx, NDManager m) {
        JsonObject c = fx.getAsJsonObject("config");
        EncoderConfig config = EncoderConfig.builder().setVocabSize(c.get("vocab").getAsInt())
                .setHiddenSize(c.get("hidden").getAsInt()).setNumLayers(c.get("layers").getAsInt())
                .setNumHeads(c.get("heads").getAsInt()).optHeadSize(c.get("headSize").getAsInt())
                .setIntermediateSize(c.get("ffn").getAsInt()).optMaxPositions(c.get("positions").getAsInt())
                .optLayerNormEps(1e-12f).build();
        Map<String, TensorData> w = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : fx.getAsJsonObject("weights").entrySet()) {
            JsonObject t = e.getValue().getAsJsonObject();
            JsonArray s = t.getAsJsonArray("shape");
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = s.get(i).getAsLong();
            }
            w.put(e.getKey(), TensorData.ofFloats(shape, floats(t.getAsJsonArray("values"))));
        }
        Encoder enc = Encoder.of(config);
        enc.loadState(m, w, true);
        return enc;
    }

    @Test
    void layersOnGivenHiddenStatesMatchTorchReference() throws Exception {
        JsonObject fx = fixture();
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder enc = encoder(fx, m);
            JsonArray shapeJ = fx.getAsJsonArray("shape");
            Shape shape = new Shape(shapeJ.get(0).getAsLong(), shapeJ.get(1).getAsLong(), shapeJ.get(2).getAsLong());
            JsonArray maskJ = fx.getAsJsonArray("mask");
            long[] mask = new long[maskJ.size()];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = maskJ.get(i).getAsLong();
            }
            NDArray x = m.create(floats(fx.getAsJsonArray("input")), shape);
            NDArray maskArr = m.create(mask, shape.slice(0, 2));
            ModelOutputs out = enc.forwardHidden(x, maskArr, false);
            assertEquals(3, out.hiddenStates().size());
            assertTrue(out.hiddenStates().get(0) == x, "hiddenStates.get(0) is the input itself");
            JsonArray hidden = fx.getAsJsonArray("hidden");
            int h = (int) shape.get(2);
            for (int l = 1; l < hidden.size(); l++) {
                float[] want = floats(hidden.get(l).getAsJsonArray());
                float[] got = out.hiddenStates().get(l).toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    if (mask[i / h] == 1) {
                        assertEquals(want[i], got[i], 2e-5, "layer " + l + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void embeddingOutputThroughForwardHiddenEqualsForward() throws Exception {
        JsonObject fx = fixture();
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder enc = encoder(fx, m);
            NDArray ids = m.create(new long[] {2, 5, 7, 1, 3, 9, 4, 8}, new Shape(2, 4));
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 4));
            ModelOutputs full = enc.forward(new TokenBatch(ids, mask, null, null, 6), false);
            ModelOutputs block = enc.forwardHidden(full.embeddingOutput(), mask, false);
            assertArrayEquals(full.lastHiddenState().toFloatArray(), block.lastHiddenState().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void wrongWidthOrMaskIsRefusedWithShapes() throws Exception {
        JsonObject fx = fixture();
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder enc = encoder(fx, m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.forwardHidden(m.zeros(new Shape(2, 4, 5)), m.ones(new Shape(2, 4)), false));
            assertTrue(e.getMessage().contains("(B, T, H = 8)") && e.getMessage().contains("(2, 4, 5)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> enc.forwardHidden(m.zeros(new Shape(2, 4, 8)), m.ones(new Shape(2, 3)), false));
            assertTrue(e.getMessage().contains("(2, 3)"), e.getMessage());
        }
    }
}
