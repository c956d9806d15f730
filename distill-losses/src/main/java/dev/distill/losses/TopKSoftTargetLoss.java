package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.Scalars;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.util.Objects;

/**
 * Soft targets from the teacher's top-k tokens only (a truncated softmax, as the {@code ./distill mlm}
 * example's teacher-output cache stores it): the teacher
 * side is a {@link TopKTargets} (B, T, k) ids and temperature-1 probabilities p_1..p_k supplied per
 * step by a {@link TopKSource} (a cache reader later; {@link TopKSource#fromTeacherLogits} now);
 * the student side is its full (B, T, V) logits z_s with log q = log softmax(z_s / T).
 *
 * <p>The stored probabilities miss the mass 1 − Σ p_i of the other V − k tokens. Two treatments:
 *
 * <pre>
 *   RENORMALIZE (default):  p̃_i = p_i^{1/T} / Σ_j p_j^{1/T}           (i ∈ top-k)
 *                           ℓ = T² · Σ_i p̃_i (log p̃_i − log q_i)       KL form
 *                           ℓ = T² · (− Σ_i p̃_i log q_i)               cross-entropy form
 *
 *   OTHER_BUCKET (T = 1):   r = 1 − Σ_i p_i,   q_rest = Σ_{j ∉ top-k} q_j
 *                           ℓ = Σ_i p_i (log p_i − log q_i) + r (log r − log q_rest)
 *                           (cross-entropy form: − Σ_i p_i log q_i − r log q_rest)
 * </pre>
 *
 * <p>Why renormalise by default: p_i^{1/T} is proportional to softmax(z_t / T)_i, so p̃ is
 * <i>exactly</i> the teacher's tempered distribution restricted to its top k and renormalised, at
 * any temperature, whatever the tail holds; it is also what "store the top-k and use them as soft
 * targets" gives when k covers nearly all the mass (typical for a trained MLM teacher at k ≥ 8).
 * Its cost is that the student is pushed to put all its mass on the k tokens, which overstates
 * the teacher's confidence when the tail is heavy. The "other" bucket keeps that confidence: it is
 * the exact KL between the teacher and student distributions coarsened to k + 1 outcomes (a lower
 * bound of the full KL), but the tail's mass at T ≠ 1 cannot be derived from temperature-1
 * probabilities, so it requires T = 1. At k = V both treatments equal {@link SoftTargetLoss}.
 *
 * <p>Positions as in {@link SoftTargetLoss} with {@link LogitsLayout#TOKENS}: mean of ℓ over the
 * selected positions (all, real tokens, or masked-LM targets), 0 when none is selected. Zero
 * probabilities contribute exactly 0. Token ids outside [0, V) are rejected (one host sync).
 */
public final class TopKSoftTargetLoss implements DistillationLoss {

    /** What happens to the probability mass outside the top k. */
    public enum TruncatedMass {
        /** Renormalise the k probabilities to sum to 1 (exact under temperature). */
        RENORMALIZE,
        /** Keep the rest as an extra "other" outcome on both sides (temperature 1 only). */
        OTHER_BUCKET
    }

    private final String name;
    private final TopKSource source;
    private final double temperature;
    private final SoftTargetForm form;
    private final Positions positions;
    private final TruncatedMass truncatedMass;

    private TopKSoftTargetLoss(Builder b) {
        name = b.name;
        source = b.source;
        temperature = b.temperature;
        form = b.form;
        positions = b.positions;
        truncatedMass = b.truncatedMass;
    }

    /**
     * A builder taking the targets from {@code source} at every step.
     *
     * @param source where the targets come from at each step; not null
     * @return a builder with the defaults: T = 1, KL form, real tokens, RENORMALIZE, name {@code topk_soft_target}
     */
    public static Builder builder(TopKSource source) {
        return new Builder(source);
    }

    /** {@return the name under which this loss reports its value} */
    public String name() {
        return name;
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        NDArray s = Ops.logits(ctx.student(), "student");
        Ops.requireFloating(s, "student logits");
        Ops.requireRank(s, 3, name + " student logits", "(B, T, V)");
        TopKTargets targets = Objects.requireNonNull(source.targets(ctx), "TopKSource returned null");
        Shape shape = s.getShape();
        Shape ts = targets.tokenIds().getShape();
        long v = shape.get(2);
        if (ts.get(0) != shape.get(0) || ts.get(1) != shape.get(1) || ts.get(2) > v) {
            throw new IllegalArgumentException(name + ": top-k targets " + ts + " do not fit student logits " + shape
                    + "; expected (B, T, k) = (" + shape.get(0) + ", " + shape.get(1) + ", k) with k <= V = " + v);
        }
        NDArray ids = targets.tokenIds();
        if (ids.lt(0).logicalOr(ids.gte(v)).any().getBoolean()) {
            throw new IllegalArgumentException(name + ": top-k token ids must lie in [0, V = " + v
                    + "); the targets were made with a different vocabulary than the student's head");
        }
        // Only the selected positions go through the (vocabulary-sized) softmax: rows (n, V), (n, k).
        NDArray selected = SoftTargetLoss.positionWeights(ctx.batch(), shape.get(0), shape.get(1), positions, name);
        NDArray logq = Ops.temperedLogSoftmax(Ops.rows(s, selected), temperature, 1, null); // (n, V)
        NDArray idsN = Ops.rows(ids, selected); // (n, k)
        NDArray p = Ops.rows(targets.probabilities().stopGradient(), selected).toType(s.getDataType(), false);
        NDArray logqK = logq.gather(idsN, 1); // (n, k)
        NDArray positive = p.gt(0);
        NDArray rows;
        if (truncatedMass == TruncatedMass.RENORMALIZE) {
            NDArray logp = Ops.fillWhereNot(Scalars.div(Scalars.maximum(p, Float.MIN_NORMAL).log(), (float) temperature), positive,
                    Ops.negativeFill(p.getDataType()));
            NDArray logpT = logp.logSoftmax(1); // log p̃
            NDArray pT = logpT.exp();
            rows = rowSum(pT, logpT, logqK, positive);
        } else {
            NDArray logp = Scalars.maximum(p, Float.MIN_NORMAL).log();
            rows = rowSum(p, logp, logqK, positive);
            if (ts.get(2) < v) {
                NDArray rest = Scalars.maximum(p.sum(new int[] {1}).neg().add(1), 0f); // r, (n)
                NDArray logqRest = logRestMass(logq, idsN);
                NDArray restTerm = form == SoftTargetForm.KL_DIVERGENCE
                        ? Scalars.maximum(rest, Float.MIN_NORMAL).log().sub(logqRest).mul(rest)
                        : logqRest.mul(rest).neg();
                rows = rows.add(Ops.fillWhereNot(restTerm, rest.gt(0), 0));
            }
        }
        NDArray loss = Ops.meanOrZero(rows);
        return LossOutput.of(name, Scalars.mul(loss, (float) (temperature * temperature)));
    }

    /** Σ_k of p·(log p − log q) (KL) or −p·log q (CE), zero where p = 0; shape (n). */
    private NDArray rowSum(NDArray p, NDArray logp, NDArray logqK, NDArray positive) {
        NDArray elem = form == SoftTargetForm.KL_DIVERGENCE ? logqK.sub(logp).mul(p).neg() : logqK.mul(p).neg();
        return Ops.fillWhereNot(elem, positive, 0).sum(new int[] {1});
    }

    /**
     * log Σ_{j ∉ top-k} q_j, computed stably as a log-sum-exp over the tokens outside the top k
     * (no 1 − Σ q cancellation). logq (n, V), ids (n, k) -> (n).
     */
    private static NDArray logRestMass(NDArray logq, NDArray ids) {
        NDArray inTop = logq.zerosLike().toType(DataType.INT64, false)
                .scatter(ids, ids.onesLike(), 1); // (n, V), 1 at the top-k ids
        NDArray outside = inTop.eq(0);
        double fill = Ops.negativeFill(logq.getDataType());
        NDArray m = Ops.fillWhereNot(logq, outside, fill).max(new int[] {1}, true).stopGradient();
        NDArray shifted = Ops.fillWhereNot(logq.sub(m), outside, fill).exp();
        return shifted.sum(new int[] {1}).log().add(m.squeeze(1));
    }

    /** Builds a {@link TopKSoftTargetLoss}; {@link #build()} validates. */
    public static final class Builder {
        private final TopKSource source;
        private String name = "topk_soft_target";
        private double temperature = 1.0;
        private SoftTargetForm form = SoftTargetForm.KL_DIVERGENCE;
        private Positions positions = Positions.REAL_TOKENS;
        private TruncatedMass truncatedMass = TruncatedMass.RENORMALIZE;

        private Builder(TopKSource source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /**
         * Sets the reported name (default {@code topk_soft_target}).
         *
         * @param name the name; not null
         * @return this builder
         */
        public Builder optName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * T > 0 (default 1); OTHER_BUCKET needs 1.
         *
         * @param temperature T; checked in {@link #build()}
         * @return this builder
         */
        public Builder optTemperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /**
         * Sets the KL (default) or cross-entropy form.
         *
         * @param form the form; not null
         * @return this builder
         */
        public Builder optForm(SoftTargetForm form) {
            this.form = Objects.requireNonNull(form, "form");
            return this;
        }

        /**
         * Which positions count (default REAL_TOKENS; LABELLED_TOKENS for masked-LM targets only).
         *
         * @param positions the positions; not null
         * @return this builder
         */
        public Builder optPositions(Positions positions) {
            this.positions = Objects.requireNonNull(positions, "positions");
            return this;
        }

        /**
         * Sets what happens to the mass outside the top k (default {@link TruncatedMass#RENORMALIZE}).
         *
         * @param truncatedMass the treatment; not null
         * @return this builder
         */
        public Builder optTruncatedMass(TruncatedMass truncatedMass) {
            this.truncatedMass = Objects.requireNonNull(truncatedMass, "truncatedMass");
            return this;
        }

        /**
         * Builds the loss.
         *
         * @return the loss
         * @throws IllegalArgumentException if T is not finite and positive, or OTHER_BUCKET is used with T ≠ 1
         */
        public TopKSoftTargetLoss build() {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature (" + temperature + ") must be a finite number > 0");
            }
            if (truncatedMass == TruncatedMass.OTHER_BUCKET && temperature != 1.0) {
                throw new IllegalArgumentException("TruncatedMass.OTHER_BUCKET needs temperature 1, got " + temperature
                        + ": the tail's mass at another temperature cannot be derived from temperature-1 top-k"
                        + " probabilities. Use RENORMALIZE, which is exact under temperature");
            }
            return new TopKSoftTargetLoss(this);
        }
    }
}
