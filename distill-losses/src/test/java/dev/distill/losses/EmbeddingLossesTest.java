package dev.distill.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.losses.mapping.LayerMapping;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The main job's loss set as a preset: the terms, weights and order {@code ./distill embeddings}
 * used before the preset existed, and the same values as that composition written out by hand.
 */
class EmbeddingLossesTest {

    @Test
    void mainJobHasTheCommandsTermsWeightsAndOrder() {
        WeightedSumLoss loss = EmbeddingLosses.mainJob(LayerMapping.uniform());
        List<String> names = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        loss.components().forEach(c -> {
            names.add(c.name());
            weights.add(c.weight());
        });
        // ./distill embeddings defaults: --w-cosine 1.0 --w-similarity 0 --w-hidden 0.1 --w-embedding 0.1 --w-attention 0.0002
        assertEquals(List.of("pooled_cosine", "hidden_mse", "embedding_mse", "attention_mse"), names);
        assertEquals(List.of(1.0, 0.1, 0.1, 0.0002), weights);
        WeightedSumLoss withSimilarity = EmbeddingLosses.builder().optWeights(1, 0.5, 0, 0, 0).build();
        assertEquals(List.of("pooled_cosine", "similarity"),
                withSimilarity.components().stream().map(WeightedSumLoss.Component::name).toList());
    }

    @Test
    void equalsTheHandWrittenCompositionOnRandomOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            StepContext ctx = context(m, 4, 2, 8);
            LayerMapping mapping = LayerMapping.sourceAligned(new int[] {0, 2}, 4); // g = 1, 4
            WeightedSumLoss preset = EmbeddingLosses.mainJob(mapping);
            WeightedSumLoss byHand = WeightedSumLoss.builder()
                    .add("pooled_cosine", 1.0, HiddenStateLoss.builder().optName("pooled_cosine")
                            .optDistance(HiddenStateLoss.Distance.COSINE).optSource(HiddenStateLoss.Source.POOLED).build())
                    .add("hidden_mse", 0.1, HiddenStateLoss.builder().optName("hidden_mse").optMapping(mapping).build())
                    .add("embedding_mse", 0.1, HiddenStateLoss.builder().optName("embedding_mse")
                            .optSource(HiddenStateLoss.Source.EMBEDDINGS).build())
                    .add("attention_mse", 0.0002, AttentionLoss.builder().optMapping(mapping).build())
                    .build();
            ModelDims dims = new ModelDims(2, 8, 2, 4, 1);
            ModelDims teacherDims = new ModelDims(4, 8, 2, 4, 1);
            preset.initialize(m, teacherDims, dims);
            byHand.initialize(m, teacherDims, dims);
            LossOutput a = preset.compute(ctx);
            LossOutput b = byHand.compute(ctx);
            assertEquals(b.terms().keySet(), a.terms().keySet());
            assertEquals(b.total().getFloat(), a.total().getFloat(), 0f);
            for (String term : b.terms().keySet()) {
                assertEquals(b.terms().get(term).getFloat(), a.terms().get(term).getFloat(), 0f, term);
            }
            assertTrue(a.total().getFloat() > 0);
        }
    }

    @Test
    void refusesWeightsThatAreAllZeroNegativeOrNotFinite() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingLosses.builder().optWeights(0, 0, 0, 0, 0).build());
        assertTrue(e.getMessage().contains("every loss weight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingLosses.builder().optWeights(1, 0, -0.1, 0, 0).build());
        assertTrue(e.getMessage().contains("weight of 'hidden_mse' (-0.1) must be finite and >= 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingLosses.builder().optWeights(Double.NaN, 0, 0, 0, 0).build());
    }

    /** Random teacher (N layers) and student (M layers) outputs of width h, 2 heads, 2 × 5 tokens, the last padded. */
    private static StepContext context(NDManager m, int teacherLayers, int studentLayers, int h) {
        NDArray mask = m.create(new long[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
        TokenBatch batch = new TokenBatch(mask.zerosLike(), mask, null, null, 8);
        return new StepContext(outputs(m, teacherLayers, h, mask), outputs(m, studentLayers, h, mask), batch, 0, m);
    }

    private static ModelOutputs outputs(NDManager m, int layers, int h, NDArray mask) {
        List<NDArray> hidden = new ArrayList<>();
        List<NDArray> scores = new ArrayList<>();
        for (int l = 0; l <= layers; l++) {
            hidden.add(m.randomNormal(new Shape(2, 5, h)));
            if (l > 0) {
                scores.add(m.randomNormal(0, 3, new Shape(2, 2, 5, 5), DataType.FLOAT32));
            }
        }
        return new ModelOutputs(hidden, scores, List.of(), List.of(), List.of(), List.of(),
                m.randomNormal(new Shape(2, h)), null, mask);
    }
}
