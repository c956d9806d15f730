package dev.distill.examples.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.examples.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import com.google.gson.JsonObject;
import dev.distill.examples.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./distill classify} end to end on a tiny setting (two steps each, a few dozen real
 * newsgroup posts, augmentation on): every artefact is written, the teacher is cached and reused
 * by a re-run, and a re-run with other teacher settings is refused before anything slow.
 */
class ClassifyCommandTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(List<String> args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = new CommandLine(new DistillCli());
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args.toArray(new String[0]));
            return new Result(code, buf.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    private List<String> args(Path out, String teacherSteps) {
        return new ArrayList<>(List.of("classify", "--teacher-steps", teacherSteps, "--steps", "2", "--train-size",
                "16", "--dev-size", "8", "--test-size", "12", "--batch-size", "8", "--max-length", "24", "--eval-every",
                "0", "--augment", "1", "--mlm-head-texts", "24", "--mlm-head-steps", "2", "--layers", "0,6", "--device",
                "cpu", "--out", out.toString()));
    }

    private static String teacherLine(String printed) {
        Matcher m = Pattern.compile("(?m)^teacher \\(fine-tuned.*$").matcher(printed);
        assertTrue(m.find(), printed);
        return m.group();
    }

    @Test
    void distilsCachesTheTeacherAndRefusesOtherTeacherSettings() throws Exception {
        Path out = tmp.resolve("run");
        Result first = run(args(out, "2"));
        assertEquals(0, first.code(), first.out() + first.err());
        String p = first.out();
        assertTrue(p.contains("same student, no teacher"), p);
        assertTrue(p.contains("goal: student keeps >= 97% of the teacher's test accuracy"), p);
        assertTrue(p.contains("16 training posts (32 examples with augmentation), 8 held out, 12 test posts"), p);
        assertTrue(p.contains("same student, no teacher (pretrained layers)"), p);
        assertTrue(p.contains("augmentation: 1 copy per post, candidates from the fitted head (24 texts,"
                + " steps=2,rows=256,lr=0.003,wd=0.01,seed=42) saved to " + out.resolve("mlm-head/mlm-head.safetensors")),
                p);
        for (String f : List.of("teacher/config.json", "teacher/model.safetensors", "teacher/distill-finetune.json",
                "student/model.safetensors", "baseline-student/model.safetensors", "report.html", "main-chart.png",
                "summary.json", "metrics.jsonl", "baseline/metrics.jsonl", "teacher-run/metrics.jsonl")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " missing");
        }
        assertFalse(Files.exists(out.resolve("teacher-run/checkpoints")), "fine-tuning checkpoints dropped");
        String metrics = Files.readString(out.resolve("metrics.jsonl"));
        assertTrue(metrics.contains("\"type\":\"eval\""), metrics);
        List<JsonObject> lines = RunFiles.assertTrained(out, 2, "soft_target", "hard_label", "hidden_mse");
        List<JsonObject> baselineLines = RunFiles.assertTrained(out.resolve("baseline"), 2, "hard_label");
        assertFalse(baselineLines.get(0).getAsJsonObject("terms").has("soft_target"), baselineLines.toString());
        // the student is the fine-tuned teacher's layers 0 and 6: two steps moved both
        Path student = out.resolve("student/model.safetensors");
        RunFiles.assertMoved(RunFiles.tensors(student), RunFiles.tensors(out.resolve("teacher/model.safetensors")),
                "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.weight",
                "encoder.layer.1.output.dense.weight", "encoder.layer.6.output.dense.weight");
        Path firstStudent = Files.copy(student, tmp.resolve("first-student.safetensors"));
        assertTrue(Files.readString(out.resolve("student/config.json"))
                .contains("BertForSequenceClassification"));

        Result again = run(args(out, "2"));
        assertEquals(0, again.code(), again.out() + again.err());
        assertEquals(teacherLine(p).substring(0, 90), teacherLine(again.out()).substring(0, 90),
                "the re-run reports the cached teacher's accuracies");
        assertTrue(again.out().contains("candidates from the fitted head (24 texts, steps=2,rows=256,lr=0.003,wd=0.01,"
                + "seed=42) reused from"), again.out());
        assertEquals(lines, RunFiles.trainLines(out), "the finished run resumes: nothing trained or logged again");
        RunFiles.assertSameWeights(firstStudent, student);

        Result other = run(args(out, "3"));
        assertEquals(1, other.code());
        assertTrue(other.err().contains("steps: cached 2, now 3") && other.err().contains("Delete " + out.resolve("teacher")),
                other.err());
    }

    @Test
    void refusesAnMlmHeadDirectoryWithoutAHeadBeforeTraining() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-head"));
        List<String> a = args(tmp.resolve("y"), "2");
        a.addAll(List.of("--mlm-head", empty.toString()));
        Result r = run(a);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(empty.resolve("mlm-head.safetensors").toString())
                && r.err().contains("no fitted MLM head here"), r.err());
        assertFalse(Files.exists(tmp.resolve("y/teacher")), "refused before fine-tuning the teacher");

        List<String> noAugment = args(tmp.resolve("z"), "2");
        noAugment.set(noAugment.indexOf("--augment") + 1, "0");
        noAugment.addAll(List.of("--mlm-head", "identity"));
        Result n = run(noAugment);
        assertEquals(1, n.code());
        assertTrue(n.err().contains("--mlm-head identity is given but --augment is 0"), n.err());
    }

    @Test
    void refusesAnUnknownStudent() {
        List<String> a = args(tmp.resolve("x"), "2");
        a.add("--student");
        a.add("tinybert9");
        Result r = run(a);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--student 'tinybert9' is unknown; use six-layer"), r.err());
    }
}
