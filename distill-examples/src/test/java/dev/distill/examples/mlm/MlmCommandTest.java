package dev.distill.examples.mlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.cache.TopKCache;
import dev.distill.examples.TinyTeacher;
import dev.distill.examples.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import com.google.gson.JsonObject;
import dev.distill.core.io.TensorData;
import dev.distill.examples.RunFiles;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./distill mlm} end to end on a tiny random teacher and a small text file; a rerun reuses head and cache. */
class MlmCommandTest {

    @TempDir
    Path tmp;

    private String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new DistillCli()).execute(args);
            assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private Path corpus() throws Exception {
        List<String> lines = new ArrayList<>();
        String[] words = {"river", "bank", "money", "water", "stone", "bridge", "city", "music", "winter", "game"};
        for (int i = 0; i < 40; i++) {
            lines.add("the " + words[i % 10] + " near the " + words[(i * 3 + 1) % 10] + " was " + words[(i * 7 + 2) % 10]
                    + " and " + words[(i + 5) % 10] + " today");
        }
        Path corpus = tmp.resolve("corpus.txt");
        Files.write(corpus, lines);
        return corpus;
    }

    @Test
    void fitsHeadCachesDistilsAndReuses() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 4);
        Path corpus = corpus();
        Path out = tmp.resolve("run");
        String[] args = {"mlm", "--teacher", teacher.toString(), "--corpus", corpus.toString(), "--eval-texts", "8",
            "--head-texts", "12", "--head-steps", "4", "--head-rows", "16", "--distill-texts", "16", "--k", "4",
            "--max-length", "16", "--steps", "4", "--batch-size", "4", "--out", out.toString(), "--device", "cpu"};
        String first = run(args);
        assertTrue(first.contains("MLM head fitted"), first);
        assertTrue(first.contains("student before distillation"), first);
        assertTrue(first.contains("student after 4 steps"), first);
        assertTrue(first.contains("purely from the cache (the teacher did not run)"), first);
        // 4 layers → every other: 0, 2; the student has the teacher's embeddings and head.
        TopKCache cache = TopKCache.open(out.resolve("cache"));
        assertEquals(16, cache.numExamples());
        assertEquals(4, cache.k());
        assertTrue(first.contains(String.format("%,d bytes for %,d masked positions", cache.bytes(), cache.positions())),
                first);
        assertTrue(Files.isRegularFile(out.resolve("mlm-head").resolve(dev.distill.models.heads.MlmHeadFitter.FILE)));
        assertTrue(Files.isRegularFile(out.resolve("student").resolve("model.safetensors")));
        assertTrue(Files.readString(out.resolve("student").resolve("config.json")).contains("BertForMaskedLM"));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        List<JsonObject> lines = RunFiles.assertTrained(out, 4, "soft_topk", "mlm");
        // the student is the teacher's layers 0 and 2 (every other of 4): four steps moved both
        Map<String, TensorData> teacherWeights = RunFiles.tensors(teacher.resolve("model.safetensors"));
        Path student = out.resolve("student").resolve("model.safetensors");
        RunFiles.assertMoved(RunFiles.tensors(student), teacherWeights, "encoder.layer.0.attention.self.query.weight",
                "encoder.layer.0.attention.self.query.weight", "encoder.layer.1.output.dense.weight",
                "encoder.layer.2.output.dense.weight");
        Path firstStudent = Files.copy(student, tmp.resolve("first-student.safetensors"));
        Path head = out.resolve("mlm-head").resolve(dev.distill.models.heads.MlmHeadFitter.FILE);
        byte[] headBytes = Files.readAllBytes(head);
        String second = run(args);
        assertTrue(second.contains("MLM head reused"), second);
        // the finished run resumes: no step is trained or logged again, the same weights are exported
        assertEquals(lines, RunFiles.trainLines(out));
        RunFiles.assertSameWeights(firstStudent, student);
        assertArrayEquals(headBytes, Files.readAllBytes(head), "the head is reused, not refitted");
    }

    @Test
    void cosineTermReplaysTheLastHiddenStateFromTheCacheOrRunsTheTeacherOnline() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 2);
        Path corpus = corpus();
        for (String from : new String[] {"cache", "teacher"}) {
            Path out = tmp.resolve(from);
            String text = run("mlm", "--teacher", teacher.toString(), "--corpus", corpus.toString(), "--eval-texts",
                    "4", "--head-texts", "8", "--head-steps", "2", "--head-rows", "8", "--distill-texts", "8", "--k",
                    "4", "--max-length", "16", "--steps", "2", "--batch-size", "4", "--w-cosine", "1",
                    "--cosine-from", from, "--out", out.toString(), "--device", "cpu");
            assertTrue(text.contains(from.equals("cache") ? "its last hidden states replayed from the cache"
                    : "teacher run online for the hidden-state cosine"), text);
            assertTrue(text.contains("5·KL_top4+other(T=1) + 2·MLM + 1·cos"), text);
            RunFiles.assertTrained(out, 2, "soft_topk", "mlm", "hidden_cosine");
            TopKCache cache = TopKCache.open(out.resolve("cache"));
            assertEquals(from.equals("cache") ? List.of(2) : List.of(), cache.hiddenLayers(), "the last of 2 layers");
            assertEquals(from.equals("cache") ? 32 : 0, cache.hiddenDim());
        }
    }
}
