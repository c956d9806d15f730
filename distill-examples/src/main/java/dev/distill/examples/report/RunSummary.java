package dev.distill.examples.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.distill.core.data.DataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a run compared and how it was launched: the part of a report the metrics log does not
 * hold. An example builds one after training and passes it to {@link ReportWriter}, which also
 * saves it as {@code summary.json} so {@code ./distill report --run <dir>} can rebuild the page.
 *
 * <pre>{@code
 * RunSummary s = RunSummary.builder("MiniLM-L6 -> 4-layer student on WordNet")
 *         .command("./distill distill --teacher all-minilm-l6-v2 --layers 4")
 *         .model(Model.builder("all-MiniLM-L6-v2", Role.TEACHER).parameters(22_713_216)
 *                 .latencyMs(41.0).metric("sts_pooled", 82.0).build())
 *         .model(Model.builder("student-L4", Role.STUDENT).parameters(15_615_360)
 *                 .latencyMs(27.5).metric("sts_pooled", 79.3).build())
 *         .config("steps", "2000").notes("Batch 32, max length 64, CPU.")
 *         .build();
 * }</pre>
 *
 * @param title one line naming the run
 * @param command the command line that produced it ("" if unknown)
 * @param models the models compared, in display order; at most one {@link Role#TEACHER}
 * @param notes free text; blank lines separate paragraphs
 * @param config settings by name, in display order
 */
public record RunSummary(String title, String command, List<Model> models, String notes, Map<String, String> config) {

    /** The file name the summary is saved under in a run directory. */
    public static final String FILE = "summary.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** What a model is in the comparison. */
    public enum Role {
        /** The model distilled from; retention, parameter ratio and speed-up are relative to it. */
        TEACHER,
        /** A model trained by the run. */
        STUDENT,
        /** Any other point of comparison (a baseline, an off-the-shelf small model). */
        REFERENCE;

        static Role parse(String s, String source) {
            for (Role r : values()) {
                if (r.name().equalsIgnoreCase(s)) {
                    return r;
                }
            }
            throw new DataException(source, "role", "unknown role '" + s + "'; use one of "
                    + Arrays.stream(values()).map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.toList()));
        }
    }

    /**
     * One model in the comparison. Unknown quantities are {@code -1} (counts) or NaN (measures).
     *
     * @param name display name, unique within a summary
     * @param role teacher, student or reference
     * @param parameters number of parameters
     * @param sizeBytes size of the exported weights on disk
     * @param latencyMs milliseconds per batch (lower is better)
     * @param sentencesPerSecond throughput (higher is better)
     * @param metrics quality metrics by name, e.g. {@code sts_pooled} (higher is better), in
     *     display order; a metric named like an evaluation metric in the metrics log is drawn as
     *     that chart's reference line when this model is the teacher
     */
    public record Model(String name, Role role, long parameters, long sizeBytes, double latencyMs,
            double sentencesPerSecond, Map<String, Double> metrics) {

        public Model {
            Objects.requireNonNull(role, "role");
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("model name is blank; give each model a display name");
            }
            checkCount(name, "parameters", parameters);
            checkCount(name, "sizeBytes", sizeBytes);
            checkMeasure(name, "latencyMs", latencyMs);
            checkMeasure(name, "sentencesPerSecond", sentencesPerSecond);
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }

        public static Builder builder(String name, Role role) {
            return new Builder(name, role);
        }

        public boolean hasParameters() {
            return parameters > 0;
        }

        public boolean hasSize() {
            return sizeBytes > 0;
        }

        public boolean hasLatency() {
            return latencyMs > 0;
        }

        public boolean hasThroughput() {
            return sentencesPerSecond > 0;
        }

        private static void checkCount(String model, String what, long v) {
            if (v < -1) {
                throw new IllegalArgumentException("model '" + model + "': " + what + " is " + v
                        + "; give a non-negative count, or -1 if unknown");
            }
        }

        private static void checkMeasure(String model, String what, double v) {
            if (!Double.isNaN(v) && !(v >= 0 && Double.isFinite(v))) {
                throw new IllegalArgumentException("model '" + model + "': " + what + " is " + v
                        + "; give a finite non-negative value, or NaN if unknown");
            }
        }

        /** Builds a {@link Model}; everything but the name and role is optional. */
        public static final class Builder {
            private final String name;
            private final Role role;
            private long parameters = -1;
            private long sizeBytes = -1;
            private double latencyMs = Double.NaN;
            private double sentencesPerSecond = Double.NaN;
            private final Map<String, Double> metrics = new LinkedHashMap<>();

            private Builder(String name, Role role) {
                this.name = name;
                this.role = role;
            }

            public Builder parameters(long n) {
                this.parameters = n;
                return this;
            }

            public Builder sizeBytes(long n) {
                this.sizeBytes = n;
                return this;
            }

            public Builder latencyMs(double ms) {
                this.latencyMs = ms;
                return this;
            }

            public Builder sentencesPerSecond(double s) {
                this.sentencesPerSecond = s;
                return this;
            }

            public Builder metric(String metric, double value) {
                if (metric == null || metric.isBlank()) {
                    throw new IllegalArgumentException("model '" + name + "': a metric name is blank");
                }
                metrics.put(metric, value);
                return this;
            }

            public Model build() {
                return new Model(name, role, parameters, sizeBytes, latencyMs, sentencesPerSecond, metrics);
            }
        }
    }

    public RunSummary {
        if (title == null || title.isBlank()) {
            throw new IllegalArgumentException("the report title is blank; name the run in one line");
        }
        command = command == null ? "" : command;
        notes = notes == null ? "" : notes;
        models = List.copyOf(models);
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        Set<String> names = new HashSet<>();
        List<String> teachers = new ArrayList<>();
        for (Model m : models) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("two models are named '" + m.name()
                        + "'; give each model of a report a distinct name");
            }
            if (m.role() == Role.TEACHER) {
                teachers.add(m.name());
            }
        }
        if (teachers.size() > 1) {
            throw new IllegalArgumentException("models " + teachers + " are all teachers; mark the one the"
                    + " comparison is relative to as TEACHER and the others as REFERENCE");
        }
    }

    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** The teacher, if one is listed. */
    public Optional<Model> teacher() {
        return models.stream().filter(m -> m.role() == Role.TEACHER).findFirst();
    }

    /** Builds a {@link RunSummary}. */
    public static final class Builder {
        private final String title;
        private String command = "";
        private final List<Model> models = new ArrayList<>();
        private String notes = "";
        private final Map<String, String> config = new LinkedHashMap<>();

        private Builder(String title) {
            this.title = title;
        }

        public Builder command(String commandLine) {
            this.command = commandLine;
            return this;
        }

        public Builder model(Model m) {
            models.add(Objects.requireNonNull(m, "model"));
            return this;
        }

        public Builder notes(String text) {
            this.notes = text;
            return this;
        }

        public Builder config(String key, Object value) {
            config.put(Objects.requireNonNull(key, "key"), String.valueOf(value));
            return this;
        }

        public Builder config(Map<String, ?> entries) {
            entries.forEach(this::config);
            return this;
        }

        public RunSummary build() {
            return new RunSummary(title, command, models, notes, config);
        }
    }

    // ---------------------------------------------------------------- JSON

    /** This summary as pretty-printed JSON; unknown quantities are left out. */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("title", title);
        o.addProperty("command", command);
        JsonArray ms = new JsonArray();
        for (Model m : models) {
            JsonObject j = new JsonObject();
            j.addProperty("name", m.name());
            j.addProperty("role", m.role().name().toLowerCase(Locale.ROOT));
            if (m.parameters() >= 0) {
                j.addProperty("parameters", m.parameters());
            }
            if (m.sizeBytes() >= 0) {
                j.addProperty("size_bytes", m.sizeBytes());
            }
            if (!Double.isNaN(m.latencyMs())) {
                j.addProperty("latency_ms", m.latencyMs());
            }
            if (!Double.isNaN(m.sentencesPerSecond())) {
                j.addProperty("sentences_per_s", m.sentencesPerSecond());
            }
            JsonObject metrics = new JsonObject();
            m.metrics().forEach((k, v) -> metrics.addProperty(k, Double.isFinite(v) ? v : null));
            j.add("metrics", metrics);
            ms.add(j);
        }
        o.add("models", ms);
        o.addProperty("notes", notes);
        JsonObject c = new JsonObject();
        config.forEach(c::addProperty);
        o.add("config", c);
        return GSON.toJson(o) + "\n";
    }

    /** Reads {@code <runDirectory>/summary.json}. */
    public static RunSummary readRun(Path runDirectory) throws IOException {
        Path file = runDirectory.resolve(FILE);
        return fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Parses what {@link #toJson()} wrote.
     *
     * @param source the file name, used in error messages
     */
    public static RunSummary fromJson(String json, String source) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new DataException(source, "1", "expected a JSON object with title, command, models,"
                        + " notes and config");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new DataException(source, "1", "not valid JSON: " + e.getMessage());
        }
        try {
            Builder b = builder(string(o, "title", source));
            b.command(o.has("command") ? string(o, "command", source) : "");
            b.notes(o.has("notes") ? string(o, "notes", source) : "");
            if (o.has("models")) {
                int i = 0;
                for (JsonElement e : o.getAsJsonArray("models")) {
                    String where = "models[" + i++ + "]";
                    JsonObject j = e.getAsJsonObject();
                    Model.Builder mb = Model.builder(string(j, "name", source + " " + where),
                            Role.parse(string(j, "role", source + " " + where), source + " " + where));
                    if (has(j, "parameters")) {
                        mb.parameters(j.get("parameters").getAsLong());
                    }
                    if (has(j, "size_bytes")) {
                        mb.sizeBytes(j.get("size_bytes").getAsLong());
                    }
                    if (has(j, "latency_ms")) {
                        mb.latencyMs(j.get("latency_ms").getAsDouble());
                    }
                    if (has(j, "sentences_per_s")) {
                        mb.sentencesPerSecond(j.get("sentences_per_s").getAsDouble());
                    }
                    if (has(j, "metrics")) {
                        for (Map.Entry<String, JsonElement> m : j.getAsJsonObject("metrics").entrySet()) {
                            mb.metric(m.getKey(), m.getValue().isJsonNull() ? Double.NaN : m.getValue().getAsDouble());
                        }
                    }
                    b.model(mb.build());
                }
            }
            if (has(o, "config")) {
                for (Map.Entry<String, JsonElement> c : o.getAsJsonObject("config").entrySet()) {
                    b.config(c.getKey(), c.getValue().isJsonPrimitive() ? c.getValue().getAsString()
                            : c.getValue().toString());
                }
            }
            return b.build();
        } catch (DataException e) {
            throw e;
        } catch (IllegalStateException | ClassCastException | NumberFormatException | UnsupportedOperationException e) {
            throw new DataException(source, "-", "a field has the wrong type (" + e.getMessage()
                    + "); the file must have the shape RunSummary.toJson() writes");
        } catch (IllegalArgumentException e) {
            throw new DataException(source, "-", e.getMessage());
        }
    }

    private static boolean has(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    private static String string(JsonObject o, String key, String source) {
        if (!has(o, key)) {
            throw new DataException(source, key, "field \"" + key + "\" is missing");
        }
        return o.get(key).getAsString();
    }
}
