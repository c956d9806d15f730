package dev.distill.models.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.KnownModel;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.Pooling;
import dev.distill.models.io.onnx.ImportedEncoder;
import dev.distill.models.io.onnx.OnnxBertImporter;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * distill's encoder with imported weights against ONNX Runtime running the original graph: an
 * independent implementation of the same model. Both see the same token ids (padded batch).
 */
class OnnxRuntimeParityTest {

    static final List<String> SENTENCES = List.of(
            "A man is playing a guitar on the street corner.",
            "The central bank raised interest rates by a quarter of a percentage point on Wednesday.",
            "Two dogs are running through a field of tall grass.",
            "She forgot her umbrella, so she waited under the bus shelter until the rain stopped.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The committee will review the proposal next week.",
            "Hockey fans lined up outside the arena hours before the playoff game.",
            "What time does the last train to the airport leave?",
            "Ok.",
            "The motorcycle's engine overheated halfway up the mountain pass, and we had to stop.");

    @ParameterizedTest
    @EnumSource(KnownModel.class)
    void lastHiddenStateMatchesOnnxRuntime(KnownModel model) throws Exception {
        byte[] onnxBytes;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(model.onnxResource())) {
            onnxBytes = in.readAllBytes();
        }
        ImportedEncoder imported = OnnxBertImporter.load(new java.io.ByteArrayInputStream(onnxBytes), model.id());
        try (NDManager manager = NDManager.newBaseManager();
                InputStream tok = getClass().getClassLoader().getResourceAsStream(model.tokenizerResource());
                TextTokenizer tokenizer = TextTokenizer.load(tok, model.tokenizerResource(), 128)) {
            Encoder encoder = new Encoder(imported.config(), Pooling.CLS, null);
            encoder.loadState(manager, imported.tensors(), true);
            TokenBatch batch = tokenizer.batch(SENTENCES, manager);
            ModelOutputs ours = encoder.forward(batch, false);
            float[] mine = ours.lastHiddenState().toFloatArray();

            int b = batch.batchSize();
            int t = batch.sequenceLength();
            long[][] ids = reshape(batch.inputIds().toLongArray(), b, t);
            long[][] mask = reshape(batch.attentionMask().toLongArray(), b, t);
            long[][] types = reshape(batch.tokenTypeIds().toLongArray(), b, t);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            float[][][] reference;
            try (OrtSession session = env.createSession(onnxBytes, new OrtSession.SessionOptions());
                    OnnxTensor idsT = OnnxTensor.createTensor(env, ids);
                    OnnxTensor maskT = OnnxTensor.createTensor(env, mask);
                    OnnxTensor typesT = OnnxTensor.createTensor(env, types);
                    OrtSession.Result result = session.run(
                            Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT))) {
                reference = (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
            }
            int h = imported.config().hiddenSize();
            assertEquals(b * t * h, mine.length);
            double maxDiff = 0;
            double maxAbs = 0;
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    if (mask[i][j] == 0) {
                        continue; // padded positions carry no meaning in either implementation
                    }
                    for (int k = 0; k < h; k++) {
                        double d = Math.abs(mine[(i * t + j) * h + k] - reference[i][j][k]);
                        maxDiff = Math.max(maxDiff, d);
                        maxAbs = Math.max(maxAbs, Math.abs(reference[i][j][k]));
                    }
                }
            }
            System.out.printf("%s: max |distill - onnxruntime| = %.3g over %d sentences (max |value| %.3g)%n",
                    model.id(), maxDiff, b, maxAbs);
            assertTrue(maxAbs > 0.1, "reference output looks degenerate");
            assertTrue(maxDiff <= 1e-4, model.id() + ": max abs difference " + maxDiff + " exceeds 1e-4");
        }
    }

    private static long[][] reshape(long[] flat, int b, int t) {
        long[][] out = new long[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, out[i], 0, t);
        }
        return out;
    }
}
