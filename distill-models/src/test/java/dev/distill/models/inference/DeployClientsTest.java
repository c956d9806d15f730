package dev.distill.models.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.io.HfDirectory;
import dev.distill.models.io.onnx.OnnxExporter;
import dev.distill.models.io.onnx.TrainedStudent;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients load an exported, trained student (mean pooling) and return distill's embeddings:
 * langchain4j's {@code OnnxEmbeddingModel} and DJL's OnnxRuntime engine on {@code model.onnx} +
 * {@code tokenizer.json}, and DJL's {@code Predictor<String, float[]>} over distill's own encoder.
 * The reference is {@link LoadedModel#embed} on the exported Hugging Face directory. The client
 * code here is what docs/deploy.md shows.
 */
class DeployClientsTest {

    @TempDir
    static Path tmp;

    static Path dir;

    @BeforeAll
    static void export() throws Exception {
        dir = tmp.resolve("student");
        try (LoadedModel teacher = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 128);
                NDManager m = NDManager.newBaseManager()) {
            Encoder student = TrainedStudent.build(teacher, Pooling.MEAN, null, m);
            HfDirectory.save(student, teacher.tokenizer(), dir);
            OnnxExporter.export(student, dir.resolve("model.onnx"), OnnxExporter.Precision.FLOAT32, Map.of());
        }
    }

    static List<float[]> reference() {
        try (LoadedModel model = ModelLoader.load(dir.toString(), Device.cpu(), 512)) {
            return model.embed(TrainedStudent.SENTENCES);
        }
    }

    static void assertClose(List<float[]> expected, List<float[]> actual, double tol, String who) {
        assertEquals(expected.size(), actual.size());
        double max = 0;
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).length, actual.get(i).length);
            double norm = 0;
            for (int k = 0; k < expected.get(i).length; k++) {
                max = Math.max(max, Math.abs(expected.get(i)[k] - actual.get(i)[k]));
                norm += expected.get(i)[k] * expected.get(i)[k];
            }
            assertEquals(1.0, norm, 1e-4, "LoadedModel.embed must return unit vectors");
        }
        System.out.printf("%s vs LoadedModel.embed: max abs difference %.3g%n", who, max);
        assertTrue(max <= tol, who + ": max abs difference " + max + " exceeds " + tol);
    }

    @Test
    void langchain4jOnnxEmbeddingModelMatchesDistill() {
        // docs/deploy.md, langchain4j
        OnnxEmbeddingModel model = new OnnxEmbeddingModel(dir.resolve("model.onnx"), dir.resolve("tokenizer.json"),
                PoolingMode.MEAN);
        List<Embedding> embeddings = model.embedAll(TrainedStudent.SENTENCES.stream().map(TextSegment::from).toList())
                .content();
        assertClose(reference(), embeddings.stream().map(Embedding::vector).toList(), 1e-4, "langchain4j");
    }

    @Test
    void springAiTransformersEmbeddingModelMatchesDistill() throws Exception {
        // docs/deploy.md, Spring AI (mean pooling only; it does not normalise)
        org.springframework.ai.transformers.TransformersEmbeddingModel model =
                new org.springframework.ai.transformers.TransformersEmbeddingModel();
        model.setModelResource(dir.resolve("model.onnx").toUri().toString());
        model.setTokenizerResource(dir.resolve("tokenizer.json").toUri().toString());
        model.setDisableCaching(true);
        model.afterPropertiesSet();
        List<float[]> v = model.embed(TrainedStudent.SENTENCES);
        for (float[] x : v) {
            double n = 0;
            for (float f : x) {
                n += f * f;
            }
            for (int k = 0; k < x.length; k++) {
                x[k] /= (float) Math.sqrt(n);
            }
        }
        assertClose(reference(), v, 1e-4, "Spring AI (L2-normalised)");
    }

    @Test
    void djlPredictorOverDistillsEncoderMatches() throws Exception {
        // docs/deploy.md, DJL (distill's encoder on the PyTorch engine)
        try (LoadedModel loaded = ModelLoader.load(dir.toString(), Device.cpu(), 512);
                ZooModel<String, float[]> model = SentenceEmbeddingTranslator.zooModel(loaded);
                Predictor<String, float[]> predictor = model.newPredictor()) {
            List<float[]> v = predictor.batchPredict(TrainedStudent.SENTENCES);
            assertClose(reference(), v, 1e-5, "DJL Predictor (PyTorch)");
        }
    }

    @Test
    void djlOnnxRuntimeEngineMatches() throws Exception {
        // its own JVM: DJL's OnnxRuntime engine cannot start once ONNX Runtime's environment exists
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), DjlOnnxRuntimeMain.class.getName(), dir.toString(), "mean")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "DJL OnnxRuntime run timed out");
        assertEquals(0, p.exitValue(), "DJL OnnxRuntime run failed: " + out);
        List<float[]> v = out.lines().filter(l -> !l.isBlank()).map(l -> {
            String[] parts = l.trim().split(" ");
            float[] f = new float[parts.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = Float.parseFloat(parts[i]);
            }
            return f;
        }).toList();
        assertClose(reference(), v, 1e-4, "DJL OnnxRuntime engine");
        assertTrue(Files.isRegularFile(dir.resolve("modules.json")));
    }
}
