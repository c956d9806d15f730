package dev.distill.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.StepContext;
import dev.distill.core.train.TrainerConfig;
import dev.distill.examples.CliRuns;
import dev.distill.examples.common.NoTeacher;
import dev.distill.models.encoder.EncoderConfig;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.encoder.Students;
import dev.distill.models.train.EncoderStudent;
import java.nio.file.Files;
import java.nio.file.Path;
import com.google.gson.JsonObject;
import dev.distill.core.io.TensorData;
import dev.distill.examples.RunFiles;
import dev.distill.models.io.onnx.OnnxBertImporter;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both custom losses against the same formulas computed with plain loops, then the example
 * trained for a few steps on real text through {@code ./distill custom-loss}.
 */
class CustomLossExampleTest {

    @TempDir
    Path tmp;

    private static final float[][] S = {{1f, 2f, -1f}, {0.5f, 0f, 3f}};
    private static final float[][] T = {{2f, 1f, 0f}, {-1f, 1f, 2f}};

    private static StepContext context(NDManager m) {
        NDArray mask = m.create(new long[][] {{1}, {1}});
        ModelOutputs teacher = new ModelOutputs(List.of(m.zeros(new Shape(2, 1, 3))), List.of(), null, null, null,
                null, m.create(T), null, mask);
        ModelOutputs student = new ModelOutputs(List.of(m.zeros(new Shape(2, 1, 3))), List.of(), null, null, null,
                null, m.create(S), null, mask);
        return new StepContext(teacher, student, new TokenBatch(mask, mask, null, null, 2), 0, m);
    }

    @Test
    void lossesMatchTheirFormulas() {
        double mse = 0;
        double cosine = 0;
        for (int b = 0; b < 2; b++) {
            double dot = 0;
            double ns = 0;
            double nt = 0;
            for (int h = 0; h < 3; h++) {
                mse += (S[b][h] - T[b][h]) * (S[b][h] - T[b][h]);
                dot += S[b][h] * T[b][h];
                ns += S[b][h] * S[b][h];
                nt += T[b][h] * T[b][h];
            }
            cosine += 1 - dot / Math.sqrt(ns * nt);
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            StepContext ctx = context(m);
            assertEquals(mse / 6, new CustomLossExample.PooledMse().compute(ctx).total().getFloat(), 1e-6);
            EncoderConfig c = EncoderConfig.builder().setVocabSize(10).setHiddenSize(8).setNumLayers(1).setNumHeads(2)
                    .setIntermediateSize(16).build();
            EncoderStudent student = new EncoderStudent(Students.fromConfig(c, Pooling.CLS, null, m, 1));
            CustomLossExample.CosineTrainer trainer = new CustomLossExample.CosineTrainer(
                    new NoTeacher(student.dims(), Device.cpu()), student, TrainerConfig.builder().setSteps(1).build());
            assertEquals(cosine / 2, trainer.computeLoss(ctx).terms().get("cosine_distance").getFloat(), 1e-6);
        }
    }

    private static String run(String... args) {
        return CliRuns.runOk(args);
    }

    @Test
    void trainsBothWaysOnRealText() throws Exception {
        Path out = tmp.resolve("custom");
        String[] args = {"custom-loss", "--steps", "3", "--examples", "24", "--batch-size", "8", "--max-length", "16",
            "--device", "cpu", "--out", out.toString()};
        run(args);
        Map<String, TensorData> bge;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("bge-small-en-v1.5.onnx")) {
            bge = OnnxBertImporter.load(in, "bge-small-en-v1.5.onnx").tensors();
        }
        Map<String, List<JsonObject>> lines = new LinkedHashMap<>();
        Map<String, Path> saved = new LinkedHashMap<>();
        for (String[] way : new String[][] {{"interface", "pooled_mse"}, {"subclass", "cosine_distance"}}) {
            Path runDir = out.resolve(way[0]);
            lines.put(way[0], RunFiles.assertTrained(runDir, 3, way[1]));
            // the student is bge's layers 0 and 6: three steps moved both away from them
            Map<String, TensorData> student = RunFiles.tensors(RunFiles.lastCheckpointStudent(runDir));
            RunFiles.assertMoved(student, bge, "encoder.layer.0.attention.self.query.weight",
                    "encoder.layer.0.attention.self.query.weight", "encoder.layer.1.output.dense.weight",
                    "encoder.layer.6.output.dense.weight");
            saved.put(way[0], Files.copy(RunFiles.lastCheckpointStudent(runDir), tmp.resolve(way[0] + ".safetensors")));
        }
        // a second run resumes both finished runs: nothing is trained or logged again
        run(args);
        for (String way : lines.keySet()) {
            assertEquals(lines.get(way), RunFiles.trainLines(out.resolve(way)), way);
            RunFiles.assertSameWeights(saved.get(way), RunFiles.lastCheckpointStudent(out.resolve(way)));
        }
    }
}
