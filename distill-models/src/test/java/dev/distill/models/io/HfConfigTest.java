package dev.distill.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.MalformedFileException;
import dev.distill.models.encoder.EncoderConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {

    @TempDir
    Path dir;

    /** BAAI/bge-small-en-v1.5's config.json as transformers 4.30 saved it. */
    static final String BGE_SMALL = "{\n"
            + "  \"_name_or_path\": \"/root/.cache/torch/sentence_transformers/BAAI_bge-small-en/\",\n"
            + "  \"architectures\": [\n    \"BertModel\"\n  ],\n"
            + "  \"attention_probs_dropout_prob\": 0.1,\n"
            + "  \"classifier_dropout\": null,\n"
            + "  \"hidden_act\": \"gelu\",\n"
            + "  \"hidden_dropout_prob\": 0.1,\n"
            + "  \"hidden_size\": 384,\n"
            + "  \"id2label\": {\n    \"0\": \"LABEL_0\"\n  },\n"
            + "  \"initializer_range\": 0.02,\n"
            + "  \"intermediate_size\": 1536,\n"
            + "  \"label2id\": {\n    \"LABEL_0\": 0\n  },\n"
            + "  \"layer_norm_eps\": 1e-12,\n"
            + "  \"max_position_embeddings\": 512,\n"
            + "  \"model_type\": \"bert\",\n"
            + "  \"num_attention_heads\": 12,\n"
            + "  \"num_hidden_layers\": 12,\n"
            + "  \"pad_token_id\": 0,\n"
            + "  \"position_embedding_type\": \"absolute\",\n"
            + "  \"torch_dtype\": \"float32\",\n"
            + "  \"transformers_version\": \"4.30.0\",\n"
            + "  \"type_vocab_size\": 2,\n"
            + "  \"use_cache\": true,\n"
            + "  \"vocab_size\": 30522\n"
            + "}\n";

    private Path write(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    @Test
    void readsBgeSmall() throws IOException {
        Path model = Files.createDirectory(dir.resolve("bge-small-en-v1.5"));
        Files.writeString(model.resolve("config.json"), BGE_SMALL);
        HfConfig c = HfConfig.read(model); // a model directory resolves to its config.json
        EncoderConfig e = c.encoder();
        assertEquals(12, e.numLayers());
        assertEquals(384, e.hiddenSize());
        assertEquals(12, e.numHeads());
        assertEquals(32, e.headSize());
        assertEquals(1536, e.intermediateSize());
        assertEquals(30522, e.vocabSize());
        assertEquals(512, e.maxPositions());
        assertEquals(2, e.typeVocabSize());
        assertEquals(1e-12f, e.layerNormEps());
        assertEquals(0.1f, e.hiddenDropout());
        assertEquals(0.1f, e.attentionDropout());
        assertEquals(EncoderConfig.HiddenAct.GELU, e.hiddenAct());
        assertEquals(0, e.padTokenId());
        assertEquals(List.of("BertModel"), c.task().architectures());
        assertEquals(1, c.task().numLabels());
        assertEquals(Map.of(0, "LABEL_0"), c.task().id2label());
        assertEquals(Map.of("LABEL_0", 0), c.task().label2id());
        assertNull(c.task().problemType());
        assertEquals(c, HfConfig.read(model.resolve("config.json")));
    }

    @Test
    void writesWhatTransformersWritesForBgeSmall() throws IOException {
        HfConfig bge = HfConfig.read(write("config.json", BGE_SMALL));
        Path out = dir.resolve("out/config.json");
        bge.write(out);
        String text = Files.readString(out);
        assertTrue(text.endsWith("}\n"), text);
        JsonObject written = JsonParser.parseString(text).getAsJsonObject();
        JsonObject original = JsonParser.parseString(BGE_SMALL).getAsJsonObject();
        // Every key BertConfig defines comes out with the value transformers wrote.
        for (String key : List.of("architectures", "attention_probs_dropout_prob", "hidden_act",
                "hidden_dropout_prob", "hidden_size", "id2label", "intermediate_size", "label2id",
                "layer_norm_eps", "max_position_embeddings", "model_type", "num_attention_heads",
                "num_hidden_layers", "pad_token_id", "position_embedding_type", "type_vocab_size",
                "vocab_size")) {
            assertEquals(original.get(key), written.get(key), key);
        }
        assertFalse(written.has("attention_head_size"), "standard head size needs no extra key");
        assertFalse(written.has("problem_type"), "unset problem_type is left out");
        List<String> keys = new ArrayList<>(written.keySet());
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        assertEquals(sorted, keys, "keys sorted like save_pretrained");
        assertTrue(text.contains("\"layer_norm_eps\": 1.0E-12"), "shortest decimal of the float: " + text);
        assertEquals(bge, HfConfig.read(out));
    }

    @Test
    void roundTripsNonStandardHeadsAndEveryField() throws IOException {
        EncoderConfig odd = EncoderConfig.builder().setVocabSize(1000).setHiddenSize(312).setNumLayers(4)
                .setNumHeads(6).optHeadSize(64).setIntermediateSize(1200).optMaxPositions(128)
                .optTypeVocabSize(1).optLayerNormEps(1e-6f).optHiddenDropout(0.05f)
                .optAttentionDropout(0.0f).optHiddenAct(EncoderConfig.HiddenAct.GELU_TANH)
                .optPadTokenId(1).build();
        HfConfig c = new HfConfig(odd, HfConfig.TaskHead.classification(List.of("negative", "positive")));
        Path p = dir.resolve("config.json");
        c.write(p);
        JsonObject j = JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        assertEquals(64, j.get("attention_head_size").getAsInt());
        assertEquals(6, j.get("num_attention_heads").getAsInt());
        assertEquals("gelu_new", j.get("hidden_act").getAsString());
        assertEquals(1e-6, j.get("layer_norm_eps").getAsDouble());
        assertEquals(0.05, j.get("hidden_dropout_prob").getAsDouble());
        assertEquals("{\"0\":\"negative\",\"1\":\"positive\"}", j.get("id2label").toString());
        assertEquals("{\"negative\":0,\"positive\":1}", j.get("label2id").toString());
        assertEquals("single_label_classification", j.get("problem_type").getAsString());
        assertEquals(List.of("BertForSequenceClassification"),
                List.of(j.getAsJsonArray("architectures").get(0).getAsString()));

        HfConfig back = HfConfig.read(p);
        assertEquals(c, back);
        assertEquals(64, back.encoder().headSize());
        assertEquals(384, back.encoder().allHeadSize());

        for (EncoderConfig e : List.of(EncoderConfig.bertBase(), EncoderConfig.tinyBert4(),
                EncoderConfig.tinyBert6())) {
            for (HfConfig.TaskHead t : List.of(HfConfig.TaskHead.encoderOnly(),
                    HfConfig.TaskHead.regression())) {
                HfConfig h = new HfConfig(e, t);
                h.write(p);
                assertEquals(h, HfConfig.read(p), e + " " + t);
            }
        }
        // A hidden size the heads do not divide, with an explicit head size, round-trips too.
        EncoderConfig uneven = EncoderConfig.builder().setHiddenSize(300).setNumHeads(7).optHeadSize(40).build();
        HfConfig.of(uneven).write(p);
        assertEquals(uneven, HfConfig.read(p).encoder());
    }

    @Test
    void appliesBertConfigDefaultsAndNumLabels() throws IOException {
        Path p = write("minimal.json", "{\"model_type\": \"bert\", \"vocab_size\": 100, \"hidden_size\": 64,"
                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"intermediate_size\": 128,"
                + " \"num_labels\": 3, \"pad_token_id\": null}");
        HfConfig c = HfConfig.read(p);
        assertEquals(EncoderConfig.builder().setVocabSize(100).setHiddenSize(64).setNumLayers(2)
                .setNumHeads(4).setIntermediateSize(128).build(), c.encoder());
        assertEquals(List.of("LABEL_0", "LABEL_1", "LABEL_2"), c.task().labels());
        assertEquals(List.of(), c.task().architectures());
    }

    // ------------------------------------------------------------------ errors

    private static final String VALID_BODY = "\"vocab_size\": 100, \"hidden_size\": 64,"
            + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"intermediate_size\": 128";

    private Path config(String name, String extra) throws IOException {
        return write(name, "{\"model_type\": \"bert\", " + VALID_BODY + extra + "}");
    }

    private static void assertBad(Path p, String... parts) {
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> HfConfig.read(p));
        assertEquals(p, e.file());
        assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message must contain \"" + part + "\": " + e.getMessage());
        }
    }

    @Test
    void namesEachMissingRequiredKey() throws IOException {
        for (String key : List.of("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "intermediate_size")) {
            JsonObject o = JsonParser.parseString("{\"model_type\": \"bert\", " + VALID_BODY + "}").getAsJsonObject();
            o.remove(key);
            assertBad(write("no-" + key + ".json", o.toString()), "missing required key '" + key + "'");
        }
        assertBad(write("no-type.json", "{" + VALID_BODY + "}"), "missing required key 'model_type'", "\"bert\"");
    }

    @Test
    void rejectsOtherModelTypesAndPositionSchemes() throws IOException {
        assertBad(write("roberta.json", "{\"model_type\": \"roberta\", " + VALID_BODY + "}"),
                "model_type 'roberta' is not supported", "[bert]");
        assertBad(config("relative.json", ", \"position_embedding_type\": \"relative_key\""),
                "position_embedding_type 'relative_key'", "\"absolute\"");
    }

    @Test
    void rejectsUnsupportedActivationNamingTheFile() throws IOException {
        assertBad(config("swish.json", ", \"hidden_act\": \"swish\""), "hidden_act 'swish'", "gelu_new");
    }

    @Test
    void rejectsBadJsonAndBadValues() throws IOException {
        assertBad(write("truncated.json", "{\"model_type\": \"bert\", \"hidden_size\": 3"), "not valid JSON");
        assertBad(write("comma.json", "{\"model_type\": \"bert\",}"), "not valid JSON");
        assertBad(write("two.json", "{} {}"), "not valid JSON");
        assertBad(write("array.json", "[1, 2]"), "must hold a JSON object", "[1,2]");
        assertBad(write("empty.json", " \n"), "is empty", "must hold a JSON object");
        assertBad(write("string-size.json", "{\"model_type\": \"bert\", " + VALID_BODY.replace("64", "\"64\"") + "}"),
                "hidden_size must be an integer", "\"64\"");
        assertBad(write("frac-size.json", "{\"model_type\": \"bert\", " + VALID_BODY.replace("64", "64.5") + "}"),
                "hidden_size must be an integer", "64.5");
        assertBad(config("eps.json", ", \"layer_norm_eps\": \"tiny\""), "layer_norm_eps must be a number");
        assertBad(config("heads.json", ", \"num_attention_heads\": 5"), "hiddenSize (64)",
                "divisible by numHeads (5)");
        assertBad(config("pad.json", ", \"pad_token_id\": 100"), "padTokenId (100)", "[0, 100)");
    }

    @Test
    void rejectsInconsistentLabels() throws IOException {
        assertBad(config("count.json", ", \"num_labels\": 3, \"id2label\": {\"0\": \"a\", \"1\": \"b\"}"),
                "num_labels is 3", "2 entries");
        assertBad(config("key.json", ", \"id2label\": {\"zero\": \"a\"}"), "id2label key 'zero'");
        assertBad(config("gap.json", ", \"id2label\": {\"0\": \"a\", \"2\": \"c\"}"), "ids [0, 2]", "0 .. n-1");
        assertBad(config("inverse.json", ", \"id2label\": {\"0\": \"a\", \"1\": \"b\"},"
                + " \"label2id\": {\"a\": 1, \"b\": 0}"), "not the inverse");
        assertBad(config("dup.json", ", \"id2label\": {\"0\": \"a\", \"1\": \"a\"}"), "label 'a' appears twice");
        assertBad(config("problem.json", ", \"problem_type\": \"ranking\""), "problem_type 'ranking'",
                "multi_label_classification");
        assertBad(config("arch.json", ", \"architectures\": \"BertModel\""), "architectures must be a list");
    }

    @Test
    void rejectsTextThatIsNotUtf8() throws IOException {
        Path p = dir.resolve("latin1.json");
        Files.write(p, new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}'});
        assertBad(p, "not valid UTF-8");
    }
}
