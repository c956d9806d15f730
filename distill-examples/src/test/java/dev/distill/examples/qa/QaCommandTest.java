package dev.distill.examples.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.examples.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import com.google.gson.JsonObject;
import dev.distill.examples.RunFiles;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./distill qa} end to end on tiny settings: the WordNet demo, and a SQuAD v1.1 file the
 * test writes (with a context long enough to be split into several windows).
 */
class QaCommandTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = new CommandLine(new DistillCli());
            cli.setErr(new PrintWriter(err, true));
            return new Result(cli.execute(args), buf.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void wordNetDemo() throws Exception {
        Path out = tmp.resolve("wn");
        String[] args = {"qa", "--teacher-steps", "2", "--steps", "2", "--train-size", "16", "--dev-size", "8",
            "--batch-size", "8", "--eval-every", "0", "--device", "cpu", "--out", out.toString()};
        Result r = run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("WordNet QA (usage sentences, questions from glosses): 16 training questions"),
                r.out());
        assertTrue(r.out().contains("student (teacher layers 0,2,4,6,8,10)"), r.out());
        String metrics = Files.readString(out.resolve("metrics.jsonl"));
        assertTrue(metrics.contains("\"exact_match\""), metrics);
        List<JsonObject> lines = RunFiles.assertTrained(out, 2, "kl_span", "hard_span");
        assertTrue(Files.readString(out.resolve("student/config.json")).contains("BertForQuestionAnswering"));
        assertTrue(Files.isRegularFile(out.resolve("teacher/distill-finetune.json")));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        // the student is the fine-tuned teacher's layers 0, 2, ..., 10: two steps moved them
        Path student = out.resolve("student/model.safetensors");
        RunFiles.assertMoved(RunFiles.tensors(student), RunFiles.tensors(out.resolve("teacher/model.safetensors")),
                "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.weight",
                "encoder.layer.5.output.dense.weight", "encoder.layer.10.output.dense.weight");
        Path firstStudent = Files.copy(student, tmp.resolve("first-student.safetensors"));
        Result again = run(args); // the teacher is reused and the finished student run resumes
        assertEquals(0, again.code(), again.out() + again.err());
        assertEquals(lines, RunFiles.trainLines(out), "nothing trained or logged again");
        RunFiles.assertSameWeights(firstStudent, student);
    }

    @Test
    void squadFiles() throws Exception {
        String context = "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy,"
                + " a region in France. They were descended from Norse raiders and pirates from Denmark, Iceland and"
                + " Norway who, under their leader Rollo, agreed to swear fealty to King Charles III of West Francia."
                + " Through generations of assimilation and mixing with the native Frankish and Roman-Gaulish"
                + " populations, their descendants would gradually merge with the Carolingian-based cultures.";
        int rollo = context.indexOf("Rollo");
        int france = context.indexOf("France");
        String json = "{\"version\": \"1.1\", \"data\": [{\"title\": \"Normans\", \"paragraphs\": [{\"context\": \""
                + context + "\", \"qas\": ["
                + "{\"id\": \"q1\", \"question\": \"Who led the Norse raiders?\", \"answers\": [{\"text\": \"Rollo\","
                + " \"answer_start\": " + rollo + "}]},"
                + "{\"id\": \"q2\", \"question\": \"In what country is Normandy?\", \"answers\": [{\"text\": \"France\","
                + " \"answer_start\": " + france + "}, {\"text\": \"France.\", \"answer_start\": " + france + "}]}"
                + "]}]}]}";
        Path file = tmp.resolve("tiny-squad.json");
        Files.writeString(file, json);
        Path out = tmp.resolve("squad");
        Result r = run("qa", "--train", file.toString(), "--dev", file.toString(), "--max-length", "40", "--stride",
                "12", "--max-question-tokens", "12", "--teacher-steps", "2", "--steps", "2", "--batch-size", "4",
                "--eval-every", "0", "--device", "cpu", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        // about 90 context tokens in windows of at most 40 - 12 - 3 = 25 starting every 12: several per question
        assertTrue(r.out().contains("2 training questions (") && r.out().contains("2 development questions"), r.out());
        assertTrue(!r.out().contains("(2 windows)"), r.out());

        Result half = run("qa", "--train", file.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, half.code());
        assertTrue(half.err().contains("give both --train and --dev"), half.err());
    }
}
