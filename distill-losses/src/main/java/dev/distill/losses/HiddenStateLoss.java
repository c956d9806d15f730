package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.distill.core.ModelDims;
import dev.distill.core.ModelOutputs;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import dev.distill.losses.mapping.LayerMapping;
import dev.distill.losses.mapping.ResolvedMapping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Distance between student and teacher representations: TinyBERT's hidden-state and embedding
 * MSE through a learnable projection (Jiao et al. 2020, eq. 7 and 10), DistilBERT's cosine
 * embedding loss (Sanh et al. 2019, §3), the L1 loss of block-level distillation (the {@code ./distill block}
 * example), and the same on pooled sentence
 * embeddings.
 *
 * <p>For a pair of hidden states H^S (B, T, H_s) and H^T (B, T, H_t), with the projection
 * x ↦ x·Wᵀ (+b) when present ({@link Projection}; identity otherwise), and R the real tokens
 * (attention mask = 1):
 *
 * <pre>
 *   MSE:     (1 / (|R|·H_t)) Σ_{(b,t)∈R} Σ_h (H^S W − H^T)²_{b,t,h}
 *   L1:      (1 / (|R|·H_t)) Σ_{(b,t)∈R} Σ_h |H^S W − H^T|_{b,t,h}
 *   COSINE:  (1 / |R|) Σ_{(b,t)∈R} (1 − cos(H^S_{b,t} W, H^T_{b,t})),
 *            cos(x, y) = x·y / √((‖x‖² + ε)(‖y‖² + ε)), ε = 1e−12 (PyTorch CosineEmbeddingLoss)
 * </pre>
 *
 * Padded tokens never count (TinyBERT's code averages over them too; we do not). Layer pairs come
 * from the {@link LayerMapping}: hidden index 0 (embeddings) maps to 0, Transformer layer m to
 * g(m). The loss is the <b>sum</b> over the compared pairs (TinyBERT sums its layer losses) and
 * each pair is reported as a term {@code s<m>_t<n>}. With {@link Source#POOLED} the pooled (B, H)
 * embeddings are compared and the mean runs over the B examples.
 *
 * <p>When the widths differ, {@link #initialize} creates one projection W (student width →
 * teacher width) shared by every pair of this loss, named {@code <name>.projection.weight}; it is
 * returned by {@link #trainableParameters()}. TinyBERT's separate W_e (embeddings) and W_h
 * (layers) are two losses: {@link #tinyBertEmbedding()} and {@link #tinyBertHidden()}.
 */
public final class HiddenStateLoss implements DistillationLoss {

    /** Per-element or per-vector distance. */
    public enum Distance {
        /** Mean squared difference per element (TinyBERT). */
        MSE,
        /** Mean absolute difference per element (block-level distillation, the {@code block} example). */
        L1,
        /** 1 − cosine similarity per token or per pooled vector (DistilBERT). */
        COSINE
    }

    /** Which representations are compared. */
    public enum Source {
        /** Hidden index 0, the embedding output, against the teacher's (g(0) = 0). */
        EMBEDDINGS,
        /** Transformer layers m against g(m), as {@link MappedLayers} selects. */
        LAYERS,
        /** Both of the above. */
        EMBEDDINGS_AND_LAYERS,
        /** The pooled sentence embeddings (B, H). */
        POOLED
    }

    static final double COSINE_EPS = 1e-12;

    private final String name;
    private final Distance distance;
    private final Source source;
    private final MappedLayers layers;
    private final LayerMapping mapping;
    private final ProjectionMode projectionMode;
    private final boolean projectionBias;
    private final DataType projectionType;
    private final Initializer projectionInitializer;
    private Projection projection;

    private HiddenStateLoss(Builder b) {
        name = b.name;
        distance = b.distance;
        source = b.source;
        layers = b.layers;
        mapping = b.mapping;
        projectionMode = b.projectionMode;
        projectionBias = b.projectionBias;
        projectionType = b.projectionType;
        projectionInitializer = b.projectionInitializer;
    }

    /**
     * {@return a builder with the defaults: MSE over every mapped layer, uniform g, AUTO projection, name {@code hidden}}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * TinyBERT's hidden-state loss: MSE(H^S_m W_h, H^T_{g(m)}) summed over m = 1..M, uniform g.
     *
     * @return a new loss; its projection, if any, is created by {@link #initialize}
     */
    public static HiddenStateLoss tinyBertHidden() {
        return builder().optName("hidden_mse").build();
    }

    /**
     * TinyBERT's embedding-layer loss: MSE(E^S W_e, E^T).
     *
     * @return a new loss; its projection, if any, is created by {@link #initialize}
     */
    public static HiddenStateLoss tinyBertEmbedding() {
        return builder().optName("embedding_mse").optSource(Source.EMBEDDINGS).build();
    }

    /**
     * DistilBERT's cosine embedding loss between the last hidden states, real tokens only.
     *
     * @return a new loss; its projection, if any, is created by {@link #initialize}
     */
    public static HiddenStateLoss distilBertCosine() {
        return builder().optName("cosine").optDistance(Distance.COSINE).optLayers(MappedLayers.LAST_LAYER).build();
    }

    /**
     * 1 − cos between the pooled sentence embeddings, mean over the batch.
     *
     * @return a new loss; its projection, if any, is created by {@link #initialize}
     */
    public static HiddenStateLoss pooledCosine() {
        return builder().optName("pooled_cosine").optDistance(Distance.COSINE).optSource(Source.POOLED).build();
    }

    /** {@return the name under which this loss reports its value; also the projection's parameter prefix} */
    public String name() {
        return name;
    }

    /**
     * The projection W, or null when none was created.
     *
     * @return the projection created by {@link #initialize}, or null (equal widths, or before initialisation)
     */
    public Projection projection() {
        return projection;
    }

    @Override
    public void initialize(NDManager manager, ModelDims teacher, ModelDims student) {
        if (source == Source.LAYERS || source == Source.EMBEDDINGS_AND_LAYERS) {
            mapping.resolve(student.numLayers(), teacher.numLayers());
        }
        boolean differ = teacher.hiddenSize() != student.hiddenSize();
        if (differ && projectionMode == ProjectionMode.NEVER) {
            throw new IllegalArgumentException(name + ": student hidden size " + student.hiddenSize()
                    + " differs from the teacher's " + teacher.hiddenSize()
                    + " and the projection is disabled (ProjectionMode.NEVER); use AUTO to learn a projection W");
        }
        if (projectionMode == ProjectionMode.ALWAYS || differ) {
            projection = new Projection(name + ".projection", student.hiddenSize(), teacher.hiddenSize(), projectionBias,
                    projectionInitializer);
            projection.initialize(manager, projectionType);
        } else {
            projection = null;
        }
    }

    @Override
    public List<Parameter> trainableParameters() {
        return projection == null ? List.of() : projection.parameters();
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        ctx.requireTrained(name, this);
        ModelOutputs t = ctx.teacher();
        ModelOutputs s = ctx.student();
        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray total = null;
        if (source == Source.POOLED) {
            if (s.pooled() == null || t.pooled() == null) {
                throw new IllegalArgumentException(name + " compares pooled embeddings but the "
                        + (s.pooled() == null ? "student" : "teacher")
                        + " outputs have none (ModelOutputs.pooled is null); the model needs a pooler");
            }
            Ops.requireRank(s.pooled(), 2, name + " student pooled", "(B, H)");
            total = vectorDistance(project(s.pooled()), t.pooled().stopGradient(), "pooled").mean();
            terms.put(name, total);
            return new LossOutput(total, terms);
        }
        NDArray mask = ctx.batch().attentionMask();
        List<ResolvedMapping.Pair> pairs = pairs(s, t);
        for (ResolvedMapping.Pair pair : pairs) {
            NDArray hs = Ops.layer(s.hiddenStates(), pair.student(), "student", "hidden state");
            NDArray ht = Ops.layer(t.hiddenStates(), pair.teacher(), "teacher", "hidden state").stopGradient();
            if (ht.getShape().dimension() == 3 && ht.getShape().get(2) == 0) {
                throw new IllegalArgumentException(name + " needs the teacher's hidden state " + pair.teacher()
                        + ", which the teacher outputs carry only as a placeholder of width 0: a teacher replayed"
                        + " from a cache holds only the hidden layers the cache stored. Build the cache with hidden"
                        + " state " + pair.teacher() + " among its layers (CacheFingerprint.withHiddenLayers,"
                        + " ./distill cache --hidden-layers), or train with the live teacher");
            }
            Ops.requireRank(hs, 3, name + " student hidden state " + pair.student(), "(B, T, H)");
            NDArray real = Ops.realTokens(mask, hs.getShape().get(0), hs.getShape().get(1));
            NDArray value = Ops.weightedMean(vectorDistance(project(hs), ht, pair.label()), real);
            terms.put(pairs.size() == 1 ? name : pair.label(), value);
            total = total == null ? value : total.add(value);
        }
        return new LossOutput(total, terms);
    }

    private List<ResolvedMapping.Pair> pairs(ModelOutputs s, ModelOutputs t) {
        List<ResolvedMapping.Pair> pairs = new ArrayList<>();
        if (source == Source.EMBEDDINGS || source == Source.EMBEDDINGS_AND_LAYERS) {
            pairs.add(new ResolvedMapping.Pair(0, 0));
        }
        if (source == Source.LAYERS || source == Source.EMBEDDINGS_AND_LAYERS) {
            List<ResolvedMapping.Pair> layerPairs = mapping.resolve(s.numLayers(), t.numLayers()).layerPairs();
            pairs.addAll(layers == MappedLayers.LAST_LAYER ? layerPairs.subList(layerPairs.size() - 1, layerPairs.size())
                    : layerPairs);
        }
        return pairs;
    }

    private NDArray project(NDArray x) {
        return projection == null ? x : projection.apply(x);
    }

    /** The distance per vector along the last axis: shape of x without its last axis. */
    private NDArray vectorDistance(NDArray xs, NDArray xt, String what) {
        if (!xs.getShape().equals(xt.getShape())) {
            String hint = projection == null
                    ? "; widths differ and no projection exists: pass the loss to the DistillationTrainer constructor"
                            + " (which initialises and trains its W), or call initialize(manager, teacherDims, studentDims)"
                    : "";
            throw new IllegalArgumentException(name + " (" + what + "): student " + (projection == null ? "" : "projected ")
                    + "shape " + xs.getShape() + " must equal teacher shape " + xt.getShape() + hint);
        }
        int last = xs.getShape().dimension() - 1;
        switch (distance) {
            case MSE:
                return xs.sub(xt).square().mean(new int[] {last});
            case L1:
                return xs.sub(xt).abs().mean(new int[] {last});
            case COSINE: {
                NDArray dot = xs.mul(xt).sum(new int[] {last});
                NDArray ns = xs.square().sum(new int[] {last}).add((float) COSINE_EPS);
                NDArray nt = xt.square().sum(new int[] {last}).add((float) COSINE_EPS);
                return dot.div(ns.mul(nt).sqrt()).neg().add(1);
            }
            default:
                throw new IllegalStateException("unknown distance " + distance);
        }
    }

    /** Builds a {@link HiddenStateLoss}. Defaults: MSE over every mapped layer, uniform g, AUTO projection. */
    public static final class Builder {
        private String name = "hidden";
        private Distance distance = Distance.MSE;
        private Source source = Source.LAYERS;
        private MappedLayers layers = MappedLayers.EVERY_LAYER;
        private LayerMapping mapping = LayerMapping.uniform();
        private ProjectionMode projectionMode = ProjectionMode.AUTO;
        private boolean projectionBias;
        private DataType projectionType = DataType.FLOAT32;
        private Initializer projectionInitializer;

        /**
         * The reported name and the projection's parameter prefix (default {@code hidden}).
         *
         * @param name the name; not null
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the distance (default {@link Distance#MSE}).
         *
         * @param distance the distance; not null
         * @return this builder
         */
        public Builder optDistance(Distance distance) {
            this.distance = Objects.requireNonNull(distance, "distance");
            return this;
        }

        /**
         * Sets which representations are compared (default {@link Source#LAYERS}).
         *
         * @param source the representations; not null
         * @return this builder
         */
        public Builder optSource(Source source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Every mapped layer (default) or only the last.
         *
         * @param layers the selection; not null
         * @return this builder
         */
        public Builder optLayers(MappedLayers layers) {
            this.layers = Objects.requireNonNull(layers, "layers");
            return this;
        }

        /**
         * The layer mapping g (default {@link LayerMapping#uniform()}).
         *
         * @param mapping the mapping; not null
         * @return this builder
         */
        public Builder optMapping(LayerMapping mapping) {
            this.mapping = Objects.requireNonNull(mapping, "mapping");
            return this;
        }

        /**
         * Sets when the projection W is created (default {@link ProjectionMode#AUTO}: only when the widths
         * differ). {@link Source#POOLED} never projects.
         *
         * @param mode the mode; not null
         * @return this builder
         */
        public Builder optProjection(ProjectionMode mode) {
            this.projectionMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Whether W has a bias (TinyBERT's code: yes; the paper: no; default no).
         *
         * @param bias true to add a bias b (H_t)
         * @return this builder
         */
        public Builder optProjectionBias(boolean bias) {
            this.projectionBias = bias;
            return this;
        }

        /**
         * The projection's dtype (default FLOAT32; must match the student's activations).
         *
         * @param type the dtype; not null
         * @return this builder
         */
        public Builder optProjectionType(DataType type) {
            this.projectionType = Objects.requireNonNull(type, "type");
            return this;
        }

        /**
         * How W starts (default BERT's N(0, 0.02²)); e.g. {@link Projection#fromMatrix} with the
         * channel selection of a pruned student, so the loss starts from what the student
         * already computes.
         *
         * @param initializer how W is filled, called with shape (H_t, H_s); not null
         * @return this builder
         */
        public Builder optProjectionInitializer(Initializer initializer) {
            this.projectionInitializer = Objects.requireNonNull(initializer, "initializer");
            return this;
        }

        /**
         * {@return the loss; widths and the mapping are checked later, in {@link HiddenStateLoss#initialize}}
         */
        public HiddenStateLoss build() {
            return new HiddenStateLoss(this);
        }
    }
}
