package dev.distill.models.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.EncoderConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The two real models of docs/data-sources.md, read from the langchain4j jars: the configuration
 * the model cards state, every BertModel tensor with its shape, and values checked against
 * {@code real-model-reference.json}, which numpy computed from the same ONNX initializers
 * (transposing the MatMul weights itself).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxBertImporterRealModelsTest {

    private ImportedEncoder bge;
    private ImportedEncoder minilm;
    private JsonObject reference;

    @BeforeAll
    void loadModels() throws IOException {
        reference = OnnxModelTest.json("real-model-reference.json");
        bge = load("/bge-small-en-v1.5.onnx");
        minilm = load("/all-minilm-l6-v2.onnx");
    }

    private ImportedEncoder load(String resource) throws IOException {
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream(resource)) {
            assertNotNull(in, resource + " not on the test classpath (langchain4j embeddings jar)");
            bytes = in.readAllBytes();
        }
        long t0 = System.nanoTime();
        OnnxModel model = OnnxModel.parse(bytes, resource);
        long parsed = System.nanoTime();
        ImportedEncoder imported = OnnxBertImporter.fromModel(model);
        long done = System.nanoTime();
        // printed for information only: speed is not asserted in unit tests (it depends on the machine)
        System.out.printf("%s (%d MB): parse %.0f ms, import %.0f ms%n", resource, bytes.length >> 20,
                (parsed - t0) / 1e6, (done - parsed) / 1e6);
        return imported;
    }

    private static EncoderConfig expectedConfig(int layers) {
        return EncoderConfig.builder().setNumLayers(layers).setHiddenSize(384).setNumHeads(12)
                .setIntermediateSize(1536).setVocabSize(30522).optMaxPositions(512).optTypeVocabSize(2)
                .optLayerNormEps(1e-12f).optHiddenAct(EncoderConfig.HiddenAct.GELU).build();
    }

    @Test
    void configsAreInferredExactly() {
        assertEquals(expectedConfig(12), bge.config());
        assertEquals(expectedConfig(6), minilm.config());
        assertEquals(32, bge.config().headSize());
        String notes = String.join("\n", bge.notes());
        assertTrue(notes.contains("numHeads 12 and headSize 32 from Reshape '/encoder/layer.0/attention/self/"), notes);
        assertTrue(notes.contains("agreeing with the attention scale Div"), notes);
        assertTrue(notes.contains("layerNormEps 1.0E-12 from 25 decomposed LayerNorm(s)"), notes);
        assertTrue(notes.contains("hiddenAct gelu from Erf"), notes);
    }

    @Test
    void everyBertModelTensorIsPresentWithItsShape() {
        for (ImportedEncoder m : List.of(bge, minilm)) {
            int layers = m.config().numLayers();
            assertEquals(OnnxBertImporter.bertModelNames(layers, false), List.copyOf(m.tensors().keySet()));
            assertEquals(5 + 16 * layers, m.tensors().size());
            for (int i = 0; i < layers; i++) {
                String p = "encoder.layer." + i + ".";
                assertArrayEquals(new long[] {384, 384}, m.tensor(p + "attention.self.query.weight").shape());
                assertArrayEquals(new long[] {384, 384}, m.tensor(p + "attention.self.value.weight").shape());
                assertArrayEquals(new long[] {384}, m.tensor(p + "attention.self.key.bias").shape());
                assertArrayEquals(new long[] {384, 384}, m.tensor(p + "attention.output.dense.weight").shape());
                assertArrayEquals(new long[] {1536, 384}, m.tensor(p + "intermediate.dense.weight").shape());
                assertArrayEquals(new long[] {1536}, m.tensor(p + "intermediate.dense.bias").shape());
                assertArrayEquals(new long[] {384, 1536}, m.tensor(p + "output.dense.weight").shape());
                assertArrayEquals(new long[] {384}, m.tensor(p + "output.LayerNorm.weight").shape());
            }
            assertArrayEquals(new long[] {30522, 384}, m.tensor("embeddings.word_embeddings.weight").shape());
            assertArrayEquals(new long[] {512, 384}, m.tensor("embeddings.position_embeddings.weight").shape());
            assertArrayEquals(new long[] {2, 384}, m.tensor("embeddings.token_type_embeddings.weight").shape());
            for (TensorData t : m.tensors().values()) {
                assertEquals(TensorData.DType.F32, t.dtype());
            }
        }
    }

    @Test
    void valuesMatchNumpyReference() {
        check("bge-small-en-v1.5", bge);
        check("all-minilm-l6-v2", minilm);
    }

    private void check(String key, ImportedEncoder m) {
        JsonObject ref = reference.getAsJsonObject(key);
        assertEquals(ref.get("tensor_count").getAsInt(), m.tensors().size(), key);
        for (Map.Entry<String, JsonElement> e : ref.getAsJsonObject("tensors").entrySet()) {
            String name = e.getKey();
            JsonObject r = e.getValue().getAsJsonObject();
            TensorData t = m.tensor(name);
            JsonArray shape = r.getAsJsonArray("shape");
            assertEquals(shape.size(), t.shape().length, name);
            for (int i = 0; i < shape.size(); i++) {
                assertEquals(shape.get(i).getAsLong(), t.shape()[i], name + " dim " + i);
            }
            float[] v = t.toFloats();
            double sum = 0;
            double weighted = 0;
            for (int i = 0; i < v.length; i++) {
                sum += v[i];
                weighted += (double) v[i] * (i % 1009);
            }
            // float64 sums of the same float32 values; only the summation order differs
            assertEquals(r.get("sum").getAsDouble(), sum, 1e-9 * Math.max(1, absSum(v)), key + " " + name + " sum");
            assertEquals(r.get("weighted_sum").getAsDouble(), weighted, 1e-9 * 1009 * Math.max(1, absSum(v)),
                    key + " " + name + " weighted sum (order-sensitive: catches a missing transpose)");
            long cols = t.shape().length == 2 ? t.shape()[1] : 1;
            for (JsonElement el : r.getAsJsonArray("elements")) {
                JsonArray a = el.getAsJsonArray();
                long index = a.size() == 3 ? a.get(0).getAsLong() * cols + a.get(1).getAsLong() : a.get(0).getAsLong();
                float want = a.get(a.size() - 1).getAsFloat();
                assertEquals(want, v[(int) index], key + " " + name + " " + a);
            }
        }
    }

    private static double absSum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += Math.abs(x);
        }
        return s;
    }
}
