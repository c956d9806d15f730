package dev.distill.models.inference;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.io.onnx.TrainedStudent;
import dev.distill.models.tokenizer.TextTokenizer;
import java.nio.file.Path;

/**
 * Embeds {@link TrainedStudent#SENTENCES} with an exported {@code model.onnx} on DJL's OnnxRuntime
 * engine and prints one vector per line. Its own JVM: DJL's engine creates ONNX Runtime's global
 * environment with thread options and fails when another library (langchain4j, a test) created it
 * first in the same JVM.
 */
public final class DjlOnnxRuntimeMain {

    private DjlOnnxRuntimeMain() {}

    /** {@code args[0]}: the export directory (model.onnx, tokenizer.json); {@code args[1]}: cls or mean. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        // docs/deploy.md, DJL (the exported model.onnx on DJL's OnnxRuntime engine)
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, 512)) {
            Criteria<String, float[]> criteria = Criteria.builder().setTypes(String.class, float[].class)
                    .optModelPath(dir.resolve("model.onnx")).optEngine("OnnxRuntime")
                    .optTranslator(new SentenceEmbeddingTranslator(tokenizer, Pooling.parse(args[1]))).build();
            try (ZooModel<String, float[]> model = criteria.loadModel();
                    Predictor<String, float[]> predictor = model.newPredictor()) {
                for (float[] v : predictor.batchPredict(TrainedStudent.SENTENCES)) {
                    StringBuilder sb = new StringBuilder();
                    for (float x : v) {
                        sb.append(sb.length() == 0 ? "" : " ").append(x);
                    }
                    System.out.println(sb);
                }
            }
        }
    }
}
