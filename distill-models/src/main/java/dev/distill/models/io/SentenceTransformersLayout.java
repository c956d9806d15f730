package dev.distill.models.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.models.encoder.Pooling;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The sentence-transformers layout of a model directory, written and read:
 *
 * <pre>
 * modules.json                 [Transformer (path ""), Pooling ("1_Pooling"), Normalize ("2_Normalize")]
 * sentence_bert_config.json    {"max_seq_length": N, "do_lower_case": false}
 * 1_Pooling/config.json        word_embedding_dimension and one pooling_mode_* set to true
 * 2_Normalize/                 empty: Normalize has no parameters
 * </pre>
 *
 * <p>On reading, every module must be one distill runs: a Transformer, a Pooling with CLS or mean
 * tokens, a Normalize. Anything else (a Dense projection, a second Transformer, a CNN, max
 * pooling) would change the embedding, so the directory is refused rather than loaded without it.
 */
public final class SentenceTransformersLayout {

    static final String MODULES = "modules.json";
    static final String POOLING_DIR = "1_Pooling";
    static final String NORMALIZE_DIR = "2_Normalize";
    private static final String ST = "sentence_transformers.models.";
    private static final Set<String> SUPPORTED = Set.of(ST + "Transformer", ST + "Pooling", ST + "Normalize");

    /** What {@link #read} found: the pooling and whether embeddings are L2-normalised. */
    public record Modules(Pooling pooling, boolean normalize) {}

    private SentenceTransformersLayout() {}

    /** Writes the four entries above into {@code dir}. */
    static void write(Path dir, Pooling pooling, int hiddenSize, int maxSeqLength) throws IOException {
        JsonArray modules = new JsonArray();
        modules.add(module(0, "", "Transformer"));
        modules.add(module(1, POOLING_DIR, "Pooling"));
        modules.add(module(2, NORMALIZE_DIR, "Normalize"));
        Files.writeString(dir.resolve(MODULES), pretty(modules), StandardCharsets.UTF_8);

        JsonObject st = new JsonObject();
        st.addProperty("max_seq_length", maxSeqLength);
        st.addProperty("do_lower_case", false); // the tokenizer lower-cases itself (tokenizer_config.json)
        Files.writeString(dir.resolve("sentence_bert_config.json"), pretty(st), StandardCharsets.UTF_8);

        JsonObject pc = new JsonObject();
        pc.addProperty("word_embedding_dimension", hiddenSize);
        pc.addProperty("pooling_mode_cls_token", pooling == Pooling.CLS);
        pc.addProperty("pooling_mode_mean_tokens", pooling == Pooling.MEAN);
        pc.addProperty("pooling_mode_max_tokens", false);
        pc.addProperty("pooling_mode_mean_sqrt_len_tokens", false);
        pc.addProperty("pooling_mode_weightedmean_tokens", false);
        pc.addProperty("pooling_mode_lasttoken", false);
        pc.addProperty("include_prompt", true);
        Files.createDirectories(dir.resolve(POOLING_DIR));
        Files.writeString(dir.resolve(POOLING_DIR).resolve("config.json"), pretty(pc), StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve(NORMALIZE_DIR));
    }

    private static JsonObject module(int idx, String path, String type) {
        JsonObject o = new JsonObject();
        o.addProperty("idx", idx);
        o.addProperty("name", Integer.toString(idx));
        o.addProperty("path", path);
        o.addProperty("type", ST + type);
        return o;
    }

    static String pretty(JsonElement e) {
        return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(e) + "\n";
    }

    /**
     * Reads {@code modules.json} and the pooling it points to. Without {@code modules.json}: the
     * pooling of {@code 1_Pooling/config.json} if present, else [CLS]; no normalisation declared.
     *
     * @throws IllegalArgumentException naming the file, the module and the fix, for a module
     *     distill cannot run
     */
    public static Modules read(Path dir) throws IOException {
        Path file = dir.resolve(MODULES);
        if (!Files.isRegularFile(file)) {
            Path legacy = dir.resolve(POOLING_DIR).resolve("config.json");
            return new Modules(Files.isRegularFile(legacy) ? readPooling(legacy) : Pooling.CLS, false);
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + "); modules.json must be"
                    + " a list of {idx, name, path, type} objects");
        }
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException(file + ": expected a JSON list of modules, found " + kind(root));
        }
        Pooling pooling = null;
        boolean normalize = false;
        int transformers = 0;
        for (JsonElement e : root.getAsJsonArray()) {
            JsonObject m = e.isJsonObject() ? e.getAsJsonObject() : null;
            String type = m != null && m.has("type") ? m.get("type").getAsString() : null;
            if (type == null) {
                throw new IllegalArgumentException(file + ": module " + e + " has no \"type\"");
            }
            if (!SUPPORTED.contains(type)) {
                throw new IllegalArgumentException(file + ": module " + m.get("idx") + " is " + type + ", which distill"
                        + " cannot run (it supports " + String.join(", ", List.copyOf(new java.util.TreeSet<>(SUPPORTED)))
                        + "); loading without it would change the embeddings. Use the model in sentence-transformers,"
                        + " or distil it into a student without that module");
            }
            if (type.endsWith(".Transformer") && ++transformers > 1) {
                throw new IllegalArgumentException(file + ": more than one Transformer module; distill runs one encoder");
            }
            if (type.endsWith(".Pooling")) {
                String path = m.has("path") ? m.get("path").getAsString() : POOLING_DIR;
                pooling = readPooling(dir.resolve(path).resolve("config.json"));
            }
            if (type.endsWith(".Normalize")) {
                normalize = true;
            }
        }
        return new Modules(pooling == null ? Pooling.CLS : pooling, normalize);
    }

    private static String kind(JsonElement e) {
        return e.isJsonObject() ? "an object" : e.isJsonPrimitive() ? "a value" : "null";
    }

    private static Pooling readPooling(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(p + " is missing; modules.json names a Pooling module there");
        }
        JsonObject o = JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        String[] others = {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"};
        for (String k : others) {
            if (o.has(k) && o.get(k).getAsBoolean()) {
                throw new IllegalArgumentException(p + ": " + k + " is true, which distill cannot run; it supports"
                        + " pooling_mode_cls_token or pooling_mode_mean_tokens");
            }
        }
        boolean mean = o.has("pooling_mode_mean_tokens") && o.get("pooling_mode_mean_tokens").getAsBoolean();
        boolean cls = o.has("pooling_mode_cls_token") && o.get("pooling_mode_cls_token").getAsBoolean();
        if (mean == cls) {
            throw new IllegalArgumentException(p + ": exactly one of pooling_mode_cls_token and pooling_mode_mean_tokens"
                    + " must be true (found cls " + cls + ", mean " + mean + ")");
        }
        return mean ? Pooling.MEAN : Pooling.CLS;
    }
}
