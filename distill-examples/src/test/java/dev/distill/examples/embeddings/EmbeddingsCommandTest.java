package dev.distill.examples.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.distill.losses.mapping.LayerMapping;
import dev.distill.losses.mapping.ResolvedMapping;
import dev.distill.models.encoder.Students;
import org.junit.jupiter.api.Test;

/** The source-aligned layer mapping of {@code --layer-map auto} (LayerMapping.sourceAligned), against hand-written mappings. */
class EmbeddingsCommandTest {

    @Test
    void eachStudentLayerMeetsTheOutputOfItsSourceAndTheLastMeetsTheTeachersLast() {
        // DistilBERT-style copy of layers 0, 2, ..., 10 of 12: outputs 1, 3, 5, 7, 9, then 12 (not 11)
        assertArrayEquals(new int[] {1, 3, 5, 7, 9, 12},
                g(Students.everyOtherLayerSources(12), 12));
        // pruned, keeping the last layer: exactly the outputs of the kept layers
        assertArrayEquals(new int[] {9, 10, 11, 12}, g(new int[] {8, 9, 10, 11}, 12));
        // pruned by Block Influence alone (last layer dropped): the last still meets the teacher's output
        assertArrayEquals(new int[] {4, 9, 10, 12}, g(new int[] {3, 8, 9, 10}, 12));
        assertArrayEquals(new int[] {0, 2, 4}, Students.everyOtherLayerSources(6));
        assertArrayEquals(new int[] {0, 2, 4}, Students.everyOtherLayerSources(5));
    }

    private static int[] g(int[] sources, int teacherLayers) {
        ResolvedMapping r = LayerMapping.sourceAligned(sources, teacherLayers).resolve(sources.length, teacherLayers);
        int[] g = new int[sources.length];
        for (int m = 1; m <= sources.length; m++) {
            g[m - 1] = r.teacherLayerOf(m);
        }
        return g;
    }
}
