package dev.distill.core.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.distill.core.data.BatchSource;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One checkpoint directory, {@code <run>/checkpoints/step-<n>}, read fully into the heap:
 *
 * <pre>
 * student.safetensors      the student's parameters by name (what export writes, minus the format)
 * projections.safetensors  the losses' trainable parameters (e.g. hidden_mse.projection.weight)
 * optimizer.safetensors    AdamW's step counter and moments (exp_avg.*, exp_avg_sq.*)
 * trainer-state.json       step, seed, RNG rule, data position, schedule step, best metric
 * manifest.json            config, seed, versions, teacher/data/student fingerprints
 * </pre>
 *
 * A checkpoint is written with {@link AtomicFiles#replaceDirectory}, so a directory named
 * {@code step-<n>} is always complete; {@link #list} first repairs what an interrupted write left.
 *
 * @param directory where it was read from
 * @param step updates done when it was written
 * @param student the student's parameters by name ({@value #STUDENT})
 * @param projections the losses' trainable parameters by name ({@value #PROJECTIONS}), possibly empty
 * @param optimizer the optimizer state ({@value #OPTIMIZER})
 * @param state the parsed {@value #STATE}
 * @param manifest the parsed {@value #MANIFEST}
 */
public record Checkpoint(Path directory, long step, Map<String, TensorData> student,
        Map<String, TensorData> projections, Map<String, TensorData> optimizer, JsonObject state,
        JsonObject manifest) {

    /** The folder of a run directory that holds the {@code step-<n>} checkpoints. */
    public static final String CHECKPOINTS = "checkpoints";
    /** File of the student's parameters. */
    public static final String STUDENT = "student.safetensors";
    /** File of the losses' trainable parameters. */
    public static final String PROJECTIONS = "projections.safetensors";
    /** File of the optimizer state. */
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** File of the trainer state (step, data position, best metric, …). */
    public static final String STATE = "trainer-state.json";
    /** File of the run's provenance (config, versions, fingerprints). */
    public static final String MANIFEST = "manifest.json";
    /** Version of the layout above, recorded in trainer-state.json. */
    public static final int FORMAT_VERSION = 1;

    private static final Pattern NAME = Pattern.compile("step-(\\d+)");
    private static final Pattern NAME_OR_LEFTOVER = Pattern.compile("(step-\\d+)(\\.(tmp|old)-[0-9a-f]{16})?");

    /**
     * The directory name of the checkpoint after {@code step} updates.
     *
     * @param step updates done
     * @return {@code step-<step>}
     */
    public static String directoryName(long step) {
        return "step-" + step;
    }

    /**
     * The step a {@code step-<n>} directory holds, or -1 for another name.
     *
     * @param directory a path whose last element is checked
     * @return n, or -1
     */
    public static long stepOf(Path directory) {
        Matcher m = NAME.matcher(directory.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * The checkpoint directories of a run, newest (highest step) first, after repairing what an
     * interrupted {@link AtomicFiles#replaceDirectory} left (restoring an {@code .old-} copy,
     * deleting {@code .tmp-} leftovers).
     *
     * @param runDirectory the run directory (its {@value #CHECKPOINTS} folder is listed)
     * @return a new list, empty when there is no checkpoint
     * @throws IOException if the folder cannot be listed or repaired
     */
    public static List<Path> list(Path runDirectory) throws IOException {
        Path dir = runDirectory.resolve(CHECKPOINTS);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                Matcher m = NAME_OR_LEFTOVER.matcher(p.getFileName().toString());
                if (m.matches()) {
                    names.add(m.group(1));
                }
            }
        }
        List<Path> out = new ArrayList<>();
        for (String name : names) {
            Path p = dir.resolve(name);
            AtomicFiles.recoverDirectory(p);
            if (Files.isDirectory(p)) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparingLong(Checkpoint::stepOf).reversed());
        return out;
    }

    /**
     * Reads every file of a checkpoint directory.
     *
     * @param directory a {@code step-<n>} directory
     * @return the checkpoint, every file in memory
     * @throws IOException naming the file when one is missing or malformed
     */
    public static Checkpoint read(Path directory) throws IOException {
        long step = stepOf(directory);
        if (step < 0) {
            throw new IOException(directory + " is not a checkpoint directory (expected a name step-<n>)");
        }
        Map<String, TensorData> student = SafeTensors.read(directory.resolve(STUDENT)).tensors();
        Map<String, TensorData> projections = SafeTensors.read(directory.resolve(PROJECTIONS)).tensors();
        Map<String, TensorData> optimizer = SafeTensors.read(directory.resolve(OPTIMIZER)).tensors();
        JsonObject state = readJson(directory.resolve(STATE));
        JsonObject manifest = readJson(directory.resolve(MANIFEST));
        long recorded = requireLong(state, "step", directory.resolve(STATE));
        if (recorded != step) {
            throw new IOException(directory.resolve(STATE) + " records step " + recorded
                    + " but the directory is named for step " + step);
        }
        requireLong(state, "formatVersion", directory.resolve(STATE));
        return new Checkpoint(directory, step, student, projections, optimizer, state, manifest);
    }

    /** {@return the data position recorded in trainer-state.json: the batch the next step reads} */
    public BatchSource.Position dataPosition() {
        JsonObject p = state.getAsJsonObject("dataPosition");
        return new BatchSource.Position(p.get("epoch").getAsLong(), p.get("batchInEpoch").getAsLong());
    }

    static JsonObject readJson(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(file + " is missing", e);
        }
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new IOException(file + " must hold a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static long requireLong(JsonObject o, String key, Path file) throws IOException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IOException(file + " lacks the number '" + key + "'");
        }
        return e.getAsLong();
    }
}
