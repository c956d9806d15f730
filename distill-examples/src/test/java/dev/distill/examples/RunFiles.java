package dev.distill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.distill.core.io.SafeTensors;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a command wrote, read back for the end-to-end tests: the training lines of a run's
 * {@code metrics.jsonl}, and weights from safetensors files (an export, a checkpoint, a teacher).
 * The tests assert on these files rather than on what the command printed.
 */
public final class RunFiles {

    private RunFiles() {}

    /** The {@code "type":"train"} lines of {@code run/metrics.jsonl}, in file order. */
    public static List<JsonObject> trainLines(Path run) {
        List<JsonObject> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
                if (!line.isBlank()) {
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    if (o.get("type").getAsString().equals("train")) {
                        out.add(o);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * The run logged its steps up to {@code steps}, each once and in order, with a finite loss, a
     * finite positive gradient norm (something was trained) and every one of {@code terms} finite.
     *
     * @return the train lines
     */
    public static List<JsonObject> assertTrained(Path run, long steps, String... terms) {
        List<JsonObject> lines = trainLines(run);
        assertFalse(lines.isEmpty(), run + "/metrics.jsonl has no train line");
        long previous = 0;
        for (JsonObject o : lines) {
            long step = o.get("step").getAsLong();
            assertTrue(step > previous, "steps logged out of order or twice in " + run + ": " + lines);
            previous = step;
            assertTrue(Double.isFinite(o.get("loss").getAsDouble()), o.toString());
            double grad = o.get("grad_norm").getAsDouble();
            assertTrue(Double.isFinite(grad) && grad > 0, "gradient norm " + grad + ": " + o);
            JsonObject t = o.getAsJsonObject("terms");
            for (String term : terms) {
                assertTrue(t.has(term) && Double.isFinite(t.get(term).getAsDouble()), term + " missing or not finite: " + o);
            }
        }
        assertEquals(steps, previous, "last logged step in " + run);
        return lines;
    }

    /** Every tensor of a safetensors file. */
    public static Map<String, TensorData> tensors(Path file) {
        try {
            return SafeTensors.read(file).tensors();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The student weights of the run's latest checkpoint. */
    public static Path lastCheckpointStudent(Path run) {
        try (Stream<Path> s = Files.list(run.resolve(Checkpoint.CHECKPOINTS))) {
            Path dir = s.filter(Files::isDirectory).max(Path::compareTo).orElseThrow();
            return dir.resolve(Checkpoint.STUDENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** max |a − b| of two tensors of the same shape (the shapes are asserted equal). */
    public static double maxAbsDiff(TensorData a, TensorData b, String what) {
        assertTrue(Arrays.equals(a.shape(), b.shape()), what + ": shapes " + Arrays.toString(a.shape()) + " vs "
                + Arrays.toString(b.shape()));
        float[] x = a.toFloats();
        float[] y = b.toFloats();
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            assertTrue(Float.isFinite(x[i]) && Float.isFinite(y[i]), what + ": non-finite value at " + i);
            max = Math.max(max, Math.abs((double) x[i] - y[i]));
        }
        return max;
    }

    /**
     * Training moved the student away from where it started: for each pair (student tensor name,
     * starting tensor name), the two have the same shape and differ.
     */
    public static void assertMoved(Map<String, TensorData> student, Map<String, TensorData> start, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            TensorData s = find(student, pairs[i]);
            TensorData t = find(start, pairs[i + 1]);
            assertTrue(maxAbsDiff(s, t, pairs[i]) > 0, pairs[i] + " is still " + pairs[i + 1] + ": not trained");
        }
    }

    /** The one tensor whose name is {@code suffix} or ends with "." + suffix (e.g. under "bert."). */
    public static TensorData find(Map<String, TensorData> tensors, String suffix) {
        List<String> hits = tensors.keySet().stream().filter(k -> k.equals(suffix) || k.endsWith("." + suffix)).toList();
        assertEquals(1, hits.size(), suffix + " in " + tensors.keySet());
        return tensors.get(hits.get(0));
    }

    /** Two files hold the same tensors, bit for bit. */
    public static void assertSameWeights(Path a, Path b) {
        Map<String, TensorData> x = tensors(a);
        Map<String, TensorData> y = tensors(b);
        assertEquals(x.keySet(), y.keySet(), a + " vs " + b);
        for (String k : x.keySet()) {
            assertEquals(0.0, maxAbsDiff(x.get(k), y.get(k), k), k + ": " + a + " vs " + b);
        }
    }
}
