package dev.distill.examples.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.distill.core.data.DataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a run's {@code metrics.jsonl} holds: the logged training steps and the evaluations,
 * each sorted by step.
 *
 * <p><b>Format read.</b> One JSON object per line; blank lines are skipped; keys not listed
 * here are ignored, so the trainer may add fields freely. Every line needs a non-negative
 * integer {@code "step"}. A line is
 * <ul>
 *   <li>a <b>training</b> point if it has {@code "loss"} or {@code "terms"} (an object of
 *       term name to number); optional numbers {@code "lr"}, {@code "grad_norm"},
 *       {@code "tokens_per_s"} and the wall time {@code "time_s"} (or the trainer's
 *       {@code "elapsed_s"});</li>
 *   <li>an <b>evaluation</b> if it has {@code "eval"} (an object of metric name to number), or
 *       {@code "type": "eval"} with the metrics under {@code "metrics"} (the trainer's form);</li>
 *   <li>both, or neither (then it is skipped: a record kind this reader does not know).</li>
 * </ul>
 * A JSON {@code null} where a number belongs (the trainer writes non-finite values so) reads
 * as NaN and is left out of the plots. When a step appears twice for the same kind (a resumed
 * run), the later line wins.
 *
 * <p><b>Errors.</b> A line that is not a JSON object, lacks a valid step, or holds a
 * non-number where a number belongs is a {@link DataException} naming the file and line. The
 * one exception is a torn last line in a file that does not end with a newline: the trainer
 * is then most likely writing it right now, and it is dropped.
 *
 * @param train training points by increasing step
 * @param evals evaluations by increasing step
 */
public record RunMetrics(List<TrainPoint> train, List<EvalPoint> evals) {

    /** The file name the trainer writes in a run directory. */
    public static final String FILE = "metrics.jsonl";

    /**
     * One logged training step.
     *
     * @param step optimizer step
     * @param timeSeconds wall time since the start of the run (session), NaN if not logged
     * @param loss the total loss, NaN if not logged
     * @param terms each named loss term (weighted as the loss summed them), in logged order
     * @param learningRate NaN if not logged
     * @param gradNorm global gradient L2 norm before clipping, NaN if not logged
     * @param tokensPerSecond training throughput, NaN if not logged
     */
    public record TrainPoint(long step, double timeSeconds, double loss, Map<String, Double> terms,
            double learningRate, double gradNorm, double tokensPerSecond) {
        public TrainPoint {
            terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
        }
    }

    /**
     * One evaluation.
     *
     * @param step optimizer step at which it ran
     * @param metrics metric name to value (NaN where non-finite), in logged order
     */
    public record EvalPoint(long step, Map<String, Double> metrics) {
        public EvalPoint {
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }
    }

    public RunMetrics {
        train = List.copyOf(train);
        evals = List.copyOf(evals);
    }

    /** Reads {@code <runDirectory>/metrics.jsonl}; see the class comment for the format. */
    public static RunMetrics readRun(Path runDirectory) throws IOException {
        return read(runDirectory.resolve(FILE));
    }

    /** Reads a metrics file; see the class comment for the format. */
    public static RunMetrics read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null,
                    "no metrics file; a run directory holds the metrics.jsonl the trainer writes");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return parse(text, file.toString());
    }

    /**
     * Parses the text of a metrics file.
     *
     * @param source the file name, used in error messages
     */
    public static RunMetrics parse(String text, String source) {
        Objects.requireNonNull(text, "text");
        String[] lines = text.split("\n", -1);
        // split leaves one empty string after a final newline; a non-empty last piece is a
        // line without its newline, possibly still being written.
        boolean lastUnterminated = !text.isEmpty() && !text.endsWith("\n");
        Map<Long, TrainPoint> train = new TreeMap<>();
        Map<Long, EvalPoint> evals = new TreeMap<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            long lineNo = i + 1L;
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(line);
                if (!e.isJsonObject()) {
                    throw new DataException(source, lineNo, "expected a JSON object, found " + snippet(line)
                            + "; every line must be one object such as {\"step\": 120, \"loss\": 0.83}");
                }
                o = e.getAsJsonObject();
            } catch (JsonParseException e) {
                if (lastUnterminated && i == lines.length - 1) {
                    break; // a torn last line: the writer has not finished it
                }
                throw new DataException(source, lineNo, "not valid JSON (" + rootMessage(e) + "): " + snippet(line)
                        + "; every line must be one object such as {\"step\": 120, \"loss\": 0.83}");
            }
            long step = step(o, source, lineNo);
            if (o.has("loss") || o.has("terms")) {
                train.put(step, new TrainPoint(step,
                        firstNumber(o, source, lineNo, "time_s", "elapsed_s"),
                        number(o, "loss", source, lineNo),
                        numberMap(o, "terms", source, lineNo),
                        number(o, "lr", source, lineNo),
                        number(o, "grad_norm", source, lineNo),
                        number(o, "tokens_per_s", source, lineNo)));
            }
            if (o.has("eval")) {
                evals.put(step, new EvalPoint(step, numberMap(o, "eval", source, lineNo)));
            } else if (o.has("type") && o.get("type").isJsonPrimitive()
                    && "eval".equals(o.get("type").getAsString()) && o.has("metrics")) {
                evals.put(step, new EvalPoint(step, numberMap(o, "metrics", source, lineNo)));
            }
        }
        return new RunMetrics(new ArrayList<>(train.values()), new ArrayList<>(evals.values()));
    }

    /** Loss term names in order of first appearance. */
    public List<String> termNames() {
        Set<String> names = new LinkedHashSet<>();
        train.forEach(p -> names.addAll(p.terms().keySet()));
        return List.copyOf(names);
    }

    /** Evaluation metric names in order of first appearance. */
    public List<String> evalMetricNames() {
        Set<String> names = new LinkedHashSet<>();
        evals.forEach(p -> names.addAll(p.metrics().keySet()));
        return List.copyOf(names);
    }

    /** The last logged training step, or -1 if none. */
    public long lastStep() {
        long last = -1;
        for (TrainPoint p : train) {
            last = Math.max(last, p.step());
        }
        for (EvalPoint p : evals) {
            last = Math.max(last, p.step());
        }
        return last;
    }

    /** Whether nothing plottable was read. */
    public boolean isEmpty() {
        return train.isEmpty() && evals.isEmpty();
    }

    private static long step(JsonObject o, String source, long line) {
        JsonElement e = o.get("step");
        if (e == null || e.isJsonNull()) {
            throw new DataException(source, line, "field \"step\" is missing; every line needs the optimizer"
                    + " step as a non-negative integer, e.g. \"step\": 120");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new DataException(source, line, "field \"step\" is " + e + ", not a number; write it as a"
                    + " non-negative integer, e.g. \"step\": 120");
        }
        double d = e.getAsDouble();
        if (!(d >= 0) || d != Math.rint(d) || d > 9.0e15) {
            throw new DataException(source, line, "field \"step\" is " + e + "; it must be a non-negative integer");
        }
        return (long) d;
    }

    private static double firstNumber(JsonObject o, String source, long line, String... keys) {
        for (String k : keys) {
            if (o.has(k)) {
                return number(o, k, source, line);
            }
        }
        return Double.NaN;
    }

    private static double number(JsonObject o, String key, String source, long line) {
        return toNumber(o.get(key), "field \"" + key + "\"", source, line);
    }

    private static double toNumber(JsonElement e, String what, String source, long line) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isNumber()) {
                return p.getAsDouble();
            }
            if (p.isString()) {
                // Some writers spell non-finite values as strings.
                switch (p.getAsString()) {
                    case "NaN": return Double.NaN;
                    case "Infinity": return Double.POSITIVE_INFINITY;
                    case "-Infinity": return Double.NEGATIVE_INFINITY;
                    default: break;
                }
            }
        }
        throw new DataException(source, line, what + " is " + snippet(e.toString())
                + ", not a number; write a JSON number (or null for a missing value)");
    }

    private static Map<String, Double> numberMap(JsonObject o, String key, String source, long line) {
        JsonElement e = o.get(key);
        Map<String, Double> out = new LinkedHashMap<>();
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (!e.isJsonObject()) {
            throw new DataException(source, line, "field \"" + key + "\" is " + snippet(e.toString())
                    + ", not an object; write it as {\"name\": number, ...}");
        }
        for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
            out.put(m.getKey(), toNumber(m.getValue(), "\"" + key + "." + m.getKey() + "\"", source, line));
        }
        return out;
    }

    private static String snippet(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        int cut = m.indexOf("\nSee https://");
        return cut >= 0 ? m.substring(0, cut) : m;
    }
}
