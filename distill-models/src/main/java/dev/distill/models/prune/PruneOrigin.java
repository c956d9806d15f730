package dev.distill.models.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Where a pruned student's units sit in its teacher, saved beside its weights as
 * {@value #FILE} so that distillation can start aligned with the teacher:
 *
 * <ul>
 *   <li>which teacher layer each student layer was cut from ({@link #layers()}), so a layer
 *       mapping can compare student layer m with that layer's output instead of a uniform g;
 *   <li>projections W (student width → teacher width) that start as the channel selection:
 *       W[c_i][i] = 1 for the kept teacher channel c_i of student channel i, 0 elsewhere
 *       ({@link #selectionMatrix()}); the hidden-state and pooled losses then start from what
 *       the pruned weights already compute instead of from a random map.
 * </ul>
 *
 * @param teacherLayers how many layers the teacher has (N)
 * @param teacherHidden the teacher's hidden width
 * @param layers the kept teacher layers (0-based), one per student layer
 * @param channels the kept teacher hidden channels, one per student channel
 */
public record PruneOrigin(int teacherLayers, int teacherHidden, int[] layers, int[] channels) {

    /** The file name beside {@code config.json}. */
    public static final String FILE = "pruning.json";

    /**
     * Checks every index against the teacher's sizes and copies the arrays.
     *
     * @param teacherLayers N
     * @param teacherHidden the teacher's hidden width
     * @param layers kept teacher layers, strictly increasing, in [0, N)
     * @param channels kept channels, strictly increasing, in [0, teacherHidden)
     * @throws IllegalArgumentException naming the first index out of range or out of order
     */
    public PruneOrigin {
        check("layers", layers, teacherLayers);
        check("channels", channels, teacherHidden);
        layers = layers.clone();
        channels = channels.clone();
    }

    /**
     * The origin of a student cut with {@code plan}.
     *
     * @param plan the plan
     * @return the origin
     */
    public static PruneOrigin of(PrunePlan plan) {
        return new PruneOrigin(plan.teacher().numLayers(), plan.teacher().hiddenSize(), plan.layers(),
                plan.channels());
    }

    /**
     * The (teacherHidden, studentHidden) 0/1 matrix, row-major, with W[c_i][i] = 1: in PyTorch's
     * Linear layout it maps a student hidden state to the teacher's width, each student channel
     * onto the teacher channel it was cut from and the dropped teacher channels to 0.
     *
     * @return a new array of teacherHidden × studentHidden values
     */
    public float[] selectionMatrix() {
        int s = channels.length;
        float[] w = new float[teacherHidden * s];
        for (int i = 0; i < s; i++) {
            w[channels[i] * s + i] = 1f;
        }
        return w;
    }

    /**
     * Writes {@value #FILE} into {@code dir} atomically.
     *
     * @param dir the model directory
     * @throws java.io.UncheckedIOException if the file cannot be written
     */
    public void write(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("format", "distill-pruning/1");
        o.addProperty("teacher_layers", teacherLayers);
        o.addProperty("teacher_hidden", teacherHidden);
        o.add("kept_layers", array(layers));
        o.add("kept_channels", array(channels));
        Path file = dir.resolve(FILE);
        try {
            AtomicFiles.writeString(file, o + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@value #FILE} from {@code dir}; empty when the directory has none (a model that was
     * not pruned, or was pruned before this file existed).
     *
     * @param dir the model directory
     * @return the origin, or empty
     * @throws IllegalArgumentException when the file exists but is malformed, naming the file and
     *     the field
     * @throws java.io.UncheckedIOException when it exists but cannot be read
     */
    public static Optional<PruneOrigin> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            return Optional.of(new PruneOrigin(integer(o, "teacher_layers", file), integer(o, "teacher_hidden", file),
                    ints(o, "kept_layers", file), ints(o, "kept_channels", file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalStateException | com.google.gson.JsonParseException e) {
            throw new IllegalArgumentException(file + " is not valid pruning JSON (" + e.getMessage()
                    + "); delete it or write it again with ./distill prune", e);
        }
    }

    private static int integer(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException(file + ": field '" + key + "' is missing or not a number");
        }
        return e.getAsInt();
    }

    private static int[] ints(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException(file + ": field '" + key + "' is missing or not an array");
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static JsonArray array(int[] values) {
        JsonArray a = new JsonArray();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static void check(String name, int[] kept, int limit) {
        if (kept == null || kept.length == 0) {
            throw new IllegalArgumentException("pruning origin: " + name + " must list at least one kept unit");
        }
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= limit) {
                throw new IllegalArgumentException("pruning origin: " + name + " index " + kept[i]
                        + " is outside the teacher's [0, " + limit + ")");
            }
            if (i > 0 && kept[i] <= kept[i - 1]) {
                throw new IllegalArgumentException("pruning origin: " + name + " " + Arrays.toString(kept)
                        + " must be strictly increasing (teacher order)");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PruneOrigin p && p.teacherLayers == teacherLayers && p.teacherHidden == teacherHidden
                && Arrays.equals(p.layers, layers) && Arrays.equals(p.channels, channels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Integer.hashCode(teacherLayers) + teacherHidden) + Arrays.hashCode(layers) * 17
                + Arrays.hashCode(channels);
    }

    @Override
    public String toString() {
        return "PruneOrigin[teacher " + teacherLayers + " layers x " + teacherHidden + ", kept layers "
                + Arrays.toString(layers) + ", " + channels.length + " channels]";
    }
}
