package dev.distill.examples.cli;

import dev.distill.core.train.Checkpoint;
import dev.distill.core.train.RunLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where each command writes ({@code --out}, {@code --work-dir} for bench) and what may already be
 * there. Nothing a user made is ever written over: the directory must be new, empty, or one this
 * kind of command wrote (recognised by its files). A model directory ({@code config.json},
 * weights, a tokenizer or an ONNX file at its top) and any input of the same command (the
 * teacher, a corpus, ...) are refused whatever the command. For run directories {@code --resume}
 * (added to every training command here) is checked too.
 */
final class OutputRules {

    /** What a command writes into its output directory. */
    enum Kind {
        /** A training run: metrics, checkpoints, report, exported student; locked while in use. */
        RUN(true, ".distill.lock", "metrics.jsonl", "checkpoints", "summary.json", "report.html"),
        /** A teacher-output cache; resumed when interrupted; locked while in use. */
        CACHE(true, ".distill.lock", "cache.json"),
        /** A fitted MLM head; reused when its inputs match; locked while in use. */
        HEAD(true, ".distill.lock", "mlm-head.safetensors"),
        /** A new model (prune, export): the directory must be new or empty. */
        NEW_MODEL(false),
        /** A report of a run. */
        REPORT(false, "report.html", "metrics.jsonl", "summary.json"),
        /** Benchmark scratch space. */
        WORK(false, ".distill.lock", "soak-run", "cache-k8", "cache-k32", "cache-k128");

        final boolean locked;
        final Set<String> markers;

        Kind(boolean locked, String... markers) {
            this.locked = locked;
            this.markers = Set.of(markers);
        }
    }

    /** Every command that writes a directory, and its kind. */
    static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("embeddings", Kind.RUN), Map.entry("classify", Kind.RUN), Map.entry("qa", Kind.RUN),
            Map.entry("custom-loss", Kind.RUN), Map.entry("block", Kind.RUN), Map.entry("mlm", Kind.RUN),
            Map.entry("mlm-head", Kind.HEAD), Map.entry("cache", Kind.CACHE), Map.entry("prune", Kind.NEW_MODEL),
            Map.entry("export", Kind.NEW_MODEL),
            Map.entry("report", Kind.REPORT), Map.entry("bench", Kind.WORK));

    private static final Set<String> MODEL_FILES = Set.of("config.json", "model.safetensors", "pytorch_model.bin",
            "tokenizer.json", "modules.json", "vocab.txt", "tf_model.h5");

    private OutputRules() {}

    /** The output option of {@code spec}: {@code --out} or {@code --work-dir}, or null. */
    static OptionSpec outputOption(CommandSpec spec) {
        OptionSpec o = spec.findOption("--out");
        return o != null ? o : spec.findOption("--work-dir");
    }

    /**
     * Checks the output directory of a parsed command; returns the directory to lock, or null.
     *
     * @throws CommandLine.ParameterException naming the directory, the rule and the fix
     */
    static Path check(CommandSpec spec) {
        OptionSpec option = outputOption(spec);
        Kind kind = KINDS.get(spec.name());
        if (option == null || kind == null || option.getValue() == null) {
            return null;
        }
        String name = option.longestName();
        Path out = Path.of(option.getValue().toString());
        checkInputs(spec, option, out);
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw refuse(spec, name + " " + out + " is a file; give a directory (new or empty)");
        }
        List<String> entries = entries(out);
        List<String> modelFiles = entries.stream().filter(OutputRules::isModelFile).toList();
        if (!modelFiles.isEmpty()) {
            throw refuse(spec, name + " " + out + " holds a model (" + String.join(", ", modelFiles) + "); distill"
                    + " never writes over a model: give a new or empty directory");
        }
        List<String> foreign = entries.stream().filter(e -> !kind.markers.contains(e) && !isRunChild(out, e, kind))
                .toList();
        boolean ours = entries.stream().anyMatch(kind.markers::contains) || entries.stream()
                .anyMatch(e -> isRunChild(out, e, kind));
        if (!entries.isEmpty() && !ours) {
            throw refuse(spec, name + " " + out + " is not empty and was not written by ./distill " + spec.name()
                    + " (it holds " + preview(foreign) + "); give a new or empty directory, so nothing there is"
                    + " overwritten");
        }
        if (kind == Kind.RUN) {
            checkResume(spec, name, out, entries);
        }
        return kind.locked ? out : null;
    }

    private static void checkResume(CommandSpec spec, String name, Path out, List<String> entries) {
        OptionSpec resume = spec.findOption("--resume");
        String mode = resume == null || resume.getValue() == null ? "if-compatible" : resume.getValue().toString();
        boolean hasRun = entries.stream().anyMatch(e -> !e.equals(RunLock.FILE));
        if (mode.equals("never") && hasRun) {
            throw refuse(spec, "--resume never: " + name + " " + out + " already holds a run (" + preview(entries)
                    + "); give a new or empty directory, or --resume if-compatible to continue that run");
        }
        if (mode.equals("required") && !hasCheckpoint(out)) {
            throw refuse(spec, "--resume required: " + name + " " + out + " holds no checkpoint to continue"
                    + (Files.isDirectory(out) ? "" : " (it does not exist)") + "; give the directory of an"
                    + " interrupted run, or --resume if-compatible to start one");
        }
    }

    private static boolean hasCheckpoint(Path out) {
        if (!Files.isDirectory(out)) {
            return false;
        }
        try (Stream<Path> s = Files.walk(out, 2)) {
            return s.anyMatch(p -> p.getFileName().toString().equals(Checkpoint.CHECKPOINTS) && Files.isDirectory(p)
                    && !entries(p).isEmpty());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + out + ": " + e.getMessage(), e);
        }
    }

    /** A run's sub-run (custom-loss's interface/ and subclass/, classify's teacher-run/ ...). */
    private static boolean isRunChild(Path out, String entry, Kind kind) {
        Path child = out.resolve(entry);
        return kind == Kind.RUN && Files.isDirectory(child)
                && (Files.exists(child.resolve("metrics.jsonl")) || Files.isDirectory(child.resolve("checkpoints"))
                || Files.exists(child.resolve(RunLock.FILE)));
    }

    private static void checkInputs(CommandSpec spec, OptionSpec output, Path out) {
        if (spec.name().equals("report")) {
            return; // report writes into its run directory by design
        }
        Path o = normal(out);
        for (OptionSpec in : spec.options()) {
            Object v = in.getValue();
            if (in == output || v == null || v instanceof Boolean || v instanceof Number
                    || v.toString().isBlank() || v.toString().contains("\n")) {
                continue;
            }
            Path p;
            try {
                p = Path.of(v.toString());
            } catch (RuntimeException e) {
                continue;
            }
            if (!Files.exists(p)) {
                continue;
            }
            Path i = normal(p);
            String both = output.longestName() + " " + out + " and " + in.longestName() + " " + p;
            if (i.equals(o)) {
                throw refuse(spec, both + " are the same; writing there would overwrite " + in.longestName()
                        + ": give another " + output.longestName());
            }
            if (o.startsWith(i) && Files.isDirectory(i)) {
                throw refuse(spec, both + ": the output would go inside " + in.longestName() + "; give an "
                        + output.longestName() + " outside it");
            }
            if (i.startsWith(o)) {
                throw refuse(spec, both + ": " + in.longestName() + " lies inside " + output.longestName()
                        + ", which this command writes into; give another " + output.longestName());
            }
        }
    }

    private static boolean isModelFile(String entry) {
        String e = entry.toLowerCase(Locale.ROOT);
        return MODEL_FILES.contains(e) || e.endsWith(".onnx");
    }

    private static Path normal(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static List<String> entries(Path dir) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    private static String preview(List<String> names) {
        return names.size() <= 3 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 3)) + " and " + (names.size() - 3) + " more";
    }

    private static CommandLine.ParameterException refuse(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
