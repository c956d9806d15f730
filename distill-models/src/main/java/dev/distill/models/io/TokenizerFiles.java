package dev.distill.models.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokenizer files {@code transformers} expects beside {@code tokenizer.json}, derived from
 * it so they cannot disagree:
 *
 * <ul>
 *   <li>{@code tokenizer_config.json}: {@code do_lower_case} from the normaliser's
 *       {@code lowercase} (a {@code BertNormalizer}, or a {@code Lowercase} step in a
 *       {@code Sequence}), {@code model_max_length}, the special tokens;
 *   <li>{@code special_tokens_map.json}: the special tokens by role ({@code [CLS]}, {@code [SEP]},
 *       {@code [PAD]}, {@code [UNK]}, {@code [MASK]} for BERT WordPiece vocabularies);
 *   <li>{@code vocab.txt}: one WordPiece per line in id order (the slow {@code BertTokenizer}).
 * </ul>
 */
final class TokenizerFiles {

    private static final String[][] ROLES = {
        {"unk_token", "[UNK]"}, {"sep_token", "[SEP]"}, {"pad_token", "[PAD]"}, {"cls_token", "[CLS]"},
        {"mask_token", "[MASK]"}};

    private TokenizerFiles() {}

    /** Writes the three files into {@code dir}. */
    static void write(Path dir, TextTokenizer tokenizer, int modelMaxLength) throws IOException {
        JsonObject root = JsonParser.parseString(new String(tokenizer.json(), StandardCharsets.UTF_8)).getAsJsonObject();
        Map<String, String> special = specialTokens(root);
        JsonObject map = new JsonObject();
        special.forEach(map::addProperty);
        Files.writeString(dir.resolve("special_tokens_map.json"), SentenceTransformersLayout.pretty(map),
                StandardCharsets.UTF_8);

        JsonObject config = new JsonObject();
        config.addProperty("tokenizer_class", isWordPiece(root) ? "BertTokenizer" : "PreTrainedTokenizerFast");
        config.addProperty("do_lower_case", lowercases(root.get("normalizer")));
        config.addProperty("model_max_length", modelMaxLength);
        config.addProperty("clean_up_tokenization_spaces", true);
        special.forEach(config::addProperty);
        Files.writeString(dir.resolve("tokenizer_config.json"), SentenceTransformersLayout.pretty(config),
                StandardCharsets.UTF_8);

        if (isWordPiece(root)) {
            Files.writeString(dir.resolve("vocab.txt"), String.join("\n", tokenizer.vocabulary()) + "\n",
                    StandardCharsets.UTF_8);
        }
    }

    private static boolean isWordPiece(JsonObject root) {
        JsonObject model = root.getAsJsonObject("model");
        return model != null && model.has("type") && "WordPiece".equals(model.get("type").getAsString());
    }

    /** Whether the normaliser lower-cases: BertNormalizer.lowercase, or a Lowercase step. */
    static boolean lowercases(JsonElement normalizer) {
        if (normalizer == null || !normalizer.isJsonObject()) {
            return false;
        }
        JsonObject n = normalizer.getAsJsonObject();
        String type = n.has("type") ? n.get("type").getAsString() : "";
        switch (type) {
            case "BertNormalizer":
                return n.has("lowercase") && n.get("lowercase").getAsBoolean();
            case "Lowercase":
                return true;
            case "Sequence":
                for (JsonElement e : n.getAsJsonArray("normalizers")) {
                    if (lowercases(e)) {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    /** The BERT special tokens present among the tokenizer's added (special) tokens, by role. */
    private static Map<String, String> specialTokens(JsonObject root) {
        java.util.Set<String> present = new java.util.HashSet<>();
        if (root.has("added_tokens")) {
            for (JsonElement e : root.getAsJsonArray("added_tokens")) {
                JsonObject t = e.getAsJsonObject();
                if (!t.has("special") || t.get("special").getAsBoolean()) {
                    present.add(t.get("content").getAsString());
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String[] r : ROLES) {
            if (present.contains(r[1])) {
                out.put(r[0], r[1]);
            }
        }
        return out;
    }
}
