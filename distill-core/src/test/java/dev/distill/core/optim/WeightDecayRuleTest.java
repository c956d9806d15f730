package dev.distill.core.optim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WeightDecayRuleTest {

    private final WeightDecayRule rule = WeightDecayRule.huggingFace();

    @Test
    void decaysMatrixAndEmbeddingWeights() {
        for (String name : new String[] {
                "bert.embeddings.word_embeddings.weight",
                "encoder.layer.3.attention.self.query.weight",
                "encoder.layer.3.intermediate.dense.weight",
                "cls.predictions.transform.dense.weight",
                "projections.hidden.2.weight",
                "h.0.attn.c_attn.weight"}) {
            assertTrue(rule.decays(name), name);
        }
    }

    @Test
    void spareBiasesAndNorms() {
        for (String name : new String[] {
                "encoder.layer.3.attention.self.query.bias",
                "encoder.layer.0.attention.output.LayerNorm.weight",
                "embeddings.LayerNorm.bias",
                "encoder.block.0.layer.0.layer_norm.weight",
                "h.0.ln_1.weight",
                "transformer.ln_f.weight",
                "dense_bias",
                "01LayerNorm_gamma",
                "norm_beta"}) {
            assertFalse(rule.decays(name), name);
        }
    }
}
