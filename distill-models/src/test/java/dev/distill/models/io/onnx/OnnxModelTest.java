package dev.distill.models.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph view, on small models written by {@code src/test/python/onnx_fixture.py} with the
 * official {@code onnx} Python package (an independent writer).
 */
class OnnxModelTest {

    static OnnxModel fixture(String name) throws IOException {
        try (InputStream in = OnnxModelTest.class.getResourceAsStream("/onnx/" + name)) {
            return OnnxModel.read(in, name);
        }
    }

    static JsonObject json(String name) throws IOException {
        try (InputStream in = OnnxModelTest.class.getResourceAsStream("/onnx/" + name)) {
            assertNotNull(in, name + " missing: run src/test/python/onnx_fixture.py");
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    private static OnnxNode node(OnnxGraph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + name));
    }

    @Test
    void readsModelHeaderAndGraphSignature() throws IOException {
        OnnxModel m = fixture("tiny-bert.onnx");
        assertEquals(8, m.irVersion());
        assertEquals(Map.of("", 17L), m.opsetImports());
        assertEquals("distill onnx_fixture.py", m.producerName());
        assertEquals("tiny_bert", m.graph().name());
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), m.graph().inputNames());
        assertEquals(List.of("last_hidden_state", "/bert/pooler/activation/Tanh_output_0"), m.graph().outputNames());
    }

    @Test
    void readsNodesWithTheirAttributes() throws IOException {
        OnnxGraph g = fixture("tiny-bert.onnx").graph();
        OnnxNode q = node(g, "/bert/encoder/layer.0/attention/self/query/MatMul");
        assertEquals("MatMul", q.opType());
        assertEquals("/bert/embeddings/LayerNorm/LayerNormalization_output_0", q.input(0));
        assertEquals(List.of("/bert/encoder/layer.0/attention/self/query/MatMul_output_0"), q.outputs());
        assertEquals(1e-7f, node(g, "/bert/embeddings/LayerNorm/LayerNormalization").attribute("epsilon").f());
        assertEquals(OnnxAttribute.Type.FLOAT,
                node(g, "/bert/embeddings/LayerNorm/LayerNormalization").attribute("epsilon").type());
        assertArrayEquals(new long[] {0, 2, 3, 1},
                node(g, "/bert/encoder/layer.1/attention/self/Transpose_k").attribute("perm").ints());
        assertEquals(1, node(g, "/bert/pooler/dense/Gemm").attribute("transB").i());
        // the Constant node behind the attention scale holds 1/sqrt(4) as a scalar tensor
        OnnxNode mul = node(g, "/bert/encoder/layer.0/attention/self/Mul");
        OnnxTensor scale = g.constantTensor(mul.input(1));
        assertEquals(0, scale.rank());
        assertArrayEquals(new double[] {0.5}, g.constantDoubles(mul.input(1)));
        assertEquals(mul, g.consumers(mul.input(0)).get(0));
        assertEquals("/bert/encoder/layer.0/attention/self/MatMul", g.producer(mul.input(0)).name());
    }

    @Test
    void convertsRawAndTypedTensorData() throws IOException {
        OnnxGraph g = fixture("tiny-bert.onnx").graph();
        JsonObject expected = json("tiny-bert-expected.json").getAsJsonObject("tensors");
        // word embeddings were written to float_data, position embeddings to raw_data
        for (String name : List.of("word_embeddings", "position_embeddings")) {
            TensorData t = g.initializers().get("bert.embeddings." + name + ".weight").toTensorData();
            JsonObject e = expected.getAsJsonObject("embeddings." + name + ".weight");
            assertEquals(TensorData.DType.F32, t.dtype());
            assertArrayEquals(new long[] {e.getAsJsonArray("shape").get(0).getAsLong(), 8}, t.shape());
            JsonArray values = e.getAsJsonArray("values");
            float[] got = t.toFloats();
            assertEquals(values.size(), got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(values.get(i).getAsFloat(), got[i], name + "[" + i + "]");
            }
        }
        TensorData ids = g.initializers().get("bert.embeddings.position_ids").toTensorData();
        assertEquals(TensorData.DType.I64, ids.dtype());
        assertArrayEquals(new long[] {1, 12}, ids.shape());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                g.initializers().get("bert.embeddings.position_ids").toLongs());
        assertArrayEquals(new long[] {0, 0, 2, 4}, g.initializers().get("onnx::Reshape_split").toLongs());
    }

    @Test
    void externalDataIsRefusedWithTheWayToInlineIt() throws IOException {
        OnnxTensor t = fixture("tiny-bert-external.onnx").graph().initializers()
                .get("bert.embeddings.word_embeddings.weight");
        assertTrue(t.isExternal());
        assertEquals("tiny-bert.onnx.data", t.externalData().get("location"));
        IOException e = assertThrows(IOException.class, t::toTensorData);
        assertTrue(e.getMessage().contains("external data is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("save_as_external_data=False"), e.getMessage());
        assertTrue(e.getMessage().contains("bert.embeddings.word_embeddings.weight"), e.getMessage());
    }

    @Test
    void truncatedFileFailsWithItsByteOffset() throws IOException {
        long size;
        try (InputStream in = getClass().getResourceAsStream("/onnx/truncated.onnx")) {
            size = in.readAllBytes().length;
        }
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> fixture("truncated.onnx"));
        assertTrue(e.offset() >= 0 && e.offset() < size, "offset " + e.offset() + " of " + size);
        assertTrue(e.getMessage().contains("truncated.onnx at byte offset " + e.offset()), e.getMessage());
    }

    @Test
    void nonModelsAreRejected(@TempDir Path dir) throws IOException {
        Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxModel.read(empty)).getMessage()
                .contains("empty"));
        Path text = Files.writeString(dir.resolve("notes.onnx"), "hello world, not a model");
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(text));
        assertTrue(e.getMessage().contains("notes.onnx"), e.getMessage());
        Path noGraph = Files.write(dir.resolve("nograph.onnx"), new byte[] {0x08, 0x07}); // ir_version 7 only
        assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxModel.read(noGraph)).getMessage()
                .contains("no graph"));
        IOException missing = assertThrows(IOException.class, () -> OnnxModel.read(dir.resolve("absent.onnx")));
        assertTrue(missing.getMessage().contains("absent.onnx"));
    }
}
