package dev.distill.models.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.distill.core.io.MalformedFileException;
import dev.distill.models.encoder.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The sentence-transformers files of a model directory, read strictly: {@code modules.json}
 * (the pipeline; its Pooling module says where the pooling config lives) and that pooling
 * {@code config.json}. Every problem throws {@link MalformedFileException} naming the file, the
 * key and the value, never a JSON library stack trace.
 */
final class SentenceTransformersConfig {


    static final String MODULES = "modules.json";
    static final String DEFAULT_POOLING_DIR = "1_Pooling";
    private static final String ST = "sentence_transformers.models.";
    private static final List<String> SUPPORTED = List.of(ST + "Transformer", ST + "Pooling", ST + "Normalize");
    private static final List<String> MODES = List.of("pooling_mode_cls_token", "pooling_mode_mean_tokens",
            "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
            "pooling_mode_lasttoken");

    private SentenceTransformersConfig() {}

    /**
     * The pooling of the model in {@code dir}: from the Pooling module {@code modules.json}
     * names (or {@code 1_Pooling/config.json} without a {@code modules.json}); [CLS] when there is
     * no pooling config.
     *
     * @param hiddenSize the encoder's width, checked against {@code word_embedding_dimension}
     */
    static SentenceTransformersLayout.Modules read(Path dir, int hiddenSize) throws IOException {
        Path poolingDir = dir.resolve(DEFAULT_POOLING_DIR);
        Path modules = dir.resolve(MODULES);
        boolean normalize = false;
        if (Files.isRegularFile(modules)) {
            Pipeline pipeline = pipeline(dir, modules);
            poolingDir = pipeline.poolingDir();
            normalize = pipeline.normalize();
            if (poolingDir == null) {
                return new SentenceTransformersLayout.Modules(Pooling.CLS, normalize);
            }
        }
        Path file = poolingDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            if (Files.isRegularFile(modules)) {
                throw new MalformedFileException(modules, "names a Pooling module in " + poolingDir + ", which has no"
                        + " config.json; restore it or remove the module");
            }
            return new SentenceTransformersLayout.Modules(Pooling.CLS, false);
        }
        return new SentenceTransformersLayout.Modules(readPoolingFile(file, hiddenSize), normalize);
    }

    private static Pooling readPoolingFile(Path file, int hiddenSize) throws IOException {
        JsonElement root = JsonFiles.read(file);
        if (!root.isJsonObject()) {
            throw new MalformedFileException(file, "must hold a JSON object {\"pooling_mode_cls_token\": true, ...},"
                    + " found " + brief(root));
        }
        JsonObject o = root.getAsJsonObject();
        List<String> on = new ArrayList<>();
        for (String mode : MODES) {
            JsonElement v = o.get(mode);
            if (v == null || v.isJsonNull()) {
                continue;
            }
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
                throw new MalformedFileException(file, mode + " must be true or false, found " + brief(v));
            }
            if (v.getAsBoolean()) {
                on.add(mode);
            }
        }
        JsonElement dim = o.get("word_embedding_dimension");
        if (hiddenSize > 0 && dim != null && !dim.isJsonNull() && (!dim.isJsonPrimitive() || !dim.getAsJsonPrimitive().isNumber()
                || dim.getAsDouble() != hiddenSize)) {
            throw new MalformedFileException(file, "word_embedding_dimension is " + brief(dim) + " but the model's"
                    + " hidden_size is " + hiddenSize + "; set it to " + hiddenSize);
        }
        if (on.size() != 1) {
            throw new MalformedFileException(file, (on.isEmpty() ? "turns no pooling mode on" : "turns on " + on)
                    + "; distill supports exactly one of pooling_mode_cls_token or pooling_mode_mean_tokens set to true");
        }
        switch (on.get(0)) {
            case "pooling_mode_cls_token":
                return Pooling.CLS;
            case "pooling_mode_mean_tokens":
                return Pooling.MEAN;
            default:
                throw new MalformedFileException(file, on.get(0) + " is not supported; distill pools with"
                        + " pooling_mode_cls_token or pooling_mode_mean_tokens");
        }
    }

    /** The Pooling module's folder ({@code null} when the pipeline has none) and whether it normalises. */
    private record Pipeline(Path poolingDir, boolean normalize) {}

    private static Pipeline pipeline(Path dir, Path modules) throws IOException {
        JsonElement root = JsonFiles.read(modules);
        if (!root.isJsonArray()) {
            throw new MalformedFileException(modules, "must hold a list of modules [{\"idx\": 0, \"name\": \"0\","
                    + " \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}, ...], found "
                    + brief(root));
        }
        JsonArray list = root.getAsJsonArray();
        Path pooling = null;
        boolean normalize = false;
        int transformers = 0;
        for (int i = 0; i < list.size(); i++) {
            JsonElement m = list.get(i);
            if (!m.isJsonObject()) {
                throw new MalformedFileException(modules, "entry " + i + " must be an object with \"type\" and"
                        + " \"path\", found " + brief(m));
            }
            String type = string(m.getAsJsonObject(), "type", i, modules);
            String path = string(m.getAsJsonObject(), "path", i, modules);
            Path resolved = dir.resolve(path).normalize();
            if (!resolved.startsWith(dir.normalize())) {
                throw new MalformedFileException(modules, "entry " + i + " has path \"" + path + "\", which leaves"
                        + " the model directory; module paths are relative folders inside it");
            }
            String simple = type.substring(type.lastIndexOf('.') + 1);
            if (!SUPPORTED.contains(type)) {
                throw new MalformedFileException(modules, "entry " + i + " is " + type + ", which distill cannot run"
                        + " (it runs " + String.join(", ", SUPPORTED) + "); loading without it would change the"
                        + " embeddings. Use the model in sentence-transformers, or distil it into a student without"
                        + " that module");
            }
            if (simple.equals("Transformer") && ++transformers > 1) {
                throw new MalformedFileException(modules, "entry " + i + " is a second Transformer; distill runs one"
                        + " encoder");
            }
            if (simple.equals("Pooling")) {
                pooling = resolved;
            }
            normalize |= simple.equals("Normalize");
        }
        return new Pipeline(pooling, normalize);
    }

    private static String string(JsonObject o, String key, int index, Path file) throws MalformedFileException {
        JsonElement v = o.get(key);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw new MalformedFileException(file, "entry " + index + " needs a string \"" + key + "\", found "
                    + brief(v));
        }
        return v.getAsString();
    }

    private static String brief(JsonElement v) {
        if (v == null) {
            return "nothing";
        }
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
