package dev.distill.core.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.distill.core.io.AtomicFiles;
import dev.distill.core.io.WriteFailedException;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <run>/metrics.jsonl}: one JSON object per line, appended and flushed at every log
 * point, so a crash loses at most the line being written. Each line has {@code "type"}
 * ({@code train} or {@code eval}) and {@code "step"}. When a run resumes from the checkpoint of
 * step n, lines with a step above n (written after that checkpoint, and repeated by the resumed
 * run) and a torn last line are dropped first, atomically.
 */
final class MetricsLog implements Closeable {

    static final String FILE = "metrics.jsonl";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final BufferedWriter out;
    private final Path file;

    private MetricsLog(BufferedWriter out, Path file) {
        this.out = out;
        this.file = file;
    }

    /** Opens the log, keeping only well-formed lines whose step is at most {@code keepThroughStep}. */
    static MetricsLog open(Path runDirectory, long keepThroughStep) throws IOException {
        Files.createDirectories(runDirectory);
        Path file = runDirectory.resolve(FILE);
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            boolean dropped = false;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (stepOf(line) >= 0 && stepOf(line) <= keepThroughStep) {
                    kept.add(line);
                } else if (!line.isBlank()) {
                    dropped = true;
                }
            }
            if (dropped) {
                StringBuilder sb = new StringBuilder();
                kept.forEach(l -> sb.append(l).append('\n'));
                AtomicFiles.writeString(file, sb.toString());
            }
        }
        return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE), file);
    }

    private static long stepOf(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            if (e.isJsonObject() && e.getAsJsonObject().has("step")) {
                return e.getAsJsonObject().get("step").getAsLong();
            }
        } catch (JsonParseException | NumberFormatException | UnsupportedOperationException e) {
            // a torn line from a crash: dropped
        }
        return -1;
    }

    void write(JsonObject line) {
        try {
            out.write(GSON.toJson(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage()
                    + (WriteFailedException.isDiskFull(e) ? " (the disk is full)" : "") + "; the lines before are"
                    + " intact and a resumed run drops a torn last line; free some space, then run again to resume"
                    + " from the newest checkpoint", e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
