package dev.distill.losses.mapping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link LayerMapping} applied to a student with M layers and a teacher with N layers: the
 * values g(0) = 0, g(1), …, g(M), g(M + 1) = N + 1. Immutable.
 */
public final class ResolvedMapping {

    /**
     * One mapped pair of hidden-state indices (0 = embedding output, l = output of layer l).
     * For attention, layer l ≥ 1 is {@code attentionScores.get(l - 1)}.
     *
     * @param student m, the student's hidden-state index
     * @param teacher g(m), the teacher's hidden-state index
     */
    public record Pair(int student, int teacher) {
        /** {@return a short name for logs, e.g. {@code s2_t6}} */
        public String label() {
            return "s" + student + "_t" + teacher;
        }
    }

    private final int studentLayers;
    private final int teacherLayers;
    private final int[] g;

    ResolvedMapping(int studentLayers, int teacherLayers, int[] g) {
        this.studentLayers = studentLayers;
        this.teacherLayers = teacherLayers;
        this.g = g;
    }

    /**
     * M, the student's Transformer layers.
     *
     * @return M
     */
    public int studentLayers() {
        return studentLayers;
    }

    /**
     * N, the teacher's Transformer layers.
     *
     * @return N
     */
    public int teacherLayers() {
        return teacherLayers;
    }

    /**
     * g(m) for m in [0, M + 1]: 0 for the embeddings, N + 1 for the prediction layer.
     *
     * @param m the student index: 0 embeddings, 1..M Transformer layers, M + 1 prediction layer
     * @return g(m)
     * @throws IllegalArgumentException when m is outside [0, M + 1]
     */
    public int teacherLayerOf(int m) {
        if (m < 0 || m > studentLayers + 1) {
            throw new IllegalArgumentException("student layer " + m + " is outside [0, " + (studentLayers + 1)
                    + "] (0 = embeddings, 1.." + studentLayers + " = Transformer layers, "
                    + (studentLayers + 1) + " = prediction layer)");
        }
        return g[m];
    }

    /**
     * The pairs (m, g(m)) for the Transformer layers m = 1..M, in order.
     *
     * @return M pairs, in a new mutable list
     */
    public List<Pair> layerPairs() {
        List<Pair> pairs = new ArrayList<>(studentLayers);
        for (int m = 1; m <= studentLayers; m++) {
            pairs.add(new Pair(m, g[m]));
        }
        return pairs;
    }

    /**
     * g(0), g(1), …, g(M + 1) as a new array.
     *
     * @return an array of M + 2 values
     */
    public int[] toArray() {
        return g.clone();
    }

    @Override
    public String toString() {
        return "g = " + Arrays.toString(g) + " (M = " + studentLayers + ", N = " + teacherLayers + ")";
    }
}
