package dev.distill.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The data-file and input-directory options of every command, checked before anything loads: a
 * file that is missing, a directory, unreadable or empty, or a directory that is missing or a
 * file, is one line naming the option, the path and what to give instead. (What is inside a file
 * is checked by its reader, which names the file and the line.)
 */
final class InputFiles {

    /** What an option takes (a {@code "command --option"} key overrides the option's for that command): a file or a directory, described, plus words that are not paths. */
    record Input(boolean directory, String what, List<String> keywords) {}

    private static final Map<String, Input> INPUTS = Map.of(
            "mlm --corpus", new Input(false, "a UTF-8 text file, one text per line", List.of()),
            "mlm-head --corpus", new Input(false, "a UTF-8 text file, one text per line", List.of()),
            "--corpus", new Input(false, "a UTF-8 text file, one text per line", List.of("wordnet", "newsgroups")),
            "--calibration", new Input(false, "a UTF-8 text file, one text per line", List.of("default")),
            "--train", new Input(false, "a SQuAD v1.1 JSON file", List.of()),
            "--dev", new Input(false, "a SQuAD v1.1 JSON file", List.of()),
            "--student-init", new Input(true, "a Hugging Face model directory (e.g. from ./distill prune)", List.of()),
            "--mlm-head", new Input(true, "a directory holding mlm-head.safetensors", List.of("identity")),
            "--run", new Input(true, "a run directory (holding metrics.jsonl)", List.of()));

    private InputFiles() {}

    /** Checks every input option of {@code spec} that was given (or has a default). */
    static void check(CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            Input in = INPUTS.getOrDefault(spec.name() + " " + o.longestName(), INPUTS.get(o.longestName()));
            Object value = o.getValue();
            if (in == null || value == null || value.toString().isBlank()) {
                continue;
            }
            String text = value.toString().strip();
            if (in.keywords().contains(text.toLowerCase(Locale.ROOT))) {
                continue;
            }
            String problem;
            try {
                problem = problem(Path.of(text), in);
            } catch (java.nio.file.InvalidPathException e) {
                problem = "is not a valid path (" + e.getReason() + ")";
            }
            if (problem != null) {
                String alt = in.keywords().isEmpty() ? "" : ", or one of " + String.join(", ", in.keywords());
                throw new CommandLine.ParameterException(spec.commandLine(),
                        o.longestName() + " '" + text + "': " + problem + "; give " + in.what() + alt);
            }
        }
    }

    private static String problem(Path p, Input in) {
        if (!Files.exists(p)) {
            return in.directory() ? "no such directory" : "no such file";
        }
        if (in.directory()) {
            return Files.isDirectory(p) ? null : "is a file, not a directory";
        }
        if (Files.isDirectory(p)) {
            return "is a directory, not a file";
        }
        if (!Files.isReadable(p)) {
            return "cannot be read (permission denied)";
        }
        try {
            if (Files.size(p) == 0) {
                return "is empty";
            }
        } catch (IOException e) {
            return "cannot be read (" + e.getMessage() + ")";
        }
        return null;
    }
}
