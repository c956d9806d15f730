// Over 400 lines only because of its Javadoc: 376 lines of code reading and writing config.json.
package dev.distill.models.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.io.MalformedFileException;
import dev.distill.models.encoder.EncoderConfig;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face {@code config.json} for a BERT encoder: the {@link EncoderConfig} it describes
 * and the optional task-head fields ({@link TaskHead}). Reads what {@code transformers}
 * writes for {@code BertModel} / {@code BertFor*} and writes files {@code BertConfig} loads.
 *
 * <p>Key mapping ({@code config.json} → {@link EncoderConfig}); keys marked * are required, the
 * others default to {@code BertConfig}'s defaults, as in {@code transformers}:
 *
 * <pre>
 * model_type*                    must be "bert"
 * vocab_size*                    vocabSize
 * hidden_size*                   hiddenSize
 * num_hidden_layers*             numLayers
 * num_attention_heads*           numHeads
 * intermediate_size*             intermediateSize
 * attention_head_size            headSize; distill's own key, written only when
 *                                numHeads · headSize != hiddenSize (BertModel cannot load those)
 * hidden_act                     hiddenAct ("gelu")
 * hidden_dropout_prob            hiddenDropout (0.1)
 * attention_probs_dropout_prob   attentionDropout (0.1)
 * max_position_embeddings        maxPositions (512)
 * type_vocab_size                typeVocabSize (2)
 * layer_norm_eps                 layerNormEps (1e-12)
 * pad_token_id                   padTokenId (0)
 * position_embedding_type        must be "absolute" when present (relative variants differ)
 * architectures, num_labels, id2label, label2id, problem_type → {@link TaskHead}
 * </pre>
 *
 * <p>Other keys ({@code initializer_range}, {@code use_cache}, {@code transformers_version}, ...)
 * are ignored on reading and not written. Every problem with a file throws
 * {@link MalformedFileException} naming the file, the key, the value found and the rule.
 *
 * @param encoder the encoder's shape and hyper-parameters
 * @param task what sits on top of the encoder
 */
public record HfConfig(EncoderConfig encoder, TaskHead task) {

    /** The file name inside a model directory. */
    public static final String FILE_NAME = "config.json";

    /** The {@code model_type} values read. */
    public static final List<String> SUPPORTED_MODEL_TYPES = List.of("bert");

    /** The {@code problem_type} values {@code transformers} accepts. */
    public static final List<String> PROBLEM_TYPES =
            List.of("regression", "single_label_classification", "multi_label_classification");

    /**
     * Checks that neither part is null.
     *
     * @param encoder the encoder's shape and hyper-parameters
     * @param task what sits on top of the encoder
     * @throws NullPointerException if a part is null
     */
    public HfConfig {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(task, "task");
    }

    /**
     * The encoder alone, architectures {@code ["BertModel"]}.
     *
     * @param encoder the encoder's configuration
     * @return the config
     */
    public static HfConfig of(EncoderConfig encoder) {
        return new HfConfig(encoder, TaskHead.encoderOnly());
    }

    /**
     * The task-head part of a {@code config.json}.
     *
     * @param architectures the model classes, e.g. {@code ["BertForSequenceClassification"]};
     *     empty when the file has none
     * @param labels label names by class id ({@code id2label}); {@code numLabels()} is its size;
     *     empty when the file states no labels
     * @param problemType one of {@link #PROBLEM_TYPES}, or {@code null} when unset (then
     *     {@code transformers} infers it from the labels' dtype)
     */
    public record TaskHead(List<String> architectures, List<String> labels, String problemType) {

        /**
         * Copies the lists and checks the labels and problem type.
         *
         * @param architectures the model classes
         * @param labels label names by class id
         * @param problemType one of {@link #PROBLEM_TYPES}, or null
         * @throws IllegalArgumentException if a label repeats or the problem type is unknown
         * @throws NullPointerException if a list or an element is null
         */
        public TaskHead {
            architectures = List.copyOf(architectures);
            labels = List.copyOf(labels);
            Set<String> seen = new HashSet<>();
            for (String l : labels) {
                if (!seen.add(l)) {
                    throw new IllegalArgumentException("label '" + l + "' appears twice in " + labels
                            + "; label2id needs distinct names");
                }
            }
            if (problemType != null && !PROBLEM_TYPES.contains(problemType)) {
                throw new IllegalArgumentException("problem_type '" + problemType + "' is not one of "
                        + PROBLEM_TYPES + " (or null)");
            }
        }

        /** {@return a bare encoder ({@code BertModel}), no labels} */
        public static TaskHead encoderOnly() {
            return new TaskHead(List.of("BertModel"), List.of(), null);
        }

        /**
         * Single-label sequence classification over {@code labels} (class id = index).
         *
         * @param labels distinct class names in id order
         * @return the task head
         */
        public static TaskHead classification(List<String> labels) {
            return new TaskHead(List.of("BertForSequenceClassification"), labels,
                    "single_label_classification");
        }

        /** {@return sequence regression: one output, {@code LABEL_0}} */
        public static TaskHead regression() {
            return new TaskHead(List.of("BertForSequenceClassification"), List.of("LABEL_0"), "regression");
        }

        /**
         * Number of outputs of the head ({@code num_labels}).
         *
         * @return the number of labels, 0 when none is stated
         */
        public int numLabels() {
            return labels.size();
        }

        /**
         * {@code id2label}: class id → name.
         *
         * @return an unmodifiable map in id order
         */
        public Map<Integer, String> id2label() {
            Map<Integer, String> m = new LinkedHashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                m.put(i, labels.get(i));
            }
            return Collections.unmodifiableMap(m);
        }

        /**
         * {@code label2id}: name → class id.
         *
         * @return an unmodifiable map in id order
         */
        public Map<String, Integer> label2id() {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                m.put(labels.get(i), i);
            }
            return Collections.unmodifiableMap(m);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads a {@code config.json}; given a directory, reads the {@value #FILE_NAME} inside it.
     *
     * @param path a {@code config.json} file or the model directory holding one
     * @return the parsed config
     * @throws MalformedFileException if the file is not a valid BERT config (message names the
     *     file, the key and the rule)
     * @throws IOException if the file cannot be read
     */
    public static HfConfig read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFileException(file, "is not valid UTF-8 (" + e + ")", e);
        }
        return parse(text, file);
    }

    /**
     * Parses {@code config.json} text; {@code source} names it in error messages.
     *
     * @param json the file's text; not null
     * @param source the file it came from, for messages; not null
     * @return the parsed config
     * @throws MalformedFileException if it is not a valid BERT config
     */
    public static HfConfig parse(String json, Path source) throws MalformedFileException {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(source, "source");
        JsonObject o = parseObject(json, source);
        Fields f = new Fields(o, source);

        String modelType = f.string("model_type", null);
        if (modelType == null) {
            throw new MalformedFileException(source, "missing required key 'model_type'; a BERT"
                    + " config has \"model_type\": \"bert\"");
        }
        if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
            throw new MalformedFileException(source, "model_type '" + modelType + "' is not supported;"
                    + " distill reads BERT-compatible encoders with model_type " + SUPPORTED_MODEL_TYPES
                    + " (other families differ in position ids, norms or attention)");
        }
        String positions = f.string("position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw new MalformedFileException(source, "position_embedding_type '" + positions
                    + "' is not supported; only \"absolute\" (learned position embeddings) is");
        }

        EncoderConfig encoder;
        try {
            EncoderConfig.Builder b = EncoderConfig.builder()
                    .setVocabSize(f.requiredInt("vocab_size"))
                    .setHiddenSize(f.requiredInt("hidden_size"))
                    .setNumLayers(f.requiredInt("num_hidden_layers"))
                    .setNumHeads(f.requiredInt("num_attention_heads"))
                    .setIntermediateSize(f.requiredInt("intermediate_size"))
                    .optHiddenAct(EncoderConfig.HiddenAct.fromHfName(f.string("hidden_act", "gelu")))
                    .optHiddenDropout(f.floatValue("hidden_dropout_prob", 0.1f))
                    .optAttentionDropout(f.floatValue("attention_probs_dropout_prob", 0.1f))
                    .optMaxPositions(f.intValue("max_position_embeddings", 512))
                    .optTypeVocabSize(f.intValue("type_vocab_size", 2))
                    .optLayerNormEps(f.floatValue("layer_norm_eps", 1e-12f))
                    .optPadTokenId(f.intValue("pad_token_id", 0));
            if (f.has("attention_head_size")) {
                b.optHeadSize(f.requiredInt("attention_head_size"));
            }
            encoder = b.build();
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(source, e.getMessage(), e);
        }
        return new HfConfig(encoder, readTask(f, o, source));
    }

    private static TaskHead readTask(Fields f, JsonObject o, Path source) throws MalformedFileException {
        List<String> architectures = new ArrayList<>();
        if (f.has("architectures")) {
            JsonElement a = o.get("architectures");
            if (!a.isJsonArray()) {
                throw new MalformedFileException(source, "architectures must be a list of class names,"
                        + " found " + a);
            }
            for (JsonElement e : a.getAsJsonArray()) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                    throw new MalformedFileException(source, "architectures must hold strings, found " + e);
                }
                architectures.add(e.getAsString());
            }
        }

        List<String> labels = new ArrayList<>();
        if (f.has("id2label")) {
            JsonElement m = o.get("id2label");
            if (!m.isJsonObject()) {
                throw new MalformedFileException(source, "id2label must be an object {\"0\": \"name\", ...},"
                        + " found " + m);
            }
            Map<Integer, String> byId = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : m.getAsJsonObject().entrySet()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException nfe) {
                    throw new MalformedFileException(source, "id2label key '" + e.getKey()
                            + "' is not a class id (an integer written as a string)");
                }
                if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                    throw new MalformedFileException(source, "id2label[" + id + "] must be a string, found "
                            + e.getValue());
                }
                byId.put(id, e.getValue().getAsString());
            }
            int expected = 0;
            for (int id : byId.keySet()) {
                if (id != expected) {
                    throw new MalformedFileException(source, "id2label has ids " + byId.keySet()
                            + "; a head with n outputs needs exactly the ids 0 .. n-1");
                }
                expected++;
            }
            labels.addAll(byId.values());
        }
        if (f.has("num_labels")) {
            int n = f.requiredInt("num_labels");
            if (labels.isEmpty()) {
                for (int i = 0; i < n; i++) {
                    labels.add("LABEL_" + i); // transformers' default names
                }
            } else if (n != labels.size()) {
                throw new MalformedFileException(source, "num_labels is " + n + " but id2label has "
                        + labels.size() + " entries " + labels + "; make them agree (or drop num_labels)");
            }
        }
        if (f.has("label2id")) {
            JsonElement m = o.get("label2id");
            if (!m.isJsonObject()) {
                throw new MalformedFileException(source, "label2id must be an object {\"name\": id, ...},"
                        + " found " + m);
            }
            Map<String, Integer> given = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : m.getAsJsonObject().entrySet()) {
                given.put(e.getKey(), f.integer("label2id['" + e.getKey() + "']", e.getValue()));
            }
            Map<String, Integer> implied = new LinkedHashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                implied.put(labels.get(i), i);
            }
            if (labels.isEmpty() && !given.isEmpty()) {
                throw new MalformedFileException(source, "label2id " + given + " is given without id2label;"
                        + " add id2label, the map transformers reads the class names from");
            }
            if (!given.equals(implied)) {
                throw new MalformedFileException(source, "label2id " + given + " is not the inverse of"
                        + " id2label " + implied + "; fix one of them");
            }
        }
        String problemType = f.string("problem_type", null);
        try {
            return new TaskHead(architectures, labels, problemType);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(source, e.getMessage(), e);
        }
    }

    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    private static JsonObject parseObject(String json, Path source) throws MalformedFileException {
        if (json.isBlank()) {
            throw new MalformedFileException(source, "is empty; it must hold a JSON object"
                    + " {\"model_type\": \"bert\", ...}");
        }
        JsonElement root;
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(Strictness.STRICT);
            root = ELEMENTS.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new MalformedFileException(source, "is not valid JSON: text follows the top-level"
                        + " object");
            }
        } catch (MalformedFileException e) {
            throw e;
        } catch (IOException | IllegalStateException | com.google.gson.JsonParseException e) {
            throw new MalformedFileException(source, "is not valid JSON: " + JsonFiles.oneLine(e.getMessage()), e);
        }
        if (!root.isJsonObject()) {
            throw new MalformedFileException(source, "must hold a JSON object {\"model_type\": \"bert\","
                    + " ...}, found " + root);
        }
        return root.getAsJsonObject();
    }

    /** Typed access to the keys of a config object; every failure names the file and the key. */
    private static final class Fields {
        private final JsonObject o;
        private final Path source;

        Fields(JsonObject o, Path source) {
            this.o = o;
            this.source = source;
        }

        /** Present and not JSON null. */
        boolean has(String key) {
            return o.has(key) && !o.get(key).isJsonNull();
        }

        int requiredInt(String key) throws MalformedFileException {
            if (!has(key)) {
                throw new MalformedFileException(source, "missing required key '" + key + "'");
            }
            return integer(key, o.get(key));
        }

        int intValue(String key, int fallback) throws MalformedFileException {
            return has(key) ? integer(key, o.get(key)) : fallback;
        }

        float floatValue(String key, float fallback) throws MalformedFileException {
            if (!has(key)) {
                return fallback;
            }
            JsonElement v = o.get(key);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new MalformedFileException(source, key + " must be a number, found " + v);
            }
            return v.getAsFloat();
        }

        String string(String key, String fallback) throws MalformedFileException {
            if (!has(key)) {
                return fallback;
            }
            JsonElement v = o.get(key);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new MalformedFileException(source, key + " must be a string, found " + v);
            }
            return v.getAsString();
        }

        int integer(String key, JsonElement v) throws MalformedFileException {
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new MalformedFileException(source, key + " must be an integer, found " + v);
            }
            BigDecimal d = v.getAsBigDecimal();
            try {
                return d.intValueExact();
            } catch (ArithmeticException e) {
                try {
                    return d.stripTrailingZeros().intValueExact(); // 384.0 is 384
                } catch (ArithmeticException e2) {
                    throw new MalformedFileException(source, key + " must be an integer that fits 32 bits,"
                            + " found " + v);
                }
            }
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Atomically writes this config as {@code file} (a {@code config.json} path).
     *
     * @param file the target path; its directory must exist
     * @throws IOException if the file cannot be written (the previous file, if any, is left intact)
     */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }

    /**
     * {@return the {@code config.json} text: keys sorted and indented by 2 like {@code
     * transformers}' {@code save_pretrained}, ending with a newline}
     */
    public String toJson() {
        Map<String, JsonElement> m = new TreeMap<>();
        EncoderConfig c = encoder;
        m.put("model_type", new JsonPrimitive("bert"));
        m.put("vocab_size", new JsonPrimitive(c.vocabSize()));
        m.put("hidden_size", new JsonPrimitive(c.hiddenSize()));
        m.put("num_hidden_layers", new JsonPrimitive(c.numLayers()));
        m.put("num_attention_heads", new JsonPrimitive(c.numHeads()));
        m.put("intermediate_size", new JsonPrimitive(c.intermediateSize()));
        if (!c.hasStandardHeadSize()) {
            m.put("attention_head_size", new JsonPrimitive(c.headSize()));
        }
        m.put("hidden_act", new JsonPrimitive(c.hiddenAct().hfName()));
        m.put("hidden_dropout_prob", decimal(c.hiddenDropout()));
        m.put("attention_probs_dropout_prob", decimal(c.attentionDropout()));
        m.put("max_position_embeddings", new JsonPrimitive(c.maxPositions()));
        m.put("type_vocab_size", new JsonPrimitive(c.typeVocabSize()));
        m.put("layer_norm_eps", decimal(c.layerNormEps()));
        m.put("pad_token_id", new JsonPrimitive(c.padTokenId()));
        m.put("position_embedding_type", new JsonPrimitive("absolute"));

        if (!task.architectures().isEmpty()) {
            JsonArray a = new JsonArray();
            task.architectures().forEach(a::add);
            m.put("architectures", a);
        }
        if (task.numLabels() > 0) {
            JsonObject id2label = new JsonObject();
            JsonObject label2id = new JsonObject();
            for (int i = 0; i < task.numLabels(); i++) {
                id2label.addProperty(Integer.toString(i), task.labels().get(i));
                label2id.addProperty(task.labels().get(i), i);
            }
            m.put("id2label", id2label);
            m.put("label2id", label2id);
        }
        if (task.problemType() != null) {
            m.put("problem_type", new JsonPrimitive(task.problemType()));
        }

        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.setIndent("  ");
            w.setHtmlSafe(false);
            w.beginObject();
            for (Map.Entry<String, JsonElement> e : m.entrySet()) {
                w.name(e.getKey());
                ELEMENTS.write(w, e.getValue());
            }
            w.endObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to a string cannot fail", e);
        }
        return out + "\n";
    }

    /** A float as its shortest decimal (1e-12f → 1.0E-12, not 9.999999960041972E-13). */
    private static JsonPrimitive decimal(float f) {
        return new JsonPrimitive(new BigDecimal(Float.toString(f)));
    }
}
