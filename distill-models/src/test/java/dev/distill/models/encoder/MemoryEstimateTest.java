package dev.distill.models.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.data.TokenBatch;
import org.junit.jupiter.api.Test;

/** The memory lower bounds against hand computations, and the refusals they drive. */
class MemoryEstimateTest {

    /** bge-small-en-v1.5: 12 layers × 384, 12 heads, FFN 1536, 30,522 tokens, 512 positions, 2 types. */
    static final EncoderConfig BGE = EncoderConfig.builder().setVocabSize(30522).setHiddenSize(384).setNumLayers(12)
            .setNumHeads(12).setIntermediateSize(1536).optMaxPositions(512).build();

    @Test
    void parameterCountMatchesAHandCount() {
        // embeddings (30522 + 512 + 2)·384 + 2·384                      = 11,918,592
        // per layer 3·(384·384 + 384) + (384·384 + 384) + 2·384         =    592,128  attention
        //         + (384·1536 + 1536) + (1536·384 + 384) + 2·384        =  1,182,336  feed-forward
        // 11,918,592 + 12 · 1,774,464                                   = 33,212,160  (the README's figure)
        assertEquals(33_212_160L, MemoryEstimate.parameterCount(BGE));
        assertEquals(4 * 33_212_160L, MemoryEstimate.parameterBytes(BGE));
        assertEquals(Encoder.of(BGE).parameterCount(), MemoryEstimate.parameterCount(BGE)); // the built model's arrays
    }

    @Test
    void forwardAndTrainingBoundsMatchAHandCount() {
        // B = 32, T = 128: hidden states 13·32·128·384 = 20,447,232 elements
        // per layer: scores + probabilities 2·32·12·128² = 12,582,912; q, k, v 3·32·128·384 = 4,718,592;
        //            FFN activation 32·128·1536 = 6,291,456; together 23,592,960, ×12 = 283,115,520
        // (20,447,232 + 283,115,520) · 4 bytes = 1,214,251,008
        assertEquals(1_214_251_008L, MemoryEstimate.forwardBytes(BGE, 32, 128, 4));
        assertEquals(607_125_504L, MemoryEstimate.forwardBytes(BGE, 32, 128, 2));
        // training: 16 bytes per parameter (weights, gradients, two AdamW moments) + the forward
        assertEquals(16 * 33_212_160L + 1_214_251_008L, MemoryEstimate.trainingBytes(BGE, 32, 128));
        // bench --seq 100000 at batch 32: the attention term alone is 12·2·12·32·10^10·4 bytes = 368.64 TB
        assertTrue(MemoryEstimate.forwardBytes(BGE.toBuilder().optMaxPositions(100_000).build(), 32, 100_000, 4)
                > 368_640_000_000_000L);
    }

    @Test
    void hugeConfigsSaturateInsteadOfOverflowing() {
        EncoderConfig huge = BGE.toBuilder().setNumLayers(Integer.MAX_VALUE).setHiddenSize(1 << 30).setNumHeads(1)
                .setIntermediateSize(Integer.MAX_VALUE).build();
        assertEquals(Long.MAX_VALUE, MemoryEstimate.parameterBytes(huge));
        assertEquals(Long.MAX_VALUE, MemoryEstimate.forwardBytes(huge, Integer.MAX_VALUE, Integer.MAX_VALUE, 4));
    }

    @Test
    void refusalsCarryTheEstimate() {
        MemoryEstimate.requireFits(1, Device.cpu(), "one byte", "nothing"); // fits anywhere
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryEstimate.requireFits(1L << 60, Device.cpu(), "a test", "ask for less"));
        assertTrue(e.getMessage().startsWith("a test needs at least 1.00 EiB of memory, more than the "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; ask for less"), e.getMessage());
        assertEquals("1.13 GiB", MemoryEstimate.format(1_214_251_008L));
        assertEquals("1.50 KiB", MemoryEstimate.format(1536));
        assertEquals("512 bytes", MemoryEstimate.format(512));
        assertEquals("336 TiB", MemoryEstimate.format(369_367_187_456_000L));
    }

    @Test
    void aMillionLayersIsRefusedBeforeAnythingIsAllocated() {
        EncoderConfig deep = BGE.toBuilder().setNumLayers(1_000_000).build();
        // 11,918,592 + 10^6 · 1,774,464 = 1,774,475,918,592 parameters, 7.1 TB as float32
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryEstimate.requireParametersFit(deep, Device.cpu(), "dir/config.json"));
        assertTrue(e.getMessage().startsWith("dir/config.json: num_hidden_layers 1000000, hidden_size 384,"),
                e.getMessage());
        assertTrue(e.getMessage().contains("describe 1,774,475,918,592 parameters, at least 6.46 TiB as float32"
                + " (embeddings 45.5 MiB, 1000000 layers of 6.77 MiB)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aForwardPassThatCannotFitIsRefusedBeforeItRuns() {
        // 256 heads over 65,536 positions: scores and probabilities 2·256·65536² floats = 8 TiB per layer
        EncoderConfig wide = EncoderConfig.builder().setVocabSize(100).setHiddenSize(256).setNumLayers(1)
                .setNumHeads(256).setIntermediateSize(16).optMaxPositions(65_536).build();
        try (NDManager m = NDManager.newBaseManager()) {
            Encoder encoder = Students.fromConfig(wide, Pooling.CLS, null, m, 1);
            Shape shape = new Shape(1, 65_536);
            TokenBatch batch = new TokenBatch(m.zeros(shape, ai.djl.ndarray.types.DataType.INT64),
                    m.ones(shape, ai.djl.ndarray.types.DataType.INT64), null, null, 65_536);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> encoder.forward(batch, false));
            assertTrue(e.getMessage().startsWith("a forward pass over a batch of 1 × 65536 tokens (1 layers, 256 heads"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("needs at least 8.00 TiB of memory"), e.getMessage());
        }
    }
}
