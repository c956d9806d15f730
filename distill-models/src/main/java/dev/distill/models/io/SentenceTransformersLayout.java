package dev.distill.models.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.distill.core.io.MalformedFileException;
import dev.distill.models.encoder.Pooling;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
     * @throws MalformedFileException naming the file, the entry and the fix, for a corrupt file or a
     *     module distill cannot run
     */
    public static Modules read(Path dir) throws IOException {
        return SentenceTransformersConfig.read(dir, -1);
    }
}
