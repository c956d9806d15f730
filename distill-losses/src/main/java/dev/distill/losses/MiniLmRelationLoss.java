package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.losses.mapping.ResolvedMapping;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * MiniLM's self-attention relation distillation.
 *
 * <p><b>MiniLM v1</b> (Wang et al. 2020, "MiniLM: Deep Self-Attention Distillation for
 * Task-Agnostic Compression of Pre-Trained Transformers", eq. 4-6), on the last student layer and
 * the last (or a chosen) teacher layer:
 * <pre>
 *   L_AT = (1/(A·|x|)) Σ_a Σ_t KL(A^T_{a,t} ‖ A^S_{a,t}),   A = softmax(Q·Kᵀ/√d)       (attention distributions)
 *   L_VR = (1/(A·|x|)) Σ_a Σ_t KL(VR^T_{a,t} ‖ VR^S_{a,t}), VR = softmax(V·Vᵀ/√d)     (value relation)
 * </pre>
 * Needs equal head counts; head sizes and hidden widths may differ.
 *
 * <p><b>MiniLM v2</b> (Wang et al. 2021, "MiniLMv2: Multi-Head Self-Attention Relation
 * Distillation for Compressing Pretrained Transformers", eq. 1-4): the per-head vectors of Q, K
 * and V are concatenated to (B, T, A·d) and split again into R <i>relation heads</i> of size
 * d_r = A·d/R, chosen independently of either model's head count:
 * <pre>
 *   R^X_r = softmax(X_r·X_rᵀ / √d_r),  X ∈ {Q, K, V},  r = 1..R                   (B, R, T, T)
 *   L = Σ_{X∈{Q,K,V}} (1/(R·|x|)) Σ_r Σ_t KL(R^{X,T}_{r,t} ‖ R^{X,S}_{r,t})
 * </pre>
 * This works across different widths and head counts as long as R divides A·d on both sides.
 *
 * <p>Rows t run over the real query tokens, and the softmax over the real keys only (padding is
 * taken from the batch's attention mask). The loss is the sum over relations and mapped layer
 * pairs; each is reported as a term ({@code attention}, {@code qq}, {@code kk}, {@code vv},
 * suffixed by {@code _s<m>_t<n>} when several layers are compared). Teacher arrays are detached.
 * Inputs: {@code attentionScores} (B, A, T, T) for {@link Relation#ATTENTION};
 * {@code queries}/{@code keys}/{@code values} (B, A, T, d) for the others.
 */
public final class MiniLmRelationLoss implements DistillationLoss {

    /** A self-attention relation. */
    public enum Relation {
        /** softmax(Q·Kᵀ/√d) per model head, taken from the attention scores (v1). */
        ATTENTION("attention"),
        /** softmax(Q·Qᵀ/√d_r) (v2). */
        QUERY_QUERY("qq"),
        /** softmax(K·Kᵀ/√d_r) (v2). */
        KEY_KEY("kk"),
        /** softmax(V·Vᵀ/√d_r) (v1 value relation, v2). */
        VALUE_VALUE("vv");

        private final String label;

        Relation(String label) {
            this.label = label;
        }

        /**
         * {@return the short name used in reported terms: {@code attention}, {@code qq}, {@code kk} or {@code vv}}
         */
        public String label() {
            return label;
        }
    }

    private final String name;
    private final List<Relation> relations;
    private final int relationHeads;
    private final MappedLayers layers;
    private final LayerMapping mapping;

    private MiniLmRelationLoss(Builder b) {
        name = b.name;
        relations = List.copyOf(b.relations);
        relationHeads = b.relationHeads;
        layers = b.layers;
        mapping = b.mapping;
    }

    /**
     * MiniLM v1: attention-distribution KL + value-relation KL over the models' own heads, last layers.
     *
     * @return a new loss; head counts are checked in {@link #initialize}
     */
    public static MiniLmRelationLoss v1() {
        return builder().setRelations(Relation.ATTENTION, Relation.VALUE_VALUE).build();
    }

    /**
     * MiniLM v2: Q-Q, K-K and V-V relation KL with {@code relationHeads} relation heads, last layers.
     *
     * @param relationHeads R &gt; 0; must divide the concatenated Q/K/V width A·d of both models
     *        (checked in {@link #initialize})
     * @return a new loss
     * @throws IllegalArgumentException if {@code relationHeads} is negative
     */
    public static MiniLmRelationLoss v2(int relationHeads) {
        return builder()
                .setRelations(Relation.QUERY_QUERY, Relation.KEY_KEY, Relation.VALUE_VALUE)
                .optRelationHeads(relationHeads)
                .build();
    }

    /**
     * {@return a builder with the defaults: v1 relations (ATTENTION, VALUE_VALUE), last layer, uniform mapping, name {@code minilm}}
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the name under which this loss reports its value} */
    public String name() {
        return name;
    }

    @Override
    public void initialize(NDManager manager, ModelDims teacher, ModelDims student) {
        mapping.resolve(student.numLayers(), teacher.numLayers());
        if (relationHeads == 0) {
            requireSameHeads(teacher.numHeads(), student.numHeads());
        } else {
            requireDivisible((long) teacher.numHeads() * teacher.headSize(), "teacher");
            requireDivisible((long) student.numHeads() * student.headSize(), "student");
        }
    }

    private void requireSameHeads(long teacherHeads, long studentHeads) {
        if (teacherHeads != studentHeads) {
            throw new IllegalArgumentException(name + " uses the models' own attention heads (MiniLM v1), but the student has "
                    + studentHeads + " heads and the teacher " + teacherHeads
                    + "; set relation heads (MiniLmRelationLoss.v2(relationHeads) or optRelationHeads) to compare"
                    + " Q-Q/K-K/V-V relations across head counts");
        }
    }

    private void requireDivisible(long width, String side) {
        if (width % relationHeads != 0) {
            throw new IllegalArgumentException(name + ": relation heads (" + relationHeads + ") must divide the "
                    + side + "'s concatenated head width A·d = " + width + "; choose R among the divisors of both widths");
        }
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        ModelOutputs s = ctx.student();
        ModelOutputs t = ctx.teacher();
        List<ResolvedMapping.Pair> pairs = mapping.resolve(s.numLayers(), t.numLayers()).layerPairs();
        if (layers == MappedLayers.LAST_LAYER) {
            pairs = pairs.subList(pairs.size() - 1, pairs.size());
        }
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray total = null;
        for (ResolvedMapping.Pair pair : pairs) {
            for (Relation rel : relations) {
                NDArray[] logits = relationLogits(rel, s, t, pair);
                NDArray ls = logits[0];
                NDArray lt = logits[1];
                Shape shape = ls.getShape(); // (B, R, T, T)
                NDArray real = Ops.realTokens(ctx.batch().attentionMask(), shape.get(0), shape.get(2));
                NDArray keys = real.expandDims(1).expandDims(1); // (B, 1, 1, T)
                NDArray rows = Ops.softTargetRows(lt, ls, 3, keys, 1.0, SoftTargetForm.KL_DIVERGENCE); // (B, R, T)
                NDArray queries = real.expandDims(1).broadcast(rows.getShape());
                NDArray value = Ops.weightedMean(rows, queries);
                String term = pairs.size() == 1 ? rel.label() : rel.label() + "_" + pair.label();
                terms.put(term, value);
                total = total == null ? value : total.add(value);
            }
        }
        return new LossOutput(total, terms);
    }

    /** Student and teacher relation logits (B, R, T, T) for one relation and layer pair. */
    private NDArray[] relationLogits(Relation rel, ModelOutputs s, ModelOutputs t, ResolvedMapping.Pair pair) {
        if (rel == Relation.ATTENTION) {
            NDArray as = Ops.layer(s.attentionScores(), pair.student() - 1, "student", "attention layer");
            NDArray at = Ops.layer(t.attentionScores(), pair.teacher() - 1, "teacher", "attention layer").stopGradient();
            Ops.requireRank(as, 4, name + " student attention scores", "(B, A, T, T)");
            Ops.requireRank(at, 4, name + " teacher attention scores", "(B, A, T, T)");
            requireSameHeads(at.getShape().get(1), as.getShape().get(1));
            Ops.requireSameShape(at, as, name + " attention scores " + pair.label());
            return new NDArray[] {as, at};
        }
        NDArray xs = vectors(rel, s, pair.student(), "student");
        NDArray xt = vectors(rel, t, pair.teacher(), "teacher").stopGradient();
        if (relationHeads == 0) {
            requireSameHeads(xt.getShape().get(1), xs.getShape().get(1));
        }
        if (xs.getShape().get(0) != xt.getShape().get(0) || xs.getShape().get(2) != xt.getShape().get(2)) {
            throw new IllegalArgumentException(name + " " + rel.label() + ": student " + xs.getShape() + " and teacher "
                    + xt.getShape() + " must agree on batch and sequence length (B, ·, T, ·)");
        }
        return new NDArray[] {selfRelation(xs, "student"), selfRelation(xt, "teacher")};
    }

    private NDArray vectors(Relation rel, ModelOutputs out, int layer, String side) {
        List<NDArray> list;
        String field;
        switch (rel) {
            case QUERY_QUERY:
                list = out.queries();
                field = "queries";
                break;
            case KEY_KEY:
                list = out.keys();
                field = "keys";
                break;
            default:
                list = out.values();
                field = "values";
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException(name + " needs per-head " + field + " but the " + side
                    + " outputs carry none (ModelOutputs." + field + " is empty); the encoder must expose Q, K, V per layer");
        }
        NDArray x = Ops.layer(list, layer - 1, side, field + " layer");
        Ops.requireRank(x, 4, name + " " + side + " " + field, "(B, A, T, d)");
        return x;
    }

    /** softmax logits X_r·X_rᵀ/√d_r for X (B, A, T, d), split into the relation heads. */
    private NDArray selfRelation(NDArray x, String side) {
        Shape s = x.getShape();
        long b = s.get(0);
        long a = s.get(1);
        long len = s.get(2);
        long d = s.get(3);
        NDArray heads = x;
        long dr = d;
        if (relationHeads != 0) {
            requireDivisible(a * d, side);
            dr = a * d / relationHeads;
            heads = x.transpose(0, 2, 1, 3).reshape(b, len, relationHeads, dr).transpose(0, 2, 1, 3);
        }
        return Scalars.div(heads.matMul(heads.transpose(0, 1, 3, 2)), (float) Math.sqrt(dr));
    }

    /** Builds a {@link MiniLmRelationLoss}. Defaults: last layer, uniform mapping, models' own heads. */
    public static final class Builder {
        private String name = "minilm";
        private List<Relation> relations = List.of(Relation.ATTENTION, Relation.VALUE_VALUE);
        private int relationHeads;
        private MappedLayers layers = MappedLayers.LAST_LAYER;
        private LayerMapping mapping = LayerMapping.uniform();

        /**
         * Sets the reported name (default {@code minilm}).
         *
         * @param name the name; not null
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the relations compared, each reported as its own term (default ATTENTION, VALUE_VALUE: v1).
         * Checked in {@link #build()}: non-empty, no repeats, no nulls.
         *
         * @param relations the relations, e.g. QUERY_QUERY, KEY_KEY, VALUE_VALUE for v2; the array is copied
         * @return this builder
         */
        public Builder setRelations(Relation... relations) {
            this.relations = Arrays.asList(relations.clone());
            return this;
        }

        /**
         * R relation heads (MiniLM v2); 0 (default) uses each model's own heads (v1).
         *
         * @param relationHeads R &ge; 0; R &gt; 0 rules out {@link Relation#ATTENTION}
         * @return this builder
         */
        public Builder optRelationHeads(int relationHeads) {
            this.relationHeads = relationHeads;
            return this;
        }

        /**
         * The last layer only (default, as in both MiniLM papers) or every mapped layer.
         *
         * @param layers the selection; not null
         * @return this builder
         */
        public Builder optLayers(MappedLayers layers) {
            this.layers = Objects.requireNonNull(layers, "layers");
            return this;
        }

        /**
         * The layer mapping; with LAST_LAYER only g(M) matters, e.g. {@code LayerMapping.function(m -> 18)}
         * distils MiniLM v2's upper-middle teacher layer 18 of 24.
         *
         * @param mapping the mapping; not null
         * @return this builder
         */
        public Builder optMapping(LayerMapping mapping) {
            this.mapping = Objects.requireNonNull(mapping, "mapping");
            return this;
        }

        /**
         * Builds the loss.
         *
         * @return the loss; sizes are checked later, in {@link MiniLmRelationLoss#initialize}
         * @throws IllegalArgumentException if the relations are empty or repeat, R is negative, or R &gt; 0
         *         is combined with {@link Relation#ATTENTION}
         */
        public MiniLmRelationLoss build() {
            if (relations.isEmpty() || relations.stream().anyMatch(Objects::isNull)
                    || relations.stream().distinct().count() != relations.size()) {
                throw new IllegalArgumentException("relations " + relations + " must be a non-empty list without"
                        + " repeats or nulls, e.g. ATTENTION, VALUE_VALUE (v1) or QUERY_QUERY, KEY_KEY, VALUE_VALUE (v2)");
            }
            if (relationHeads < 0) {
                throw new IllegalArgumentException("relation heads (" + relationHeads
                        + ") must be >= 0: 0 uses the models' own heads, R > 0 splits Q/K/V into R relation heads");
            }
            if (relationHeads > 0 && relations.contains(Relation.ATTENTION)) {
                throw new IllegalArgumentException("the ATTENTION relation is defined per model head and cannot be"
                        + " re-split into " + relationHeads + " relation heads; use QUERY_QUERY, KEY_KEY, VALUE_VALUE"
                        + " (MiniLM v2) with relation heads, or relation heads 0 for ATTENTION");
            }
            return new MiniLmRelationLoss(this);
        }
    }

    @Override
    public String toString() {
        return "MiniLmRelationLoss" + relations.toString().toLowerCase(Locale.ROOT) + " R=" + relationHeads;
    }
}
