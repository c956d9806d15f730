package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.train.RunLock;
import dev.distill.examples.TinyTeacher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The bad-input suite of the command line: one test per case the issue-17 campaign found and per
 * class of input (option values, output directories, input files, a locked run directory,
 * {@code --resume}). Every refusal is checked to be one {@code error:} line naming the value, the
 * rule and the fix, with exit code 2, and to come before anything loads (none of these runs
 * touches a model: each takes well under a second).
 */
class BadInputCliTest {

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
        /** The first line of stderr, without "error: ". */
        String error() {
            String first = err.lines().findFirst().orElse("");
            assertTrue(first.startsWith("error: "), "not an error line: " + err);
            return first.substring("error: ".length());
        }
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            CommandLine cli = DistillCli.commandLine();
            cli.setErr(new PrintWriter(err, true));
            cli.getSubcommands().values().forEach(c -> c.setErr(new PrintWriter(err, true)));
            int code = cli.execute(args);
            return new Run(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    /** Refused in one line (plus the pointer to --help), exit 2, with exactly this message. */
    private static void refused(String expected, String... args) {
        Run r = run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
        assertEquals(expected, r.error());
        assertEquals(2, r.err().strip().lines().count(), "one error line and the --help pointer:\n" + r.err());
    }

    // ------------------------------------------------------------------ option values

    @Test
    void corpusSizeMinusOneIsRefused() {
        refused("--corpus-size -1: must be a whole number >= 0; e.g. --corpus-size 0 (the default)",
                "embeddings", "--corpus-size", "-1", "--out", tmp.resolve("e").toString());
    }

    @Test
    void evalEveryMinusOneIsRefusedByEveryTrainingCommand() {
        for (String cmd : new String[] {"embeddings", "classify", "qa", "mlm", "block"}) {
            Run r = run(cmd, "--eval-every", "-1", "--out", tmp.resolve(cmd).toString());
            assertEquals(2, r.code(), cmd + ": " + r.err());
            assertTrue(r.error().startsWith("--eval-every -1: must be a whole number >= 0; e.g. --eval-every "),
                    cmd + ": " + r.err());
            assertFalse(Files.exists(tmp.resolve(cmd)), cmd + ": nothing was written");
        }
    }

    /** The arguments a command requires, so that only the option under test is wrong. */
    private Map<String, List<String>> required() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("req-teacher"), 1);
        return Map.of("prune", List.of("--teacher", teacher.toString(), "--out", tmp.resolve("req-p").toString()),
                "encode", List.of("--model", "m", "--text", "t"), "sts", List.of("--model", "m"),
                "report", List.of("--run", tmp.toString()),
                "export", List.of("--model", "m", "--format", "onnx", "--out", tmp.resolve("req-e").toString()));
    }

    private static String violating(OptionRules.Rule r) {
        if (r == OptionRules.WHOLE_POSITIVE || r == OptionRules.POSITIVE) {
            return "0";
        }
        if (r == OptionRules.FRACTION) {
            return "1";
        }
        return "-1";
    }

    /** One command line, re-parsed per case (picocli resets every option before a parse). */
    private static final CommandLine PARSER = DistillCli.commandLine();

    /** {@code command args} parsed; the subcommand's spec with its values set. */
    private static CommandSpec parsed(String command, List<String> args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(args);
        return PARSER.parseArgs(all.toArray(String[]::new)).subcommand().commandSpec();
    }

    /**
     * Every numeric option of every command has a rule, its default passes it, and a value that
     * breaks it is refused naming the option, the value and the rule (checked on the parsed
     * command, as {@link Preflight} does, for all of them).
     */
    @Test
    void everyNumericOptionOfEveryCommandIsValidated() throws Exception {
        Map<String, List<String>> required = required();
        CommandLine root = DistillCli.commandLine();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            missing.addAll(OptionRules.missingRules(spec));
            List<String> base = required.getOrDefault(e.getKey(), List.of());
            if (e.getKey().equals("help")) {
                continue;
            }
            OptionRules.check(parsed(e.getKey(), base)); // the defaults pass
            for (OptionSpec o : spec.options()) {
                OptionRules.Rule r = OptionRules.ruleOf(e.getKey(), o);
                if (r == null || r == OptionRules.ANY || !OptionRules.isNumeric(o)) {
                    continue;
                }
                String bad = violating(r);
                List<String> args = new ArrayList<>(base);
                args.add(o.longestName());
                args.add(bad);
                CommandSpec c = parsed(e.getKey(), args);
                CommandLine.ParameterException ex = assertThrows(CommandLine.ParameterException.class,
                        () -> OptionRules.check(c), e.getKey() + " " + o.longestName() + " " + bad);
                // the value as picocli converted it (0 for a long, 0.0 for a float)
                assertTrue(ex.getMessage().matches(java.util.regex.Pattern.quote(o.longestName()) + " " + bad
                        + "(\\.0)?: " + java.util.regex.Pattern.quote(r.says()) + "; e\\.g\\. .+"), ex.getMessage());
                checked++;
            }
        }
        assertEquals(List.of(), missing, "numeric options without a rule in OptionRules");
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void fractionalNonFiniteAndNonNumericValuesAreRefused() {
        refused("--dropout 1.0: must be a number in [0, 1); e.g. --dropout 0 (the default)", "block", "--dropout",
                "1", "--out", tmp.resolve("b").toString());
        refused("--lr NaN: must be a finite number > 0; e.g. --lr 3e-4 (the default)", "embeddings", "--lr", "NaN",
                "--out", tmp.resolve("e").toString());
        refused("--w-hidden Infinity: must be a finite number >= 0; e.g. --w-hidden 0.1 (the default)", "embeddings",
                "--w-hidden", "Infinity", "--out", tmp.resolve("e").toString());
        refused("Invalid value for option '--steps': 'ten' is not a long", "embeddings", "--steps", "ten");
        refused("Unknown options: '--stepz', '3'", "embeddings", "--stepz", "3");
    }

    @Test
    void choiceOptionsAreRefusedWithTheValidValues() {
        refused("--on-error 'skipp': must be one of fail, skip; e.g. --on-error fail (the default)", "cache",
                "--on-error", "skipp", "--out", tmp.resolve("c").toString());
        refused("--device 'tpu': must be cpu, gpu, gpu:N or auto; e.g. --device auto (the default)", "classify",
                "--device", "tpu", "--out", tmp.resolve("c").toString());
        refused("--what 'step,everything': must be a comma-separated list of step, inference, cache, soak, all;"
                + " e.g. --what step,inference,cache (the default)", "bench", "--what", "step,everything");
        refused("--resume 'always': must be one of if-compatible, never, required; e.g. --resume if-compatible (the"
                + " default)", "block", "--resume", "always", "--out", tmp.resolve("b").toString());
    }

    // ------------------------------------------------------------------ output directories

    private static byte[] read(Path p) throws Exception {
        return Files.readAllBytes(p);
    }

    /** The campaign's worst case: prune --out pointing at its own teacher overwrote the user's model. */
    @Test
    void pruneIntoItsOwnTeacherIsRefusedAndTheTeacherIsUntouched() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 2);
        byte[] weights = read(teacher.resolve("model.safetensors"));
        refused("--out " + teacher + " and --teacher " + teacher + " are the same; writing there would overwrite"
                + " --teacher: give another --out", "prune", "--teacher", teacher.toString(), "--layers", "1",
                "--out", teacher.toString());
        assertArrayEquals(weights, read(teacher.resolve("model.safetensors")));
        Path inside = teacher.resolve("pruned");
        refused("--out " + inside + " and --teacher " + teacher + ": the output would go inside --teacher; give an"
                + " --out outside it", "prune", "--teacher", teacher.toString(), "--out", inside.toString());
    }

    @Test
    void anotherModelDirectoryIsNeverWrittenOver() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 2);
        Path other = TinyTeacher.create(tmp.resolve("other-model"), 1);
        Run r = run("prune", "--teacher", teacher.toString(), "--out", other.toString());
        assertEquals(2, r.code());
        assertTrue(r.error().startsWith("--out " + other + " holds a model (config.json, model.safetensors"),
                r.error());
        assertTrue(r.error().endsWith("distill never writes over a model: give a new or empty directory"), r.error());
        // the same for a training command's run directory
        Run e = run("embeddings", "--out", other.toString());
        assertEquals(2, e.code());
        assertTrue(e.error().startsWith("--out " + other + " holds a model"), e.error());
    }

    @Test
    void aNonEmptyDirectoryNotWrittenByTheCommandIsRefusedByEveryCommand() throws Exception {
        Path foreign = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(foreign.resolve("holiday.jpg"), "not ours");
        Map<String, List<String>> required = required();
        for (Map.Entry<String, OutputRules.Kind> e : OutputRules.KINDS.entrySet()) {
            String cmd = e.getKey();
            CommandSpec spec = DistillCli.commandLine().getSubcommands().get(cmd).getCommandSpec();
            String option = OutputRules.outputOption(spec).longestName();
            List<String> args = new ArrayList<>(List.of(cmd));
            List<String> base = new ArrayList<>(required.getOrDefault(cmd, List.of()));
            int at = base.indexOf("--out");
            if (at >= 0) {
                base.subList(at, at + 2).clear();
            }
            args.addAll(base);
            args.add(option);
            args.add(foreign.toString());
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), cmd + ": " + r.err());
            assertEquals(option + " " + foreign + " is not empty and was not written by ./distill " + cmd
                    + " (it holds holiday.jpg); give a new or empty directory, so nothing there is overwritten",
                    r.error(), cmd);
        }
        assertEquals(List.of("holiday.jpg"), List.of(foreign.toFile().list()));
    }

    @Test
    void aFileAsOutputIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
        refused("--out " + file + " is a file; give a directory (new or empty)", "block", "--out", file.toString());
        assertEquals("mine", Files.readString(file));
    }

    // ------------------------------------------------------------------ --resume and the lock

    @Test
    void resumeNeverRefusesAnExistingRunAndRequiredRefusesANewOne() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"train\",\"step\":1}\n");
        refused("--resume never: --out " + run + " already holds a run (metrics.jsonl); give a new or empty"
                + " directory, or --resume if-compatible to continue that run", "block", "--resume", "never",
                "--out", run.toString());
        Path fresh = tmp.resolve("fresh");
        refused("--resume required: --out " + fresh + " holds no checkpoint to continue (it does not exist); give the"
                + " directory of an interrupted run, or --resume if-compatible to start one", "block", "--resume",
                "required", "--out", fresh.toString());
        Run help = run("block", "--help");
        assertTrue(help.out().contains("--resume=never|if-compatible|required"), help.out());
    }

    @Test
    void aRunDirectoryInUseIsRefused() throws Exception {
        Path run = tmp.resolve("busy");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Another holder: a thread here stands in for the other process (RunLockTest in
        // distill-core does it with a second JVM, killed).
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try (RunLock lock = RunLock.acquire(run)) {
                held.countDown();
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertTrue(held.await(30, TimeUnit.SECONDS));
            Run r = run("block", "--out", run.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.error().startsWith("run directory " + run + " is in use by another thread of this process"),
                    r.error());
            assertTrue(r.error().endsWith("wait for that run to end, or use another directory for this one"),
                    r.error());
        } finally {
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * End to end through the real preflight on a tiny teacher: a run is made, the same command again
     * says the run is finished and trains nothing, --resume never refuses it, and the run
     * directory (now ours) is accepted while a foreign one is not.
     */
    @Test
    void aFinishedRunSaysSoAndTrainsNothing() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 2);
        Path out = tmp.resolve("run");
        List<String> args = new ArrayList<>(List.of("block", "--teacher", teacher.toString(), "--heads", "2",
                "--head-size", "8", "--ffn", "16", "--steps", "4", "--batch-size", "2", "--seq-length", "8",
                "--min-length", "3", "--baseline-batches", "2", "--eval-batches", "1", "--real-sentences", "0",
                "--eval-every", "0", "--out", out.toString(), "--device", "cpu"));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            Run first = run(args.toArray(String[]::new));
            assertEquals(0, first.code(), first.err());
            errBytes.reset();
            Run second = run(args.toArray(String[]::new));
            assertEquals(0, second.code(), second.err());
            String said = errBytes.toString(StandardCharsets.UTF_8);
            assertTrue(said.contains("run directory " + out + " holds a finished run (all 4 steps are done): nothing"
                    + " was trained"), said);
        } finally {
            System.setErr(oldErr);
        }
        assertTrue(Files.isRegularFile(out.resolve(RunLock.FILE)));
        args.addAll(List.of("--resume", "never"));
        Run never = run(args.toArray(String[]::new));
        assertEquals(2, never.code());
        assertTrue(never.error().startsWith("--resume never: --out " + out + " already holds a run ("), never.err());
    }

    // ------------------------------------------------------------------ input files

    @Test
    void aMissingEmptyOrDirectoryDataFileIsRefusedNamingIt() throws Exception {
        Path missing = tmp.resolve("nope.txt");
        refused("--corpus '" + missing + "': no such file; give a UTF-8 text file, one text per line", "mlm",
                "--corpus", missing.toString(), "--out", tmp.resolve("m").toString());
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        refused("--corpus '" + empty + "': is empty; give a UTF-8 text file, one text per line, or one of wordnet,"
                + " newsgroups", "cache", "--corpus", empty.toString(), "--out", tmp.resolve("c").toString());
        refused("--calibration '" + tmp + "': is a directory, not a file; give a UTF-8 text file, one text per line,"
                + " or one of default", "prune", "--teacher", "bge-small-en-v1.5", "--calibration", tmp.toString(),
                "--out", tmp.resolve("p").toString());
        refused("--train '" + missing + "': no such file; give a SQuAD v1.1 JSON file", "qa", "--train",
                missing.toString(), "--out", tmp.resolve("q").toString());
        refused("--student-init '" + empty + "': is a file, not a directory; give a Hugging Face model directory"
                + " (e.g. from ./distill prune)", "embeddings", "--student-init", empty.toString(), "--out",
                tmp.resolve("e").toString());
        refused("--run '" + missing + "': no such directory; give a run directory (holding metrics.jsonl)", "report",
                "--run", missing.toString());
    }

    @Test
    void aCorpusLineThatIsNotUtf8IsNamedByFileAndLine() throws Exception {
        Path bad = tmp.resolve("latin1.txt");
        byte[] good = "a fine line\n".getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = "caf\u00e9 au lait\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[good.length + latin1.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(latin1, 0, all, good.length, latin1.length);
        Files.write(bad, all);
        // prune's --calibration and mlm's --corpus read through the same TextLines reader
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationTexts.load(bad.toString(), 10, 1));
        assertTrue(e.getMessage().startsWith(bad + ":2: "), e.getMessage());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        Path blank = Files.writeString(tmp.resolve("blank.txt"), "\n  \n");
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> CalibrationTexts.load(blank.toString(), 10, 1));
        assertEquals("calibration corpus " + blank + " holds no text (only blank lines); give 'default' (WordNet"
                + " glosses) or a UTF-8 text file with one text per line", b.getMessage());
    }
}
