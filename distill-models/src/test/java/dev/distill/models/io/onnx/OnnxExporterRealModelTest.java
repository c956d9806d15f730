package dev.distill.models.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.io.TensorData;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.heads.ClassificationHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported ONNX graph run by ONNX Runtime (an independent implementation) against distill's
 * own encoder on the same padded batch: the real bge-small-en-v1.5 weights, and a student trained
 * a few steps here (3 of the teacher's layers, mean pooling, a classification head).
 */
class OnnxExporterRealModelTest {

    static final List<String> SENTENCES = TrainedStudent.SENTENCES;

    static LoadedModel teacher;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        teacher = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 128);
    }

    @AfterAll
    static void close() {
        teacher.close();
    }

    /** distill's outputs: last hidden state (B·T·H), L2-normalised pooled embedding (B·H), logits or null. */
    private static Map<String, float[]> ours(Encoder encoder, TokenBatch batch) {
        ModelOutputs o = encoder.forward(batch, false);
        NDArray pooled = o.pooled();
        NDArray unit = pooled.div(Scalars.maximum(pooled.norm(new int[] {1}, true), 1e-12f));
        return o.logits() == null
                ? Map.of("last_hidden_state", o.lastHiddenState().toFloatArray(), "sentence_embedding", unit.toFloatArray())
                : Map.of("last_hidden_state", o.lastHiddenState().toFloatArray(), "sentence_embedding",
                        unit.toFloatArray(), "logits", o.logits().toFloatArray());
    }

    private void assertParity(Encoder encoder, String what, long threshold) throws Exception {
        Path file = tmp.resolve(what + ".onnx");
        OnnxExporter.export(encoder, file, OnnxExporter.Precision.FLOAT32, Map.of("source", what), threshold);
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch batch = teacher.tokenizer().batch(SENTENCES, m);
            Map<String, float[]> mine = ours(encoder, batch);
            Map<String, float[]> ort = OrtRun.run(file, batch);
            long[] mask = batch.attentionMask().toLongArray();
            int h = encoder.config().hiddenSize();
            assertTrue(batch.sequenceLength() > 5 && mask[batch.sequenceLength() * 3 + 4] == 0, "batch must be padded");
            double last = OrtRun.maxDiff(mine.get("last_hidden_state"), ort.get("last_hidden_state"), mask, h);
            double sent = OrtRun.maxDiff(mine.get("sentence_embedding"), ort.get("sentence_embedding"), null, 1);
            System.out.printf("%s: max |distill - onnxruntime| last_hidden_state %.3g, sentence_embedding %.3g%n",
                    what, last, sent);
            assertTrue(last <= 1e-4, what + ": last_hidden_state differs by " + last);
            assertTrue(sent <= 1e-4, what + ": sentence_embedding differs by " + sent);
            if (mine.containsKey("logits")) {
                double lg = OrtRun.maxDiff(mine.get("logits"), ort.get("logits"), null, 1);
                System.out.printf("%s: logits %.3g%n", what, lg);
                assertTrue(lg <= 1e-4, what + ": logits differ by " + lg);
            }
        }
    }

    @Test
    void exportedTeacherMatchesDistillInOnnxRuntime() throws Exception {
        assertParity(teacher.encoder(), "bge-small", Long.MAX_VALUE);
    }

    @Test
    void exportedTeacherReimportsWithIdenticalWeights() throws Exception {
        Path file = tmp.resolve("bge.onnx");
        OnnxExporter.export(teacher.encoder(), file, OnnxExporter.Precision.FLOAT32, Map.of());
        ImportedEncoder back = OnnxBertImporter.load(file);
        assertEquals(teacher.encoder().config(), back.config());
        Map<String, TensorData> original = teacher.encoder().stateDict();
        assertEquals(original.keySet(), back.tensors().keySet());
        for (Map.Entry<String, TensorData> e : original.entrySet()) {
            assertArrayEquals(e.getValue().toFloats(), back.tensors().get(e.getKey()).toFloats(), 0f, e.getKey());
        }
    }

    @Test
    void trainedStudentWithMeanPoolingHeadAndExternalDataMatches() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder student = TrainedStudent.build(teacher, Pooling.MEAN,
                    new ClassificationHead(teacher.encoder().config(), List.of("a", "b", "c"), false), m);
            Path file = tmp.resolve("student.onnx");
            // threshold 0: every weight goes to student.onnx.data (ONNX external data)
            assertParity(student, "student", 0);
            assertTrue(Files.size(tmp.resolve("student.onnx.data")) > 4L * student.parameterCount() / 2,
                    "weights were not written as external data");
            assertTrue(Files.size(file) < 200_000, "the graph file should hold no weights");
        }
    }
}
