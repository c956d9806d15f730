package dev.distill.models.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.encoder.Encoder;
import dev.distill.models.encoder.EncoderConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pruning the real bge-small-en-v1.5 teacher (read from its Maven jar) on a few sentences. */
class PrunerRealModelTest {

    private static final List<String> TEXTS = List.of(
            "A man is playing a guitar on the street.",
            "The committee postponed its decision until next week.",
            "Heavy rain caused flooding in several coastal towns.",
            "She poured the coffee and sat down by the window.",
            "The algorithm sorts the list in logarithmic time per element.",
            "Two dogs are running through a field of tall grass.",
            "Prices rose sharply after the announcement.",
            "an instrument for measuring atmospheric pressure");

    @Test
    void bgePrunedToItsOwnShapeIsTheTeacherAndToTinyBert4ShapeHasTheExpectedSize() {
        try (LoadedModel bge = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 64)) {
            Encoder teacher = bge.encoder();
            CalibrationStats stats = CalibrationStats.measure(teacher, bge.tokenizer(), TEXTS, bge.manager(), 8);
            assertEquals(TEXTS.size(), stats.texts());

            PrunePlan same = PrunePlan.select(stats, PruneTarget.sameAs(teacher.config()), ImportanceScore.CONTRIBUTION,
                    LayerSelection.BLOCK_INFLUENCE);
            Encoder copy = Pruner.apply(teacher, same, bge.manager());
            try (NDManager step = bge.manager().newSubManager()) {
                TokenBatch b = bge.tokenizer().batch(TEXTS.subList(0, 4), step);
                ModelOutputs t = teacher.forward(b, false);
                ModelOutputs s = copy.forward(b, false);
                assertArrayEquals(t.lastHiddenState().toFloatArray(), s.lastHiddenState().toFloatArray(), 0f);
            }

            Pruner.Result tb4 = Pruner.prune(teacher, bge.tokenizer(), TEXTS, PruneTarget.of(4, 312, 12, 1200),
                    Pruner.Options.defaults(), bge.manager());
            EncoderConfig expected = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(312).setNumLayers(4)
                    .setNumHeads(12).setIntermediateSize(1200).optMaxPositions(512).build();
            assertEquals(expected.dims(), tb4.student().dims());
            // embeddings (30522 + 512 + 2)·312 + 2·312 = 9,683,856; per layer attention 4·(312·312 + 312) + 2·312
            // = 391,248 and FFN 2·312·1200 + 1200 + 312 + 2·312 = 750,936
            assertEquals(9_683_856L + 4 * (391_248L + 750_936L), tb4.student().parameterCount());
            try (NDManager step = bge.manager().newSubManager()) {
                float[] pooled = tb4.student().forward(bge.tokenizer().batch(TEXTS, step), false).pooled().toFloatArray();
                for (float v : pooled) {
                    assertTrue(Float.isFinite(v));
                }
            }
            System.out.print(tb4.summary(teacher));
        }
    }
}
