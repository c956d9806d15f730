package dev.distill.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Pooling;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken model directories (issue 17's and 19's cases) through {@link ModelLoader}, the path every
 * command takes: each is refused with one line naming the file, the key or tensor, the value and
 * the fix, never a stack trace from deep inside, a JVM abort or a silent NaN.
 */
class ModelDirectoryRefusalTest {

    @TempDir
    static Path tmp;

    static Path intact;

    @BeforeAll
    static void model() {
        intact = TinyModelDir.create(tmp.resolve("intact"), TinyModelDir.SMALL);
    }

    private static Path copy(String name) throws Exception {
        return TinyModelDir.copy(intact, tmp.resolve(name));
    }

    /** Loads {@code dir}, expects a refusal, returns its one-line message. */
    private static String refusal(Path dir) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            try (LoadedModel m = ModelLoader.load(dir.toString(), Device.cpu(), 32)) {
                m.encoder();
            }
        });
        assertTrue(e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException,
                "the CLI prints these as one line; got " + e);
        assertFalse(e.getMessage().contains("\n"), "not one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), "does not name the directory: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void theIntactDirectoryLoads() {
        try (LoadedModel m = ModelLoader.load(intact.toString(), Device.cpu(), 32)) {
            assertEquals(Pooling.MEAN, m.pooling());
        }
    }

    @Test
    void vocabSizeThatDisagreesWithTheWeights() throws Exception {
        Path dir = copy("vocab");
        TinyModelDir.editJson(dir.resolve("config.json"), o -> o.addProperty("vocab_size", 1000));
        String m = refusal(dir);
        assertTrue(m.contains(dir.resolve("config.json") + ": vocab_size is 1000 but model.safetensors has"
                + " embeddings.word_embeddings.weight with 30522 rows; set vocab_size to 30522"), m);
    }

    @Test
    void vocabSizeThatAgreesWithTheWeightsButNotTheTokenizer() {
        // config and weights both 1000 tokens, bge's tokenizer 30,522: used to die in the first forward pass
        Path dir = TinyModelDir.create(tmp.resolve("vocab1000"),
                TinyModelDir.SMALL.toBuilder().setVocabSize(1000).build());
        String m = refusal(dir);
        assertTrue(m.contains("tokenizer.json: token id 30521"), m);
        assertTrue(m.contains("config.json has vocab_size 1000 (ids 0..999), the tokenizer needs at least 30522"), m);
    }

    @Test
    void typeVocabularyTooSmallForTheTemplate() {
        Path dir = TinyModelDir.create(tmp.resolve("types"), TinyModelDir.SMALL.toBuilder().optTypeVocabSize(1).build());
        String m = refusal(dir);
        assertTrue(m.contains("post_processor.pair gives token type id 1 but"), m);
        assertTrue(m.contains("config.json has type_vocab_size 1"), m);
    }

    @Test
    void layerCountThatDisagreesWithTheWeights() throws Exception {
        Path dir = copy("layers");
        TinyModelDir.editJson(dir.resolve("config.json"), o -> o.addProperty("num_hidden_layers", 3));
        assertTrue(refusal(dir).contains("num_hidden_layers is 3 but model.safetensors holds 2 layers"
                + " (encoder.layer.0 .. 1); set num_hidden_layers to 2"));
    }

    @Test
    void aMillionLayersIsRefusedUpFrontWithTheEstimate() throws Exception {
        Path dir = copy("million");
        TinyModelDir.editJson(dir.resolve("config.json"), o -> {
            o.addProperty("num_hidden_layers", 1_000_000);
            o.addProperty("hidden_size", 384);
        });
        // embeddings (30522 + 64 + 2)·384 + 768 = 11,746,560; a layer of width 384, 4 heads, FFN 48:
        // 3·(384² + 384) + (384² + 384) + (384·48 + 48) + (48·384 + 384) + 4·384 = 630,192;
        // 11,746,560 + 10^6 · 630,192 = 630,203,746,560 parameters, 2.29 TiB as float32
        long start = System.nanoTime();
        String m = refusal(dir);
        assertTrue(m.contains("num_hidden_layers 1000000, hidden_size 384, intermediate_size 48, vocab_size 30522,"
                + " max_position_embeddings 64 describe 630,203,746,560 parameters, at least 2.29 TiB as float32"), m);
        // refused before anything was built (it once ran 158 s into an OutOfMemoryError); generous bound
        assertTrue(System.nanoTime() - start < 60_000_000_000L);
    }

    @Test
    void weightsHoldingNanOrInfinityAreRefusedNamingTheTensor() throws Exception {
        Path dir = copy("nan");
        Path file = dir.resolve("model.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>(SafeTensors.read(file).tensors());
        float[] w = tensors.get("encoder.layer.1.output.dense.weight").toFloats();
        w[7] = Float.NaN;
        tensors.put("encoder.layer.1.output.dense.weight",
                TensorData.ofFloats(tensors.get("encoder.layer.1.output.dense.weight").shape(), w));
        SafeTensors.write(file, tensors, Map.of("format", "pt"));
        String m = refusal(dir);
        assertTrue(m.contains("refusing weights that hold NaN or infinity: 1 tensor(s):"
                + " encoder.layer.1.output.dense.weight (NaN at element 7)"), m);

        // +infinity stored as bfloat16 (0x7F80) in another tensor: found from the bits, no conversion
        TensorData bias = tensors.get("embeddings.LayerNorm.bias");
        ByteBuffer bf = ByteBuffer.allocate((int) bias.numElements() * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bias.numElements(); i++) {
            bf.putShort(i * 2, (short) (i == 3 ? 0x7F80 : 0));
        }
        tensors.put("embeddings.LayerNorm.bias", new TensorData(TensorData.DType.BF16, bias.shape(), bf));
        SafeTensors.write(file, tensors, Map.of("format", "pt"));
        String both = refusal(dir);
        assertTrue(both.contains("2 tensor(s): embeddings.LayerNorm.bias (Infinity at element 3),"
                + " encoder.layer.1.output.dense.weight (NaN at element 7)"), both);
    }

    @Test
    void corruptModulesJson() throws Exception {
        Path dir = copy("modules");
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\": 0,", StandardCharsets.UTF_8);
        String m = refusal(dir);
        assertTrue(m.contains(dir.resolve("modules.json") + ": is not valid JSON (End of input at line 1 column 12"), m);

        Files.writeString(dir.resolve("modules.json"), "{\"idx\": 0}", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("modules.json: must hold a list of modules"));
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\": 1, \"type\": \"sentence_transformers.models.Pooling\","
                + " \"path\": \"../../etc\"}]", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("entry 0 has path \"../../etc\", which leaves the model directory"));
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\": 1, \"path\": \"1_Pooling\"}]", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("entry 0 needs a string \"type\", found nothing"));
    }

    @Test
    void corruptPoolingConfig() throws Exception {
        Path dir = copy("pooling");
        Path file = dir.resolve("1_Pooling/config.json");
        Files.writeString(file, "{\"pooling_mode_cls_token\": tru", StandardCharsets.UTF_8);
        String m = refusal(dir);
        assertTrue(m.contains(file + ": is not valid JSON (malformed JSON at line 1 column"), m);
        Files.writeString(file, "{\"pooling_mode_mean_tokens\": \"yes\"}", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("pooling_mode_mean_tokens must be true or false, found \"yes\""));
        Files.writeString(file, "{\"pooling_mode_max_tokens\": true}", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("pooling_mode_max_tokens is not supported"));
        Files.writeString(file, "{\"pooling_mode_cls_token\": true, \"word_embedding_dimension\": 768}",
                StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("word_embedding_dimension is 768 but the model's hidden_size is 32"));
        Files.writeString(file, "", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("1_Pooling/config.json: is empty"));
    }

    @Test
    void shardIndexNamingAMissingShard() throws Exception {
        Path dir = copy("sharded");
        Files.move(dir.resolve("model.safetensors"), dir.resolve("model-00001-of-00001.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"model-00001-of-00001"
                + ".safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("model.safetensors.index.json: names shard \"model-00002-of-00002.safetensors\","
                + " which is not a file in"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": ", StandardCharsets.UTF_8);
        assertTrue(refusal(dir).contains("model.safetensors.index.json: is not valid JSON"));
    }

    @Test
    void configJsonWithASyntaxErrorIsOneLine() throws Exception {
        Path dir = copy("config");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": bert}", StandardCharsets.UTF_8);
        String m = refusal(dir); // Gson's own message spans two lines and suggests lenient parsing
        assertTrue(m.contains("config.json: is not valid JSON: malformed JSON at line 1 column 16 path $.model_type"), m);
        assertFalse(m.contains("LENIENT"), m);
    }
}
