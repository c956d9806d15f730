package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.util.Objects;

/**
 * Soft-target (prediction-layer) distillation with temperature T (Hinton et al. 2015; DistilBERT,
 * Sanh et al. 2019; TinyBERT's prediction-layer loss with T = 1, Jiao et al. 2020).
 *
 * <p>With teacher logits z_t, student logits z_s, p = softmax(z_t / T), q = softmax(z_s / T), one
 * distribution's loss is
 *
 * <pre>
 *   KL form:             ℓ = T² · Σ_i p_i (log p_i − log q_i)
 *   cross-entropy form:  ℓ = T² · (− Σ_i p_i log q_i)        = KL form + T²·H(p)
 * </pre>
 *
 * The two forms differ by the teacher's entropy H(p), a constant for the student, so their
 * gradients are identical ({@link SoftTargetForm}). T² keeps the gradient's scale independent of
 * T (Hinton et al. §2). The loss is the mean of ℓ over the distributions that count:
 *
 * <ul>
 *   <li>{@link LogitsLayout#CLASSES}, logits (B, C): mean over the B examples (PyTorch
 *       {@code KLDivLoss(reduction="batchmean")}). Positions must be {@code ALL}.</li>
 *   <li>{@link LogitsLayout#TOKENS}, logits (B, T, V): softmax over V at every position, mean over
 *       the positions {@link Positions} selects: all, real tokens, or only masked-LM targets
 *       (labels ≠ −100; DistilBERT). No selected position gives 0.</li>
 *   <li>{@link LogitsLayout#SPAN}, logits (B, T, 2): softmax over the T positions, separately for
 *       start and end; mean over B and over start/end, i.e. (ℓ_start + ℓ_end)/2 as in DistilBERT's
 *       SQuAD distillation. With {@code REAL_TOKENS} (the default) padded positions are removed
 *       from both distributions, so their logits change nothing.</li>
 * </ul>
 *
 * The teacher's logits are detached. Teacher and student logits must have the same shape.
 */
public final class SoftTargetLoss implements DistillationLoss {

    private final String name;
    private final LogitsLayout layout;
    private final double temperature;
    private final SoftTargetForm form;
    private final Positions positions;

    private SoftTargetLoss(Builder b) {
        name = b.name;
        layout = b.layout;
        temperature = b.temperature;
        form = b.form;
        positions = b.positions;
    }

    /**
     * A builder for logits of the given layout.
     *
     * @param layout the shape of the logits; not null
     * @return a builder with the defaults: T = 1, KL form, positions by layout, name {@code soft_target}
     */
    public static Builder builder(LogitsLayout layout) {
        return new Builder(layout);
    }

    /**
     * KL form at temperature T, defaults otherwise.
     *
     * @param layout the shape of the logits; not null
     * @param temperature T, finite and &gt; 0
     * @return a new loss
     * @throws IllegalArgumentException if T is not finite and positive
     */
    public static SoftTargetLoss kl(LogitsLayout layout, double temperature) {
        return builder(layout).optTemperature(temperature).build();
    }

    /**
     * The soft targets softmax(z / T) over the last axis, exactly as this loss computes them. A
     * higher T flattens the distribution (its entropy grows) without changing the order of the
     * probabilities, since z_i / T is monotone in z_i.
     *
     * @param logits any shape (…, K), floating point
     * @param temperature T &gt; 0
     * @return probabilities of the same shape, summing to 1 along the last axis; in the graph of
     *         {@code logits} (detach the teacher's logits first if no gradient should flow)
     */
    public static NDArray softTargets(NDArray logits, double temperature) {
        return Ops.temperedLogSoftmax(logits, temperature, -1, null).exp();
    }

    /** {@return the name this loss reports its value under} */
    public String name() {
        return name;
    }

    /** {@return the temperature T} */
    public double temperature() {
        return temperature;
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        NDArray t = Ops.logits(ctx.teacher(), "teacher");
        NDArray s = Ops.logits(ctx.student(), "student");
        Ops.requireFloating(s, "student logits");
        Ops.requireSameShape(t, s, name + " logits");
        NDArray loss;
        switch (layout) {
            case CLASSES: {
                Ops.requireRank(s, 2, name + " logits for CLASSES", "(B, C)");
                loss = Ops.softTargetRows(t, s, 1, null, temperature, form).mean();
                break;
            }
            case TOKENS: {
                Ops.requireRank(s, 3, name + " logits for TOKENS", "(B, T, V)");
                NDArray selected = positionWeights(ctx.batch(), s.getShape().get(0), s.getShape().get(1), positions, name);
                // Only the selected positions go through the (vocabulary-sized) softmax.
                NDArray rows = Ops.softTargetRows(Ops.rows(t, selected), Ops.rows(s, selected), 1, null, temperature, form);
                loss = Ops.meanOrZero(rows);
                break;
            }
            case SPAN: {
                Ops.requireRank(s, 3, name + " logits for SPAN", "(B, T, 2)");
                if (s.getShape().get(2) != 2) {
                    throw new IllegalArgumentException(name + " logits for SPAN must have shape (B, T, 2), got "
                            + s.getShape());
                }
                NDArray keep = positions == Positions.REAL_TOKENS
                        ? Ops.realTokens(ctx.batch().attentionMask(), s.getShape().get(0), s.getShape().get(1))
                                .expandDims(1)
                        : null; // (B, 1, T)
                loss = Ops.softTargetRows(t.transpose(0, 2, 1), s.transpose(0, 2, 1), 2, keep, temperature, form)
                        .mean(); // (B, 2) -> mean over examples and start/end
                break;
            }
            default:
                throw new IllegalStateException("unknown layout " + layout);
        }
        return LossOutput.of(name, Scalars.mul(loss, (float) (temperature * temperature)));
    }

    /**
     * A boolean (B, T) selection of the positions a per-token loss counts, or null for all.
     */
    static NDArray positionWeights(TokenBatch batch, long b, long t, Positions positions, String lossName) {
        switch (positions) {
            case ALL:
                return null;
            case REAL_TOKENS:
                return Ops.realTokens(batch.attentionMask(), b, t);
            case LABELLED_TOKENS: {
                NDArray labels = batch.labels();
                if (labels == null || labels.getShape().dimension() != 2 || labels.getShape().get(0) != b
                        || labels.getShape().get(1) != t) {
                    throw new IllegalArgumentException(lossName + " counts LABELLED_TOKENS, which needs masked-LM labels"
                            + " of shape (" + b + ", " + t + ") with " + TokenBatch.IGNORE_INDEX
                            + " at unlabelled positions; got " + (labels == null ? "no labels" : labels.getShape())
                            + ". Use Positions.REAL_TOKENS or ALL for batches without masked-LM labels");
                }
                return labels.neq(TokenBatch.IGNORE_INDEX);
            }
            default:
                throw new IllegalStateException("unknown positions " + positions);
        }
    }

    /** Builds a {@link SoftTargetLoss}; {@link #build()} validates. */
    public static final class Builder {
        private final LogitsLayout layout;
        private String name = "soft_target";
        private double temperature = 1.0;
        private SoftTargetForm form = SoftTargetForm.KL_DIVERGENCE;
        private Positions positions;

        private Builder(LogitsLayout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
        }

        /**
         * The temperature T > 0 (default 1).
         *
         * @param temperature T; checked in {@link #build()}
         * @return this builder
         */
        public Builder optTemperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /**
         * KL (default) or cross-entropy form.
         *
         * @param form the form; not null
         * @return this builder
         */
        public Builder optForm(SoftTargetForm form) {
            this.form = Objects.requireNonNull(form, "form");
            return this;
        }

        /**
         * Which positions count: for TOKENS any (default REAL_TOKENS; LABELLED_TOKENS for masked LM
         * as in DistilBERT); for SPAN REAL_TOKENS (default) or ALL; for CLASSES only ALL.
         *
         * @param positions the positions; not null
         * @return this builder
         */
        public Builder optPositions(Positions positions) {
            this.positions = Objects.requireNonNull(positions, "positions");
            return this;
        }

        /**
         * The name the value is reported under (default {@code soft_target}).
         *
         * @param name the name; not null
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Builds the loss.
         *
         * @return the loss
         * @throws IllegalArgumentException if T is not finite and positive, or the positions do not fit the
         *         layout (CLASSES takes only ALL; SPAN does not take LABELLED_TOKENS)
         */
        public SoftTargetLoss build() {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature (" + temperature
                        + ") must be a finite number > 0; 1 is plain softmax, 2-20 are usual for distillation");
            }
            if (positions == null) {
                positions = layout == LogitsLayout.CLASSES ? Positions.ALL : Positions.REAL_TOKENS;
            }
            if (layout == LogitsLayout.CLASSES && positions != Positions.ALL) {
                throw new IllegalArgumentException("positions " + positions
                        + " make no sense for CLASSES logits (B, C), which have no sequence axis; use Positions.ALL");
            }
            if (layout == LogitsLayout.SPAN && positions == Positions.LABELLED_TOKENS) {
                throw new IllegalArgumentException("positions LABELLED_TOKENS make no sense for SPAN logits, whose"
                        + " distributions run over the positions; use REAL_TOKENS (padding excluded) or ALL");
            }
            return new SoftTargetLoss(this);
        }
    }
}
