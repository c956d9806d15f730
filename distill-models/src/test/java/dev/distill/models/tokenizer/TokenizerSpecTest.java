package dev.distill.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.models.KnownModel;
import dev.distill.models.encoder.EncoderConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The checks {@link TokenizerSpec} makes before the native library sees a tokenizer.json, on the
 * real bge-small-en-v1.5 file with one thing broken at a time. Every refusal is one line naming
 * the file, the key, the value and the fix.
 */
class TokenizerSpecTest {

    static final String SOURCE = "models/tokenizer.json";

    static byte[] bytes(KnownModel m) throws Exception {
        try (InputStream in = TokenizerSpecTest.class.getClassLoader().getResourceAsStream(m.tokenizerResource())) {
            return in.readAllBytes();
        }
    }

    static byte[] edited(Consumer<JsonObject> edit) throws Exception {
        JsonObject o = JsonParser.parseString(new String(bytes(KnownModel.BGE_SMALL_EN_V15), StandardCharsets.UTF_8))
                .getAsJsonObject();
        edit.accept(o);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String refusal(byte[] json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.parse(json, SOURCE));
        assertOneLineNamingTheFile(e.getMessage());
        return e.getMessage();
    }

    static void assertOneLineNamingTheFile(String message) {
        assertFalse(message.contains("\n"), "not one line: " + message);
        assertTrue(message.startsWith(SOURCE + ": "), message);
    }

    @ParameterizedTest
    @EnumSource(KnownModel.class)
    void theRealTokenizersPassAndFitTheirModels(KnownModel m) throws Exception {
        TokenizerSpec spec = TokenizerSpec.parse(bytes(m), m.tokenizerResource());
        assertEquals(30522, spec.idCount()); // bert-base-uncased's vocabulary, ids 0..30521
        assertEquals(1, spec.maxTypeId()); // the pair template's second segment
        spec.checkFits(EncoderConfig.bertBase(), "config.json");
    }

    @Test
    void unknownTokenMustBeInTheVocabulary() throws Exception {
        String m = refusal(edited(o -> o.getAsJsonObject("model").addProperty("unk_token", "[NOPE]")));
        assertTrue(m.contains("model.unk_token is \"[NOPE]\", which is not in model.vocab (30522 entries)"), m);
        assertTrue(m.contains("set \"unk_token\": \"[UNK]\" (id 100"), m);
        String missing = refusal(edited(o -> o.getAsJsonObject("model").remove("unk_token")));
        assertTrue(missing.contains("model.unk_token is missing; a WordPiece model needs"), missing);
    }

    @Test
    void templateSpecialTokensMustExistWithTheVocabularysIds() throws Exception {
        String m = refusal(edited(o -> specials(o).remove("[CLS]")));
        assertTrue(m.contains("post_processor.single names special token \"[CLS]\""), m);
        assertTrue(m.contains("\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [101]"), m);
        String wrongId = refusal(edited(o -> {
            JsonArray ids = new JsonArray();
            ids.add(7);
            specials(o).getAsJsonObject("[SEP]").add("ids", ids);
        }));
        assertTrue(wrongId.contains("gives \"[SEP]\" id 7 but the vocabulary has it at id 102; set the id to 102"),
                wrongId);
    }

    @Test
    void idsAndTypeIdsMustFitTheModel() throws Exception {
        TokenizerSpec spec = TokenizerSpec.parse(bytes(KnownModel.BGE_SMALL_EN_V15), SOURCE);
        EncoderConfig small = EncoderConfig.builder().setVocabSize(1000).setHiddenSize(32).setNumLayers(1)
                .setNumHeads(4).setIntermediateSize(48).build();
        IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
                () -> spec.checkFits(small, "dir/config.json"));
        assertOneLineNamingTheFile(vocab.getMessage());
        assertTrue(vocab.getMessage().contains("token id 30521"), vocab.getMessage());
        assertTrue(vocab.getMessage().contains("dir/config.json has vocab_size 1000 (ids 0..999)"), vocab.getMessage());

        EncoderConfig oneType = EncoderConfig.bertBase().toBuilder().optTypeVocabSize(1).build();
        IllegalArgumentException types = assertThrows(IllegalArgumentException.class,
                () -> spec.checkFits(oneType, "dir/config.json"));
        assertOneLineNamingTheFile(types.getMessage());
        assertTrue(types.getMessage().contains("post_processor.pair gives token type id 1 but dir/config.json has"
                + " type_vocab_size 1"), types.getMessage());
    }

    @Test
    void addedTokensCountAsIds() throws Exception {
        TokenizerSpec spec = TokenizerSpec.parse(edited(o -> {
            JsonObject t = new JsonObject();
            t.addProperty("id", 40000);
            t.addProperty("content", "[NEW]");
            o.getAsJsonArray("added_tokens").add(t);
        }), SOURCE);
        assertEquals(40001, spec.idCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spec.checkFits(EncoderConfig.bertBase(), "config.json"));
        assertTrue(e.getMessage().contains("token id 40000 (\"[NEW]\")"), e.getMessage());
    }

    @Test
    void malformedFilesAreOneLine() throws Exception {
        String json = refusal("{\"model\": {\"type\": \"WordPiece\",".getBytes(StandardCharsets.UTF_8));
        assertTrue(json.contains("is not valid JSON"), json);
        assertTrue(refusal("[]".getBytes(StandardCharsets.UTF_8)).contains("must hold a JSON object"));
        assertTrue(refusal("{}".getBytes(StandardCharsets.UTF_8)).contains("model is missing"));
        String negative = refusal(edited(o -> o.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("x", -3)));
        assertTrue(negative.contains("model.vocab[\"x\"] must be a non-negative integer id"), negative);
        String type = refusal(edited(o -> o.getAsJsonObject("model").addProperty("type", "Mystery")));
        assertTrue(type.contains("model.type is \"Mystery\""), type);
    }

    @Test
    void unigramNeedsAnUnknownIdInsideItsPieces() {
        String base = "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.5]]%s}}";
        TokenizerSpec ok = TokenizerSpec.parse(String.format(base, ", \"unk_id\": 0").getBytes(StandardCharsets.UTF_8),
                SOURCE);
        assertEquals(2, ok.idCount());
        assertTrue(refusal(String.format(base, "").getBytes(StandardCharsets.UTF_8)).contains("model.unk_id is missing"));
        assertTrue(refusal(String.format(base, ", \"unk_id\": 5").getBytes(StandardCharsets.UTF_8))
                .contains("model.unk_id is 5 but model.vocab has 2 pieces"));
    }

    @Test
    void bpeMayHaveNoUnknownTokenButNotAMissingOne() {
        String base = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": []%s}}";
        assertEquals(2, TokenizerSpec.parse(String.format(base, ", \"unk_token\": null")
                .getBytes(StandardCharsets.UTF_8), SOURCE).idCount());
        assertTrue(refusal(String.format(base, ", \"unk_token\": \"<unk>\"").getBytes(StandardCharsets.UTF_8))
                .contains("model.unk_token is \"<unk>\", which is not in model.vocab"));
    }

    private static JsonObject specials(JsonObject o) {
        return o.getAsJsonObject("post_processor").getAsJsonObject("special_tokens");
    }
}
