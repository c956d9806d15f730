// Over the ~400-line guideline (about 440): one reader for the whole tokenizer.json format, so every
// rule that keeps a file away from a native abort is in one place, with its message.
package dev.distill.models.tokenizer;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.distill.models.encoder.EncoderConfig;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What distill checks in a Hugging Face {@code tokenizer.json} before the native tokenizer
 * library sees it. That library (Rust, through DJL's JNI) panics on some files it accepts at
 * load time, and a panic there aborts the whole JVM (exit 134, no Java exception): a
 * {@code model.unk_token} missing from the vocabulary aborts on the first out-of-vocabulary
 * character, and a {@code post_processor} template naming a special token its
 * {@code special_tokens} lacks aborts on any text. So the file is read here first and refused
 * with one line naming the file, the key, the value and the fix:
 *
 * <ul>
 *   <li>{@code model.vocab} is a token → id map (WordPiece, BPE, WordLevel) or a list of
 *       {@code [piece, score]} (Unigram), every id a non-negative integer;
 *   <li>the unknown token is in the vocabulary ({@code model.unk_token}; Unigram:
 *       {@code model.unk_id} within the list); a BPE model may have none;
 *   <li>every {@code added_tokens} entry has a string {@code content} and an id;
 *   <li>every special token a {@code TemplateProcessing} template names is in its
 *       {@code special_tokens}, whose ids match the vocabulary; {@code BertProcessing} and
 *       {@code RobertaProcessing} tokens match the vocabulary too.
 * </ul>
 *
 * <p>{@link #checkFits} then checks the tokenizer against the model it feeds: every id within the
 * embedding table ({@code vocab_size}) and every token-type id within {@code type_vocab_size}.
 */
public final class TokenizerSpec {

    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    private final String source;
    private final Map<String, Long> vocab;
    private long maxId = -1;
    private String maxIdToken;
    private int maxTypeId;
    private String maxTypeIdKey = "post_processor";

    private TokenizerSpec(String source, Map<String, Long> vocab) {
        this.source = source;
        this.vocab = vocab;
    }

    /**
     * Reads and checks a {@code tokenizer.json}.
     *
     * @param json the file's bytes (UTF-8)
     * @param source the file or resource name, for messages
     * @throws IllegalArgumentException one line naming the file, the key, the value and the fix
     */
    public static TokenizerSpec parse(byte[] json, String source) {
        Objects.requireNonNull(json, "json");
        JsonObject root = parseObject(new String(json, StandardCharsets.UTF_8), source);
        JsonObject model = object(root, "model", source, true);
        String type = string(model, "type", "model.type", source);
        JsonElement vocabElement = model.get("vocab");
        if (vocabElement == null || vocabElement.isJsonNull()) {
            throw bad(source, "model.vocab is missing; a tokenizer.json needs its vocabulary (a token → id map)");
        }
        if (type == null) { // files written by old versions of tokenizers may omit it
            type = vocabElement.isJsonArray() ? "Unigram" : model.has("merges") ? "BPE"
                    : model.has("continuing_subword_prefix") ? "WordPiece" : "WordLevel";
        }
        TokenizerSpec spec = new TokenizerSpec(source, new HashMap<>());
        if (type.equals("Unigram")) {
            spec.readUnigram(model, vocabElement);
        } else if (List.of("WordPiece", "BPE", "WordLevel").contains(type)) {
            spec.readVocabMap(model, vocabElement, type);
        } else {
            throw bad(source, "model.type is \"" + type + "\"; distill reads WordPiece, BPE, WordLevel and Unigram"
                    + " tokenizers");
        }
        spec.readAddedTokens(root);
        JsonElement post = root.get("post_processor");
        if (post != null && !post.isJsonNull()) {
            spec.readPostProcessor(post, "post_processor");
        }
        return spec;
    }

    /** The file or resource this was read from. */
    public String source() {
        return source;
    }

    /** One more than the largest token id the tokenizer can produce (vocabulary, added and special tokens). */
    public long idCount() {
        return maxId + 1;
    }

    /** The largest token-type id the post-processor assigns (0 without one). */
    public int maxTypeId() {
        return maxTypeId;
    }

    /**
     * Checks that this tokenizer can feed a model of shape {@code config}: every token id it can
     * produce has a row in the word-embedding table, every token-type id one in the type table.
     *
     * @param configSource the model's {@code config.json} (or other source), for messages
     * @throws IllegalArgumentException one line naming both files, the values and the fix
     */
    public void checkFits(EncoderConfig config, String configSource) {
        if (idCount() > config.vocabSize()) {
            throw new IllegalArgumentException(source + ": token id " + maxId + " (\"" + maxIdToken + "\") is outside"
                    + " the model's embedding table: " + configSource + " has vocab_size " + config.vocabSize()
                    + " (ids 0.." + (config.vocabSize() - 1) + "), the tokenizer needs at least " + idCount()
                    + "; use the tokenizer.json the model was trained with");
        }
        if (maxTypeId >= config.typeVocabSize()) {
            throw new IllegalArgumentException(source + ": " + maxTypeIdKey + " gives token type id " + maxTypeId
                    + " but " + configSource + " has type_vocab_size " + config.typeVocabSize() + " (type ids 0.."
                    + (config.typeVocabSize() - 1) + "); use the tokenizer.json the model was trained with, or a"
                    + " template whose type_id values stay below " + config.typeVocabSize());
        }
    }

    // ------------------------------------------------------------------ model

    private void readVocabMap(JsonObject model, JsonElement vocabElement, String type) {
        if (!vocabElement.isJsonObject()) {
            throw bad(source, "model.vocab of a " + type + " model must be a token → id object, found "
                    + describe(vocabElement));
        }
        for (Map.Entry<String, JsonElement> e : vocabElement.getAsJsonObject().entrySet()) {
            long id = id(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]");
            vocab.put(e.getKey(), id);
            see(id, e.getKey());
        }
        if (vocab.isEmpty()) {
            throw bad(source, "model.vocab is empty; a tokenizer needs at least its unknown token");
        }
        JsonElement unk = model.get("unk_token");
        if (unk == null || unk.isJsonNull()) {
            if (!type.equals("BPE")) { // BPE skips unknown characters; WordPiece and WordLevel need the token
                throw bad(source, "model.unk_token is missing; a " + type + " model needs the token it maps unknown"
                        + " words to" + unkHint());
            }
            return;
        }
        if (!unk.isJsonPrimitive() || !unk.getAsJsonPrimitive().isString()) {
            throw bad(source, "model.unk_token must be a string, found " + describe(unk));
        }
        String token = unk.getAsString();
        if (!vocab.containsKey(token)) {
            throw bad(source, "model.unk_token is \"" + token + "\", which is not in model.vocab (" + vocab.size()
                    + " entries); the native tokenizer would abort the JVM on the first unknown character"
                    + unkHint() + " or add \"" + token + "\" to model.vocab");
        }
    }

    private String unkHint() {
        for (String t : List.of("[UNK]", "<unk>", "<UNK>", "[unk]")) {
            if (vocab.containsKey(t)) {
                return "; set \"unk_token\": \"" + t + "\" (id " + vocab.get(t) + ", in the vocabulary)";
            }
        }
        return "; set it to the vocabulary's unknown token";
    }

    private void readUnigram(JsonObject model, JsonElement vocabElement) {
        if (!vocabElement.isJsonArray()) {
            throw bad(source, "model.vocab of a Unigram model must be a list of [piece, score], found "
                    + describe(vocabElement));
        }
        JsonArray pieces = vocabElement.getAsJsonArray();
        for (int i = 0; i < pieces.size(); i++) {
            JsonElement p = pieces.get(i);
            if (!p.isJsonArray() || p.getAsJsonArray().size() != 2 || !p.getAsJsonArray().get(0).isJsonPrimitive()) {
                throw bad(source, "model.vocab[" + i + "] must be [piece, score], found " + describe(p));
            }
            vocab.putIfAbsent(p.getAsJsonArray().get(0).getAsString(), (long) i);
            see(i, p.getAsJsonArray().get(0).getAsString());
        }
        JsonElement unk = model.get("unk_id");
        if (unk == null || unk.isJsonNull()) {
            throw bad(source, "model.unk_id is missing; a Unigram model needs the id it maps unknown pieces to"
                    + " (the native tokenizer would abort the JVM on the first one); set it to the index of <unk>");
        }
        long id = id(unk, "model.unk_id");
        if (id >= pieces.size()) {
            throw bad(source, "model.unk_id is " + id + " but model.vocab has " + pieces.size() + " pieces (ids 0.."
                    + (pieces.size() - 1) + "); set it to the index of the unknown piece");
        }
    }

    private void readAddedTokens(JsonObject root) {
        JsonElement added = root.get("added_tokens");
        if (added == null || added.isJsonNull()) {
            return;
        }
        if (!added.isJsonArray()) {
            throw bad(source, "added_tokens must be a list of {\"id\": n, \"content\": \"...\"}, found "
                    + describe(added));
        }
        JsonArray list = added.getAsJsonArray();
        for (int i = 0; i < list.size(); i++) {
            String key = "added_tokens[" + i + "]";
            JsonObject t = list.get(i).isJsonObject() ? list.get(i).getAsJsonObject() : null;
            if (t == null) {
                throw bad(source, key + " must be an object {\"id\": n, \"content\": \"...\"}, found "
                        + describe(list.get(i)));
            }
            String content = string(t, "content", key + ".content", source);
            if (content == null) {
                throw bad(source, key + ".content is missing; every added token needs its text");
            }
            if (!t.has("id")) {
                throw bad(source, key + ".id is missing; every added token needs its id");
            }
            long id = id(t.get("id"), key + ".id");
            vocab.putIfAbsent(content, id);
            see(id, content);
        }
    }

    // ------------------------------------------------------------------ post-processor

    private void readPostProcessor(JsonElement element, String key) {
        if (!element.isJsonObject()) {
            throw bad(source, key + " must be an object with a \"type\", found " + describe(element));
        }
        JsonObject p = element.getAsJsonObject();
        String type = string(p, "type", key + ".type", source);
        if (type == null) {
            throw bad(source, key + ".type is missing");
        }
        switch (type) {
            case "TemplateProcessing":
                readTemplate(p, key);
                break;
            case "BertProcessing":
            case "RobertaProcessing":
                for (String part : List.of("cls", "sep")) {
                    JsonElement pair = p.get(part);
                    String k = key + "." + part;
                    if (pair == null || !pair.isJsonArray() || pair.getAsJsonArray().size() != 2) {
                        throw bad(source, k + " must be [token, id], found " + describe(pair));
                    }
                    String token = pair.getAsJsonArray().get(0).getAsString();
                    requireVocabId(token, id(pair.getAsJsonArray().get(1), k + "[1]"), k);
                }
                seeType(1, key + " (pairs)");
                break;
            case "Sequence":
                JsonElement processors = p.get("processors");
                if (processors == null || !processors.isJsonArray()) {
                    throw bad(source, key + ".processors must be a list, found " + describe(processors));
                }
                for (int i = 0; i < processors.getAsJsonArray().size(); i++) {
                    readPostProcessor(processors.getAsJsonArray().get(i), key + ".processors[" + i + "]");
                }
                break;
            default:
                break; // ByteLevel and others add no tokens
        }
    }

    private void readTemplate(JsonObject p, String key) {
        JsonElement specials = p.get("special_tokens");
        if (specials != null && !specials.isJsonNull() && !specials.isJsonObject()) {
            throw bad(source, key + ".special_tokens must be an object, found " + describe(specials));
        }
        JsonObject special = specials == null || specials.isJsonNull() ? new JsonObject() : specials.getAsJsonObject();
        for (Map.Entry<String, JsonElement> e : special.entrySet()) {
            String k = key + ".special_tokens[\"" + e.getKey() + "\"]";
            if (!e.getValue().isJsonObject()) {
                throw bad(source, k + " must be {\"id\": ..., \"ids\": [...], \"tokens\": [...]}, found "
                        + describe(e.getValue()));
            }
            JsonElement ids = e.getValue().getAsJsonObject().get("ids");
            JsonElement tokens = e.getValue().getAsJsonObject().get("tokens");
            if (ids == null || !ids.isJsonArray() || tokens == null || !tokens.isJsonArray()
                    || ids.getAsJsonArray().size() != tokens.getAsJsonArray().size()) {
                throw bad(source, k + " needs lists \"ids\" and \"tokens\" of the same length, found ids "
                        + describe(ids) + " and tokens " + describe(tokens));
            }
            for (int i = 0; i < ids.getAsJsonArray().size(); i++) {
                requireVocabId(tokens.getAsJsonArray().get(i).getAsString(),
                        id(ids.getAsJsonArray().get(i), k + ".ids[" + i + "]"), k);
            }
        }
        for (String part : List.of("single", "pair")) {
            JsonElement template = p.get(part);
            if (template == null || template.isJsonNull()) {
                continue;
            }
            if (!template.isJsonArray()) {
                throw bad(source, key + "." + part + " must be a list of pieces, found " + describe(template));
            }
            JsonArray pieces = template.getAsJsonArray();
            for (int i = 0; i < pieces.size(); i++) {
                String k = key + "." + part + "[" + i + "]";
                JsonObject piece = pieces.get(i).isJsonObject() ? pieces.get(i).getAsJsonObject() : null;
                JsonObject body = piece == null ? null : piece.has("SpecialToken")
                        ? object(piece, "SpecialToken", source, false) : object(piece, "Sequence", source, false);
                if (body == null) {
                    throw bad(source, k + " must be {\"SpecialToken\": {...}} or {\"Sequence\": {...}}, found "
                            + describe(pieces.get(i)));
                }
                if (body.has("type_id")) {
                    long typeId = id(body.get("type_id"), k + ".type_id");
                    seeType(typeId, key + "." + part);
                }
                if (piece.has("SpecialToken")) {
                    String name = string(body, "id", k + ".SpecialToken.id", source);
                    if (name == null || !special.has(name)) {
                        throw bad(source, key + "." + part + " names special token \"" + name + "\", which "
                                + key + ".special_tokens lacks (it has " + special.keySet() + "); the native"
                                + " tokenizer would abort the JVM on any text. Add " + specialFix(name)
                                + " to special_tokens, or remove it from the template");
                    }
                }
            }
        }
    }

    private String specialFix(String name) {
        Long id = vocab.get(name);
        return "\"" + name + "\": {\"id\": \"" + name + "\", \"ids\": [" + (id == null ? "ID" : id) + "], \"tokens\": [\""
                + name + "\"]}";
    }

    private void requireVocabId(String token, long id, String key) {
        Long inVocab = vocab.get(token);
        if (inVocab == null) {
            throw bad(source, key + " names token \"" + token + "\", which is neither in model.vocab nor in"
                    + " added_tokens; add it to the vocabulary or use one of its tokens");
        }
        if (inVocab != id) {
            throw bad(source, key + " gives \"" + token + "\" id " + id + " but the vocabulary has it at id " + inVocab
                    + "; set the id to " + inVocab);
        }
        see(id, token);
    }

    // ------------------------------------------------------------------ helpers

    private void see(long id, String token) {
        if (id > maxId) {
            maxId = id;
            maxIdToken = token;
        }
    }

    private void seeType(long typeId, String key) {
        if (typeId > maxTypeId) {
            maxTypeId = (int) Math.min(typeId, Integer.MAX_VALUE);
            maxTypeIdKey = key;
        }
    }

    private long id(JsonElement v, String key) {
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw bad(source, key + " must be a non-negative integer id, found " + describe(v));
        }
        double d = v.getAsDouble();
        if (d < 0 || d != Math.rint(d) || d > Integer.MAX_VALUE) {
            throw bad(source, key + " must be a non-negative integer id below 2^31, found " + v);
        }
        return (long) d;
    }

    private static JsonObject parseObject(String json, String source) {
        JsonElement root;
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            root = ELEMENTS.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw bad(source, "is not valid JSON: text follows the top-level object");
            }
        } catch (IOException | IllegalStateException | com.google.gson.JsonParseException e) {
            String why = String.valueOf(e.getCause() != null && e instanceof com.google.gson.JsonParseException
                    ? e.getCause().getMessage() : e.getMessage()).replaceAll("(?s)\\s*See https://.*$", "")
                    .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                    .replaceAll("\\s+", " ").strip();
            throw bad(source, "is not valid JSON (" + why + "); it must be a Hugging Face tokenizer.json");
        }
        if (root == null || !root.isJsonObject()) {
            throw bad(source, "must hold a JSON object (a Hugging Face tokenizer.json), found " + describe(root));
        }
        return root.getAsJsonObject();
    }

    private static JsonObject object(JsonObject o, String key, String source, boolean required) {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            if (required) {
                throw bad(source, key + " is missing; a Hugging Face tokenizer.json has a \"" + key + "\" object");
            }
            return null;
        }
        if (!v.isJsonObject()) {
            throw bad(source, key + " must be an object, found " + describe(v));
        }
        return v.getAsJsonObject();
    }

    private static String string(JsonObject o, String key, String path, String source) {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            return null;
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw bad(source, path + " must be a string, found " + describe(v));
        }
        return v.getAsString();
    }

    private static String describe(JsonElement v) {
        if (v == null) {
            return "nothing";
        }
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static IllegalArgumentException bad(String source, String problem) {
        return new IllegalArgumentException(source + ": " + problem);
    }
}
