package dev.distill.examples.mlm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.examples.CliRuns;
import dev.distill.examples.TinyTeacher;
import dev.distill.models.heads.MlmHeadFitter;
import dev.distill.core.io.TensorData;
import dev.distill.examples.RunFiles;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./distill mlm-head} on a tiny random teacher: fits, saves, scores both heads, reuses. */
class MlmHeadCommandTest {

    @TempDir
    Path tmp;

    private static String run(String... args) {
        return CliRuns.runOk(args);
    }

    @Test
    void fitsScoresAgainstTheIdentityHeadAndReuses() throws Exception {
        Path teacher = TinyTeacher.create(tmp.resolve("teacher"), 2);
        Path out = tmp.resolve("head");
        java.util.List<String> lines = new java.util.ArrayList<>();
        String[] words = {"river", "bank", "money", "water", "stone", "bridge", "city", "music", "winter", "game"};
        for (int i = 0; i < 30; i++) {
            lines.add("the " + words[i % 10] + " near the " + words[(i * 3 + 1) % 10] + " was " + words[(i * 7 + 2) % 10]
                    + " today");
        }
        Path corpus = Files.write(tmp.resolve("corpus.txt"), lines);
        String[] args = {"mlm-head", "--teacher", teacher.toString(), "--corpus", corpus.toString(), "--eval-texts", "10", "--head-texts", "16",
            "--head-steps", "3", "--head-rows", "16", "--k", "5", "--out", out.toString(), "--device", "cpu"};
        String first = run(args);
        assertTrue(first.contains("MLM head fitted into " + out.resolve(MlmHeadFitter.FILE)), first);
        assertTrue(first.contains("identity (untrained fallback)") && first.contains("content top-5"), first);
        assertTrue(first.matches("(?s).*\\nfitted +\\d+\\.\\d% +\\d+\\.\\d% +\\d+\\.\\d% +\\d+\\.\\d%\\n.*"), first);
        assertTrue(first.contains("augmentation candidates (first 8) for \"Hockey players skate fast"), first);
        assertTrue(first.contains("    fitted:   ") && first.contains("    identity: "), first);
        Path head = out.resolve(MlmHeadFitter.FILE);
        // the fit starts from the identity head (W = I, b = 0, MlmHeadFitter); three steps moved W
        Map<String, TensorData> tensors = RunFiles.tensors(head);
        List<TensorData> square = tensors.values().stream()
                .filter(t -> t.shape().length == 2 && t.shape()[0] == 32 && t.shape()[1] == 32).toList();
        assertEquals(1, square.size(), "one 32 x 32 transform in " + tensors.keySet());
        float[] w = square.get(0).toFloats();
        double offIdentity = 0;
        for (int i = 0; i < w.length; i++) {
            assertTrue(Float.isFinite(w[i]), "non-finite head weight at " + i);
            offIdentity = Math.max(offIdentity, Math.abs(w[i] - (i / 32 == i % 32 ? 1 : 0)));
        }
        assertTrue(offIdentity > 0, "the fitted transform is still the identity");
        byte[] bytes = Files.readAllBytes(head);
        String second = run(args);
        assertTrue(second.contains("MLM head reused from " + out.resolve(MlmHeadFitter.FILE)), second);
        assertArrayEquals(bytes, Files.readAllBytes(head), "the head is reused, not refitted");
    }
}
