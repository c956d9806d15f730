package dev.distill.examples.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.examples.TinyTeacher;
import dev.distill.examples.cli.DistillCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import com.google.gson.JsonObject;
import dev.distill.core.io.TensorData;
import dev.distill.core.train.Checkpoint;
import dev.distill.examples.RunFiles;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./distill block} end to end on a tiny random teacher: train, evaluate, export, report, resume. */
class BlockCommandTest {

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

    @Test
    void trainsEvaluatesExportsAndResumes() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 2);
        Path out = tmp.resolve("run");
        String[] args = {"block", "--teacher", teacher.toString(), "--heads", "2", "--head-size", "8", "--ffn", "16",
            "--steps", "6", "--batch-size", "2", "--seq-length", "8", "--min-length", "3", "--baseline-batches", "3",
            "--eval-batches", "2", "--real-sentences", "6", "--eval-every", "3", "--out", out.toString(),
            "--device", "cpu"};
        String first = run(args);
        // Tiny teacher, per layer: Q, K, V, O 4·(32·32 + 32) + FFN 32·64 + 64 + 64·32 + 32 + 2 LayerNorms 4·32
        // = 8,544; two layers 17,088 (embeddings are not part of the block).
        assertTrue(first.contains("17,088"), first);
        // Student, 2 heads × 8 = 16 wide, FFN 16: Q, K, V 3·(32·16 + 16) + O 16·32 + 32 + FFN 32·16 + 16
        // + 16·32 + 32 + 4·32 = 3,328.
        assertTrue(first.contains("3,328"), first);
        assertTrue(first.contains("random inputs (isotropic, held out)"), first);
        assertTrue(first.contains("real embeddings (6 STS sentences)"), first);
        assertTrue(first.contains("trained 6 steps"), first);
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        assertTrue(Files.isRegularFile(out.resolve("summary.json")));
        assertTrue(Files.isRegularFile(out.resolve("student").resolve("config.json")));
        String metrics = Files.readString(out.resolve("metrics.jsonl"));
        assertTrue(metrics.contains("\"l1_ratio\""), metrics);
        List<JsonObject> lines = RunFiles.assertTrained(out, 6, "l1");
        // checkpoints at steps 3 and 6 (--eval-every 3): the student moved between them
        Path last = RunFiles.lastCheckpointStudent(out);
        Path atStep3 = out.resolve(Checkpoint.CHECKPOINTS).resolve(Checkpoint.directoryName(3)).resolve(Checkpoint.STUDENT);
        Map<String, TensorData> s6 = RunFiles.tensors(last);
        Map<String, TensorData> s3 = RunFiles.tensors(atStep3);
        assertEquals(s3.keySet(), s6.keySet());
        assertTrue(s6.keySet().stream().anyMatch(k -> RunFiles.maxAbsDiff(s3.get(k), s6.get(k), k) > 0),
                "the student did not change between steps 3 and 6");
        Path exported = out.resolve("student").resolve("model.safetensors");
        Path firstExport = Files.copy(exported, tmp.resolve("first-export.safetensors"));
        String second = run(args); // the finished run resumes at its last step and reports again
        assertTrue(second.contains("trained 6 steps"), second);
        assertEquals(lines, RunFiles.trainLines(out), "nothing trained or logged again");
        RunFiles.assertSameWeights(firstExport, exported);
    }
}
