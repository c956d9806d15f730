package dev.distill.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.models.KnownModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.heads.ClassificationHead;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The complete Hugging Face / sentence-transformers directory: tokenizer files derived from the
 * real bge tokenizer.json, the sentence-transformers modules, the pooler, the model card; and
 * modules.json read back, refusing modules distill cannot run.
 */
class HfLayoutTest {

    private static final EncoderConfig SMALL = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(32)
            .setNumLayers(2).setNumHeads(4).setIntermediateSize(48).optMaxPositions(64).build();

    private static NDManager manager;
    private static TextTokenizer tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        KnownModel bge = KnownModel.BGE_SMALL_EN_V15;
        try (InputStream in = HfLayoutTest.class.getClassLoader().getResourceAsStream(bge.tokenizerResource())) {
            tokenizer = TextTokenizer.load(in, bge.tokenizerResource(), 64);
        }
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
        manager.close();
    }

    private static JsonObject json(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    @Test
    void sentenceEncoderDirectoryIsComplete() throws Exception {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, null, manager, 1);
        Path dir = tmp.resolve("st");
        ModelCard card = new ModelCard("tiny student", "bge-small-en-v1.5", "WordNet glosses", "hidden MSE, 10 steps",
                Map.of("STS mean", "12.34 (measured by the test)"), null);
        HfDirectory.save(e, tokenizer, dir, card);

        JsonObject tc = json(dir.resolve("tokenizer_config.json"));
        assertTrue(tc.get("do_lower_case").getAsBoolean(), "bge's BertNormalizer lower-cases");
        assertEquals(64, tc.get("model_max_length").getAsInt());
        assertEquals("[CLS]", tc.get("cls_token").getAsString());
        JsonObject special = json(dir.resolve("special_tokens_map.json"));
        assertEquals(List.of("unk_token", "sep_token", "pad_token", "cls_token", "mask_token"),
                List.copyOf(special.keySet()));
        List<String> vocab = Files.readAllLines(dir.resolve("vocab.txt"));
        assertEquals(30522, vocab.size());
        assertEquals("[PAD]", vocab.get(0));
        assertEquals(tokenizer.tokenId("[CLS]"), vocab.indexOf("[CLS]"));

        JsonArray modules = JsonParser.parseString(Files.readString(dir.resolve("modules.json"))).getAsJsonArray();
        assertEquals(3, modules.size());
        assertEquals("sentence_transformers.models.Normalize", modules.get(2).getAsJsonObject().get("type").getAsString());
        assertTrue(Files.isDirectory(dir.resolve("2_Normalize")));
        assertEquals(64, json(dir.resolve("sentence_bert_config.json")).get("max_seq_length").getAsInt());
        assertTrue(json(dir.resolve("1_Pooling/config.json")).get("pooling_mode_cls_token").getAsBoolean());

        // BertModel would initialise a missing pooler randomly: it is written, as zeros
        Map<String, TensorData> file = SafeTensors.read(dir.resolve("model.safetensors")).tensors();
        float[] pooler = file.get("pooler.dense.weight").toFloats();
        assertEquals(32 * 32, pooler.length);
        for (float v : pooler) {
            assertEquals(0f, v);
        }

        String readme = Files.readString(dir.resolve("README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.startsWith("---\nlicense: mit\n"), readme);
        assertTrue(readme.contains("base_model: bge-small-en-v1.5"));
        assertTrue(readme.contains("| STS mean | 12.34 (measured by the test) |"));
        assertTrue(readme.contains("pooler_output` is 0"));

        SentenceTransformersLayout.Modules read = SentenceTransformersLayout.read(dir);
        assertEquals(Pooling.CLS, read.pooling());
        assertTrue(read.normalize());
        HfDirectory.load(dir, manager); // the zero pooler is ignored: no head uses it
    }

    @Test
    void classifierKeepsItsTrainedPooler() throws Exception {
        Encoder e = Students.fromConfig(SMALL, Pooling.CLS, new ClassificationHead(SMALL, List.of("a", "b"), false),
                manager, 2);
        Path dir = tmp.resolve("cls");
        HfDirectory.save(e, tokenizer, dir);
        Map<String, TensorData> file = SafeTensors.read(dir.resolve("model.safetensors")).tensors();
        assertEquals(e.stateDict().get("pooler.dense.weight"), file.get("bert.pooler.dense.weight"));
        assertFalse(Files.readString(dir.resolve("README.md")).contains("pooler_output` is 0"));
    }

    @Test
    void modulesDistillCannotRunAreRefused() throws Exception {
        Encoder e = Students.fromConfig(SMALL, Pooling.MEAN, null, manager, 1);
        Path dir = tmp.resolve("dense");
        HfDirectory.save(e, tokenizer, dir);
        assertEquals(Pooling.MEAN, HfDirectory.load(dir, manager).encoder().pooling());
        JsonArray modules = JsonParser.parseString(Files.readString(dir.resolve("modules.json"))).getAsJsonArray();
        JsonObject dense = new JsonObject();
        dense.addProperty("idx", 3);
        dense.addProperty("name", "3");
        dense.addProperty("path", "3_Dense");
        dense.addProperty("type", "sentence_transformers.models.Dense");
        modules.add(dense);
        Files.writeString(dir.resolve("modules.json"), modules.toString());
        RuntimeException ex = assertThrows(java.io.UncheckedIOException.class, () -> HfDirectory.load(dir, manager));
        assertTrue(ex.getMessage().contains("sentence_transformers.models.Dense") && ex.getMessage().contains("modules.json")
                && ex.getMessage().contains("cannot run"), ex.getMessage());

        modules.remove(3);
        Files.writeString(dir.resolve("modules.json"), modules.toString());
        JsonObject pc = json(dir.resolve("1_Pooling/config.json"));
        pc.addProperty("pooling_mode_max_tokens", true);
        Files.writeString(dir.resolve("1_Pooling/config.json"), pc.toString());
        ex = assertThrows(java.io.UncheckedIOException.class, () -> HfDirectory.load(dir, manager));
        assertTrue(ex.getMessage().contains("pooling_mode_max_tokens"), ex.getMessage());
    }
}
