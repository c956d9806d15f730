package dev.distill.losses.mapping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * The layer mapping n = g(m) of TinyBERT (Jiao et al. 2020, "TinyBERT: Distilling BERT for
 * Natural Language Understanding", §3.1): which teacher layer n teaches student layer m.
 *
 * <p>With M student layers and N teacher layers, layers are numbered as in the paper:
 * <ul>
 *   <li>{@code g(0) = 0}: the embedding output ({@code hiddenStates.get(0)}) maps to the teacher's
 *       embedding output;</li>
 *   <li>{@code g(m)} for 1 ≤ m ≤ M is chosen by the strategy and must lie in [1, N]: hidden state
 *       {@code hiddenStates.get(m)} maps to the teacher's {@code hiddenStates.get(g(m))}, and
 *       attention layer m ({@code attentionScores.get(m - 1)}) to the teacher's
 *       {@code attentionScores.get(g(m) - 1)};</li>
 *   <li>{@code g(M + 1) = N + 1}: the prediction layer (logits) maps to the teacher's.</li>
 * </ul>
 *
 * <p>Strategies (the paper compares the first three and keeps uniform):
 * <ul>
 *   <li>{@link #uniform()}: g(m) = m·N/M rounded to the nearest integer, halves rounded up,
 *       i.e. {@code floor((2·m·N + M) / (2·M))}. Exact when M divides N (TinyBERT-4 on BERT-base:
 *       g(m) = 3m); otherwise it spreads the student over the whole teacher and always ends on
 *       g(M) = N. Needs M ≤ N.</li>
 *   <li>{@link #first()}: g(m) = m, the bottom M teacher layers. Needs M ≤ N.</li>
 *   <li>{@link #last()}: g(m) = N − M + m, the top M teacher layers. Needs M ≤ N.</li>
 *   <li>{@link #explicit(int...)}: the list g(1), …, g(M), 1-based teacher layers.</li>
 *   <li>{@link #function(IntUnaryOperator)}: any function of m, checked for every m in 1..M.</li>
 * </ul>
 *
 * <p>A mapping is a strategy; {@link #resolve(int, int)} applies it to concrete depths and
 * validates the result, naming every offending index and the valid range.
 */
public final class LayerMapping {

    /** How g(m) is chosen for the Transformer layers 1..M. */
    public enum Strategy {
        /** g(m) = round(m·N/M), halves rounded up ({@link #uniform()}). */
        UNIFORM,
        /** g(m) = m ({@link #first()}). */
        FIRST,
        /** g(m) = N − M + m ({@link #last()}). */
        LAST,
        /** A list of g(1), …, g(M) ({@link #explicit(int...)}). */
        EXPLICIT,
        /** A user function of m ({@link #function(IntUnaryOperator)}). */
        FUNCTION
    }

    private final Strategy strategy;
    private final int[] explicit;
    private final IntUnaryOperator function;

    private LayerMapping(Strategy strategy, int[] explicit, IntUnaryOperator function) {
        this.strategy = strategy;
        this.explicit = explicit;
        this.function = function;
    }

    /**
     * TinyBERT's uniform strategy, g(m) = round(m·N/M) with halves rounded up.
     *
     * @return the mapping (a strategy; depths are applied by {@link #resolve})
     */
    public static LayerMapping uniform() {
        return new LayerMapping(Strategy.UNIFORM, null, null);
    }

    /**
     * The bottom M teacher layers, g(m) = m.
     *
     * @return the mapping (a strategy; depths are applied by {@link #resolve})
     */
    public static LayerMapping first() {
        return new LayerMapping(Strategy.FIRST, null, null);
    }

    /**
     * The top M teacher layers, g(m) = N − M + m.
     *
     * @return the mapping (a strategy; depths are applied by {@link #resolve})
     */
    public static LayerMapping last() {
        return new LayerMapping(Strategy.LAST, null, null);
    }

    /**
     * An explicit list: {@code teacherLayers[m - 1] = g(m)}, 1-based teacher layers in [1, N].
     * The list must hold exactly M entries; checked by {@link #resolve}.
     *
     * @param teacherLayers g(1), …, g(M), 1-based teacher layers; copied
     * @return the mapping
     * @throws IllegalArgumentException if the list is empty
     * @throws NullPointerException if the array is null
     */
    public static LayerMapping explicit(int... teacherLayers) {
        Objects.requireNonNull(teacherLayers, "teacherLayers");
        if (teacherLayers.length == 0) {
            throw new IllegalArgumentException(
                    "an explicit layer mapping needs one teacher layer per student layer 1..M; got an empty list");
        }
        return new LayerMapping(Strategy.EXPLICIT, teacherLayers.clone(), null);
    }

    /**
     * The mapping for a student whose layers were copied or pruned from the teacher's: student
     * layer m meets the output of the teacher layer it was made from, g(m) = source(m) + 1
     * (1-based outputs), except the last, which meets the teacher's last output, g(M) = N (the
     * output the sentence embedding is pooled from). For {@code Students.everyOtherLayer} of a
     * 12-layer teacher (sources 0, 2, ..., 10) that is 1, 3, 5, 7, 9, 12, the mapping of
     * {@code ./distill embeddings}.
     *
     * @param sources the 0-based teacher layer each student layer was made from, in order
     *     ({@code Students.everyOtherLayerSources(N)}, or a pruned student's {@code pruning.json})
     * @param teacherLayers N, the teacher's depth
     * @return the explicit mapping g(1), ..., g(M)
     * @throws IllegalArgumentException when the list is empty, N is not positive or a source is
     *     outside [0, N)
     */
    public static LayerMapping sourceAligned(int[] sources, int teacherLayers) {
        Objects.requireNonNull(sources, "sources");
        if (sources.length == 0 || teacherLayers <= 0) {
            throw new IllegalArgumentException("a source-aligned mapping needs at least one source layer and a"
                    + " teacher depth of at least 1; got " + Arrays.toString(sources) + " and N = " + teacherLayers);
        }
        int[] g = new int[sources.length];
        for (int m = 0; m < sources.length; m++) {
            if (sources[m] < 0 || sources[m] >= teacherLayers) {
                throw new IllegalArgumentException("source layer " + sources[m] + " (student layer " + (m + 1)
                        + ") is not a teacher layer: sources are 0-based, in [0, " + teacherLayers + ")");
            }
            g[m] = m == sources.length - 1 ? teacherLayers : sources[m] + 1;
        }
        return explicit(g);
    }

    /**
     * g given as a function of the 1-based student layer m; results are checked to lie in [1, N].
     *
     * @param g the function m ↦ g(m); called by {@link #resolve} for m = 1..M
     * @return the mapping
     * @throws NullPointerException if {@code g} is null
     */
    public static LayerMapping function(IntUnaryOperator g) {
        return new LayerMapping(Strategy.FUNCTION, null, Objects.requireNonNull(g, "g"));
    }

    /** {@return the strategy of this mapping} */
    public Strategy strategy() {
        return strategy;
    }

    /**
     * Applies the strategy to a student with M layers and a teacher with N layers.
     *
     * @param studentLayers M, the student's Transformer layers, &gt; 0
     * @param teacherLayers N, the teacher's Transformer layers, &gt; 0
     * @return g(0), …, g(M + 1) for these depths
     * @throws IllegalArgumentException when M or N is not positive, when the strategy cannot map
     *     M layers onto N (uniform/first/last with M > N), when an explicit list has the wrong
     *     length, or when any g(m) falls outside [1, N]; the message names every offending m
     */
    public ResolvedMapping resolve(int studentLayers, int teacherLayers) {
        if (studentLayers <= 0 || teacherLayers <= 0) {
            throw new IllegalArgumentException("layer mapping needs at least one student and one teacher layer; got M = "
                    + studentLayers + " student layers and N = " + teacherLayers + " teacher layers");
        }
        int m = studentLayers;
        int n = teacherLayers;
        if ((strategy == Strategy.UNIFORM || strategy == Strategy.FIRST || strategy == Strategy.LAST) && m > n) {
            throw new IllegalArgumentException("the " + strategy.name().toLowerCase(java.util.Locale.ROOT)
                    + " layer mapping needs M <= N, but the student has M = " + m
                    + " layers and the teacher N = " + n
                    + "; use LayerMapping.explicit(...) or LayerMapping.function(...) to map several student layers"
                    + " onto one teacher layer");
        }
        if (strategy == Strategy.EXPLICIT && explicit.length != m) {
            throw new IllegalArgumentException("explicit layer mapping " + Arrays.toString(explicit) + " lists "
                    + explicit.length + " teacher layers but the student has M = " + m
                    + " layers; give exactly one teacher layer in [1, " + n + "] per student layer 1.." + m);
        }
        int[] g = new int[m + 2];
        g[0] = 0;
        g[m + 1] = n + 1;
        List<String> bad = new ArrayList<>();
        for (int s = 1; s <= m; s++) {
            int t;
            switch (strategy) {
                case UNIFORM:
                    t = Math.toIntExact(Math.floorDiv(2L * s * n + m, 2L * m));
                    break;
                case FIRST:
                    t = s;
                    break;
                case LAST:
                    t = n - m + s;
                    break;
                case EXPLICIT:
                    t = explicit[s - 1];
                    break;
                case FUNCTION:
                    t = function.applyAsInt(s);
                    break;
                default:
                    throw new IllegalStateException("unknown strategy " + strategy);
            }
            if (t < 1 || t > n) {
                bad.add("g(" + s + ") = " + t);
            }
            g[s] = t;
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("layer mapping (" + strategy.name().toLowerCase(java.util.Locale.ROOT)
                    + ") sends student layers outside the teacher: " + String.join(", ", bad)
                    + "; every g(m) for m in 1.." + m + " must be a teacher layer in [1, " + n
                    + "] (0 is the embedding output and " + (n + 1)
                    + " the prediction layer, which are mapped implicitly)");
        }
        return new ResolvedMapping(m, n, g);
    }

    @Override
    public String toString() {
        switch (strategy) {
            case EXPLICIT:
                return "LayerMapping.explicit" + Arrays.toString(explicit);
            default:
                return "LayerMapping." + strategy.name().toLowerCase(java.util.Locale.ROOT) + "()";
        }
    }
}
