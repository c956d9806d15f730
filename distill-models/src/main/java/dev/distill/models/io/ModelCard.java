package dev.distill.models.io;

import dev.distill.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code README.md} model card of an exported directory: a Hugging Face YAML header (licence,
 * base model, library) and what a user needs to trust and load the model: its teacher, training
 * data, recipe, measured figures and licence, which a student inherits from its teacher.
 *
 * @param title the heading, e.g. {@code bge-small-en-v1.5 student, 6 layers}
 * @param teacher the teacher's name, or {@code null} when unknown
 * @param data what it was trained on, or {@code null}
 * @param recipe how it was trained (losses, steps, command line), or {@code null}
 * @param figures measured figures, e.g. {@code "STS mean (Spearman ×100)" → "68.81"}; say how each was measured
 * @param details the model's shape and pooling (what the writer knows)
 */
public record ModelCard(String title, String teacher, String data, String recipe, Map<String, String> figures,
        String details) {

    private static final Map<String, String> LICENCES = Map.of(
            "bge-small-en-v1.5", "mit",
            "all-minilm-l6-v2", "apache-2.0");

    public ModelCard {
        Objects.requireNonNull(title, "title");
        figures = figures == null ? Map.of() : new LinkedHashMap<>(figures);
    }

    /** A card that knows only the model itself. */
    public static ModelCard minimal(String title, String details) {
        return new ModelCard(title, null, null, null, Map.of(), details);
    }

    /** The same card with the writer's description of the model. */
    public ModelCard withDetails(String newDetails) {
        return new ModelCard(title, teacher, data, recipe, figures, newDetails);
    }

    /** The licence a model distilled from {@code teacher} inherits (SPDX-like id), or {@code other} when unknown. */
    public static String licenceOf(String teacher) {
        if (teacher == null) {
            return "other";
        }
        String key = teacher.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, String> e : LICENCES.entrySet()) {
            if (key.contains(e.getKey())) {
                return e.getValue();
            }
        }
        return "other";
    }

    /** The Markdown text. */
    public String render() {
        StringBuilder sb = new StringBuilder("---\n");
        sb.append("license: ").append(licenceOf(teacher)).append('\n');
        sb.append("library_name: sentence-transformers\n");
        sb.append("pipeline_tag: sentence-similarity\n");
        sb.append("tags:\n- sentence-transformers\n- feature-extraction\n- distill\n");
        if (teacher != null) {
            sb.append("base_model: ").append(teacher).append('\n');
        }
        sb.append("---\n\n# ").append(title).append("\n\n");
        sb.append("Written by distill (knowledge distillation of Transformer encoders in Java).\n\n");
        line(sb, "Teacher", teacher == null ? "not recorded" : teacher);
        line(sb, "Licence", teacher == null ? "not recorded: it is the teacher's licence"
                : licenceOf(teacher) + ", inherited from the teacher");
        line(sb, "Training data", data == null ? "not recorded" : data);
        line(sb, "Recipe", recipe == null ? "not recorded" : recipe);
        if (details != null) {
            sb.append("\n## Model\n\n").append(details).append('\n');
        }
        if (!figures.isEmpty()) {
            sb.append("\n## Measured\n\n| figure | value |\n| --- | --- |\n");
            figures.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        }
        sb.append("\n## Use\n\n```python\nfrom sentence_transformers import SentenceTransformer\n")
                .append("model = SentenceTransformer(\"path/to/this/directory\")\n")
                .append("embeddings = model.encode([\"A man is playing a guitar.\"])  # unit length\n```\n\n")
                .append("```java\ntry (LoadedModel m = ModelLoader.load(\"path/to/this/directory\", Device.cpu(), 512)) {\n")
                .append("    List<float[]> v = m.embed(List.of(\"A man is playing a guitar.\"));\n}\n```\n");
        return sb.toString();
    }

    private static void line(StringBuilder sb, String k, String v) {
        sb.append("- **").append(k).append("**: ").append(v).append('\n');
    }

    /** Writes {@code README.md} into {@code dir} atomically (replacing the writer's default card). */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve("README.md"), render());
    }
}
