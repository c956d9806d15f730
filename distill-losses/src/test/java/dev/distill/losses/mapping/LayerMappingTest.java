package dev.distill.losses.mapping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** g(m) against values worked out by hand from the definitions. */
class LayerMappingTest {

    @Test
    void uniformIsTinyBertsEveryThirdLayerWhenMDividesN() {
        // TinyBERT-4 on BERT-base: g(m) = 3m, g(0) = 0, g(M + 1) = N + 1
        assertArrayEquals(new int[] {0, 3, 6, 9, 12, 13}, LayerMapping.uniform().resolve(4, 12).toArray());
        assertArrayEquals(new int[] {0, 2, 4, 6, 8, 10, 12, 13}, LayerMapping.uniform().resolve(6, 12).toArray());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, LayerMapping.uniform().resolve(3, 3).toArray());
    }

    @Test
    void uniformRoundsToNearestWithHalvesUp() {
        // M = 5, N = 12: m·N/M = 2.4, 4.8, 7.2, 9.6, 12
        assertArrayEquals(new int[] {0, 2, 5, 7, 10, 12, 13}, LayerMapping.uniform().resolve(5, 12).toArray());
        // M = 4, N = 6: 1.5, 3, 4.5, 6 -> halves up
        assertArrayEquals(new int[] {0, 2, 3, 5, 6, 7}, LayerMapping.uniform().resolve(4, 6).toArray());
        // M = 3, N = 8: 2.67, 5.33, 8
        assertArrayEquals(new int[] {0, 3, 5, 8, 9}, LayerMapping.uniform().resolve(3, 8).toArray());
    }

    @Test
    void sourceAlignedMeetsEachSourcesOutputAndTheTeachersLast() {
        // DistilBERT copy of layers 0, 2, ..., 10 of 12: outputs 1, 3, 5, 7, 9, then 12 (not 11)
        assertArrayEquals(new int[] {0, 1, 3, 5, 7, 9, 12, 13},
                LayerMapping.sourceAligned(new int[] {0, 2, 4, 6, 8, 10}, 12).resolve(6, 12).toArray());
        // pruned, last layer kept: exactly the outputs of the kept layers
        assertArrayEquals(new int[] {0, 9, 10, 11, 12, 13},
                LayerMapping.sourceAligned(new int[] {8, 9, 10, 11}, 12).resolve(4, 12).toArray());
        // a one-layer student meets the teacher's last output whatever its source
        assertArrayEquals(new int[] {0, 6, 7}, LayerMapping.sourceAligned(new int[] {0}, 6).resolve(1, 6).toArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerMapping.sourceAligned(new int[] {0, 12}, 12));
        assertTrue(e.getMessage().contains("source layer 12 (student layer 2)") && e.getMessage().contains("[0, 12)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerMapping.sourceAligned(new int[0], 12));
    }

    @Test
    void firstLastExplicitAndFunction() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 13}, LayerMapping.first().resolve(3, 12).toArray());
        assertArrayEquals(new int[] {0, 10, 11, 12, 13}, LayerMapping.last().resolve(3, 12).toArray());
        assertArrayEquals(new int[] {0, 2, 7, 12, 13}, LayerMapping.explicit(2, 7, 12).resolve(3, 12).toArray());
        assertArrayEquals(new int[] {0, 4, 8, 12, 13}, LayerMapping.function(m -> 4 * m).resolve(3, 12).toArray());
        // MiniLM v2 style: only the last student layer matters, mapped to teacher layer 18 of 24
        ResolvedMapping r = LayerMapping.function(m -> 18).resolve(6, 24);
        assertEquals(18, r.teacherLayerOf(6));
        assertEquals(0, r.teacherLayerOf(0));
        assertEquals(25, r.teacherLayerOf(7));
    }

    @Test
    void layerPairsSkipEmbeddingsAndPrediction() {
        List<ResolvedMapping.Pair> pairs = LayerMapping.uniform().resolve(2, 4).layerPairs();
        assertEquals(List.of(new ResolvedMapping.Pair(1, 2), new ResolvedMapping.Pair(2, 4)), pairs);
        assertEquals("s2_t4", pairs.get(1).label());
    }

    @Test
    void errorsNameTheIndicesAndTheRange() {
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> LayerMapping.explicit(0, 5, 13).resolve(3, 12));
        assertTrue(range.getMessage().contains("g(1) = 0") && range.getMessage().contains("g(3) = 13")
                && range.getMessage().contains("[1, 12]") && !range.getMessage().contains("g(2)"), range.getMessage());
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> LayerMapping.explicit(3, 6).resolve(3, 12));
        assertTrue(length.getMessage().contains("lists 2") && length.getMessage().contains("M = 3"), length.getMessage());
        IllegalArgumentException deeper = assertThrows(IllegalArgumentException.class,
                () -> LayerMapping.uniform().resolve(6, 4));
        assertTrue(deeper.getMessage().contains("M = 6") && deeper.getMessage().contains("N = 4"), deeper.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerMapping.last().resolve(5, 4));
        IllegalArgumentException fn = assertThrows(IllegalArgumentException.class,
                () -> LayerMapping.function(m -> m - 1).resolve(2, 4));
        assertTrue(fn.getMessage().contains("g(1) = 0"), fn.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerMapping.uniform().resolve(0, 4));
        IllegalArgumentException at = assertThrows(IllegalArgumentException.class,
                () -> LayerMapping.uniform().resolve(2, 4).teacherLayerOf(4));
        assertTrue(at.getMessage().contains("[0, 3]"), at.getMessage());
    }
}
