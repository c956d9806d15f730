package dev.distill.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.data.DataException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunMetricsTest {

    @TempDir
    Path dir;

    private Path write(String text) throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void readsTrainingAndEvaluationLinesInBothShapes() throws Exception {
        Path f = write(String.join("\n",
                "{\"step\": 120, \"time_s\": 35.2, \"loss\": 0.83, \"terms\": {\"hidden_mse\": 0.41,"
                        + " \"attention_mse\": 0.12, \"pooled_cosine\": 0.30}, \"lr\": 0.0001, \"grad_norm\": 1.7,"
                        + " \"tokens_per_s\": 812.5, \"something_new\": [1, 2]}",
                "",
                "{\"step\": 200, \"eval\": {\"sts_mean\": 68.2, \"sts_pooled\": 75.1}}",
                // the trainer's own form: type + metrics, non-finite values as null, elapsed_s for time
                "{\"type\":\"eval\",\"step\":100,\"metrics\":{\"sts_mean\":60.5,\"sts_pooled\":null},\"primary\":\"sts_mean\"}",
                "{\"type\":\"train\",\"step\":100,\"loss\":0.9,\"terms\":{\"hidden_mse\":0.5},\"elapsed_s\":30.0}",
                // both in one line
                "{\"step\": 300, \"loss\": 0.5, \"terms\": {\"hidden_mse\": 0.2, \"kd\": 0.3}, \"eval\": {\"sts_mean\": 70}}",
                // neither: an unknown record kind is skipped
                "{\"type\":\"checkpoint\",\"step\":300,\"path\":\"ckpt-300\"}",
                ""));
        RunMetrics m = RunMetrics.read(f);

        assertEquals(List.of(100L, 120L, 300L), m.train().stream().map(RunMetrics.TrainPoint::step).toList());
        RunMetrics.TrainPoint p = m.train().get(1);
        assertEquals(35.2, p.timeSeconds());
        assertEquals(0.83, p.loss());
        assertEquals(0.41, p.terms().get("hidden_mse"));
        assertEquals(0.12, p.terms().get("attention_mse"));
        assertEquals(0.30, p.terms().get("pooled_cosine"));
        assertEquals(1e-4, p.learningRate());
        assertEquals(1.7, p.gradNorm());
        assertEquals(812.5, p.tokensPerSecond());
        assertEquals(30.0, m.train().get(0).timeSeconds());
        assertTrue(Double.isNaN(m.train().get(0).gradNorm()), "absent fields read as NaN");

        assertEquals(List.of(100L, 200L, 300L), m.evals().stream().map(RunMetrics.EvalPoint::step).toList());
        assertEquals(60.5, m.evals().get(0).metrics().get("sts_mean"));
        assertTrue(Double.isNaN(m.evals().get(0).metrics().get("sts_pooled")), "null reads as NaN");
        assertEquals(75.1, m.evals().get(1).metrics().get("sts_pooled"));
        assertEquals(70.0, m.evals().get(2).metrics().get("sts_mean"));

        // first-appearance order, over all lines (line order, not step order)
        assertEquals(List.of("hidden_mse", "attention_mse", "pooled_cosine", "kd"), m.termNames());
        assertEquals(List.of("sts_mean", "sts_pooled"), m.evalMetricNames());
        assertEquals(300, m.lastStep());
    }

    @Test
    void aRepeatedStepKeepsTheLaterLine() {
        RunMetrics m = RunMetrics.parse("{\"step\":10,\"loss\":2.0}\n{\"step\":20,\"loss\":1.5}\n{\"step\":10,\"loss\":1.9}\n", "m");
        assertEquals(2, m.train().size());
        assertEquals(1.9, m.train().get(0).loss());
    }

    @Test
    void aMalformedLineNamesTheFileAndTheLine() throws Exception {
        Path f = write("{\"step\": 10, \"loss\": 1.0}\n\n{\"step\": 20, \"loss\": 0.9\n{\"step\": 30, \"loss\": 0.8}\n");
        DataException e = assertThrows(DataException.class, () -> RunMetrics.read(f));
        assertEquals(f.toString(), e.source());
        assertEquals("3", e.record());
        assertTrue(e.getMessage().startsWith(f + ":3: not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("every line must be one object"), e.getMessage());
    }

    @Test
    void wrongTypesAreRefusedWithTheField() {
        DataException term = assertThrows(DataException.class,
                () -> RunMetrics.parse("{\"step\":1,\"terms\":{\"hidden_mse\":\"big\"}}\n", "run/metrics.jsonl"));
        assertEquals("run/metrics.jsonl:1: \"terms.hidden_mse\" is \"big\", not a number; write a JSON number"
                + " (or null for a missing value)", term.getMessage());

        DataException noStep = assertThrows(DataException.class, () -> RunMetrics.parse("{\"loss\":1}\n", "m.jsonl"));
        assertTrue(noStep.getMessage().startsWith("m.jsonl:1: field \"step\" is missing"), noStep.getMessage());

        DataException fraction = assertThrows(DataException.class, () -> RunMetrics.parse("{\"step\":1.5,\"loss\":1}\n", "m.jsonl"));
        assertTrue(fraction.getMessage().contains("non-negative integer"), fraction.getMessage());

        DataException array = assertThrows(DataException.class, () -> RunMetrics.parse("[1,2]\n", "m.jsonl"));
        assertTrue(array.getMessage().startsWith("m.jsonl:1: expected a JSON object"), array.getMessage());

        DataException terms = assertThrows(DataException.class, () -> RunMetrics.parse("{\"step\":1,\"terms\":3}\n", "m.jsonl"));
        assertTrue(terms.getMessage().contains("\"terms\" is 3, not an object"), terms.getMessage());
    }

    @Test
    void aTornLastLineIsDroppedOnlyWhileUnterminated() {
        String torn = "{\"step\":10,\"loss\":1.0}\n{\"step\":20,\"lo";
        assertEquals(1, RunMetrics.parse(torn, "m").train().size());
        assertThrows(DataException.class, () -> RunMetrics.parse(torn + "\n", "m"));
    }

    @Test
    void aMissingFileSaysWhatARunDirectoryHolds() {
        Exception e = assertThrows(java.nio.file.NoSuchFileException.class, () -> RunMetrics.readRun(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("metrics.jsonl"), e.getMessage());
    }
}
