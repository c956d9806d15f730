package dev.distill.models.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.distill.core.io.TensorData;
import dev.distill.models.encoder.EncoderConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The importer on small graphs built by {@code src/test/python/onnx_fixture.py}: a 2-layer BERT in
 * an export style unlike the real models (opset-17 LayerNormalization, tanh GELU, Gemm pooler,
 * {@code bert.} prefix, folded bias names, a shared LayerNorm bias), whose every weight the script
 * also wrote out in PyTorch layout, and graphs that must be refused.
 */
class OnnxBertImporterTest {

    private static ImportedEncoder load(String name) throws IOException {
        try (InputStream in = OnnxBertImporterTest.class.getResourceAsStream("/onnx/" + name)) {
            return OnnxBertImporter.load(in, name);
        }
    }

    private static String failure(String name) {
        return assertThrows(IOException.class, () -> load(name)).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
        }
    }

    @Test
    void tinyBertConfigIsInferredFromTheGraph() throws IOException {
        JsonObject c = OnnxModelTest.json("tiny-bert-expected.json").getAsJsonObject("config");
        EncoderConfig expected = EncoderConfig.builder().setVocabSize(c.get("vocab").getAsInt())
                .setHiddenSize(c.get("hidden").getAsInt()).setNumLayers(c.get("layers").getAsInt())
                .setNumHeads(c.get("heads").getAsInt()).setIntermediateSize(c.get("ffn").getAsInt())
                .optMaxPositions(c.get("positions").getAsInt()).optTypeVocabSize(c.get("types").getAsInt())
                .optLayerNormEps(c.get("eps").getAsFloat())
                .optHiddenAct(EncoderConfig.HiddenAct.fromHfName(c.get("act").getAsString())).build();
        ImportedEncoder imported = load("tiny-bert.onnx");
        assertEquals(expected, imported.config());
        assertEquals(c.get("head_size").getAsInt(), imported.config().headSize());
        String notes = String.join("\n", imported.notes());
        // heads from the constant Reshape target shape, confirmed by the Mul-by-1/sqrt(d) scale
        assertContains(notes, "numHeads 2 and headSize 4 from Reshape", "agreeing with the attention scale",
                "hiddenAct gelu_new from Tanh", "LayerNormalization node(s)", "bert.embeddings.position_ids");
    }

    @Test
    void tinyBertTensorsEqualTheGeneratedPyTorchWeights() throws IOException {
        JsonObject expected = OnnxModelTest.json("tiny-bert-expected.json").getAsJsonObject("tensors");
        ImportedEncoder imported = load("tiny-bert.onnx");
        assertEquals(expected.keySet(), imported.tensors().keySet());
        assertTrue(imported.hasPooler());
        for (Map.Entry<String, TensorData> e : imported.tensors().entrySet()) {
            JsonObject ref = expected.getAsJsonObject(e.getKey());
            JsonArray shape = ref.getAsJsonArray("shape");
            long[] want = new long[shape.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = shape.get(i).getAsLong();
            }
            assertArrayEquals(want, e.getValue().shape(), e.getKey());
            JsonArray values = ref.getAsJsonArray("values");
            float[] got = e.getValue().toFloats();
            for (int i = 0; i < got.length; i++) {
                assertEquals(values.get(i).getAsFloat(), got[i], e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void tensorsComeInBertModelStateDictOrder() throws IOException {
        List<String> names = new ArrayList<>(load("tiny-bert.onnx").tensors().keySet());
        assertEquals(List.of("embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
                "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.bias",
                "encoder.layer.0.attention.self.key.weight"), names.subList(0, 8));
        assertEquals(List.of("encoder.layer.1.output.LayerNorm.weight", "encoder.layer.1.output.LayerNorm.bias",
                "pooler.dense.weight", "pooler.dense.bias"), names.subList(names.size() - 4, names.size()));
        assertEquals(5 + 2 * 16 + 2, names.size());
    }

    @Test
    void importedTensorsOwnTheirBytes() throws IOException {
        TensorData a = load("tiny-bert.onnx").tensor("encoder.layer.1.attention.output.LayerNorm.bias");
        TensorData b = load("tiny-bert.onnx").tensor("encoder.layer.1.output.LayerNorm.bias");
        assertArrayEquals(a.toFloats(), b.toFloats()); // one shared initializer in the graph
        assertFalse(a.data().hasArray() && a.data().array().length > a.data().capacity() + 64,
                "a small tensor must not keep the whole file's array alive");
    }

    @Test
    void unknownNameIsReportedWithTheValidOnes() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("tiny-bert.onnx").tensor("bert.pooler.dense.weight"));
        assertContains(e.getMessage(), "bert.pooler.dense.weight", "pooler.dense.weight");
    }

    @Test
    void convolutionGraphIsNotABertEncoder() {
        assertContains(failure("tiny-conv.onnx"), "not a BERT-family encoder graph", "tiny-conv.onnx", "1 Conv",
                "'/conv1/Conv'");
    }

    @Test
    void gptStyleGraphIsNotABertEncoder() {
        assertContains(failure("tiny-gpt.onnx"), "not a BERT-family encoder graph", "embeddings.word_embeddings.weight",
                "transformer.wte.weight", "GPT-style");
    }

    @Test
    void matMulOutsideTheKnownModulesIsNamed() {
        assertContains(failure("tiny-bert-classifier.onnx"), "MatMul node '/classifier/MatMul'",
                "module path 'classifier'", "encoder.layer.N.attention.self.{query,key,value}");
    }

    @Test
    void everyMissingTensorIsListedAtOnce() {
        assertContains(failure("tiny-bert-missing.onnx"), "lacks 2 tensor(s)",
                "encoder.layer.1.attention.self.value.weight", "encoder.layer.1.output.dense.bias");
    }

    @Test
    void externalDataAndTruncationFailClearly() {
        assertContains(failure("tiny-bert-external.onnx"), "external data is not supported", "save_as_external_data");
        assertContains(failure("truncated.onnx"), "truncated.onnx at byte offset");
    }
}
