package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.ModelOutputs;
import dev.distill.core.Scalars;
import java.util.List;

/**
 * Tensor helpers shared by the losses. Every op is called on an activation (never on a
 * parameter), so results attach to the step's manager.
 */
final class Ops {

    private Ops() {}

    /**
     * A finite stand-in for −∞ in masked softmaxes: exp underflows to exactly 0 and log-softmax
     * stays finite, so 0·(log p − log q) is 0, never NaN.
     */
    static double negativeFill(DataType type) {
        return type == DataType.FLOAT16 ? -6.0e4 : -1.0e9;
    }

    /** A 0-d array holding {@code value} in {@code like}'s dtype, on {@code like}'s manager. */
    static NDArray scalarLike(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** {@code keep ? x : value}, with {@code keep} a boolean array broadcastable to x. */
    static NDArray fillWhereNot(NDArray x, NDArray keep, double value) {
        // DJL's where wants the condition in x's exact shape.
        NDArray condition = keep.getShape().equals(x.getShape()) ? keep : keep.broadcast(x.getShape());
        return NDArrays.where(condition, x, scalarLike(x, value));
    }

    /** A 0/1 mask (any integer or boolean dtype) as a boolean array. */
    static NDArray toBool(NDArray mask) {
        return mask.getDataType() == DataType.BOOLEAN ? mask : mask.neq(0);
    }

    /** A 0/1 mask as floating point in the dtype of {@code like}. */
    static NDArray toFloat(NDArray mask, NDArray like) {
        return mask.toType(like.getDataType(), false);
    }

    /**
     * The mean of {@code values} over the entries a boolean {@code selected} (same shape or
     * broadcastable) keeps: Σ_selected values / max(#selected, 1), so 0 (not NaN) when nothing is
     * selected. Unselected entries are replaced, not multiplied by 0, so even a NaN there changes
     * nothing.
     */
    static NDArray weightedMean(NDArray values, NDArray selected) {
        NDArray keep = toBool(selected);
        NDArray count = toFloat(keep, values).sum();
        if (!keep.getShape().equals(values.getShape())) {
            count = Scalars.mul(count, (float) (values.getShape().size() / keep.getShape().size()));
        }
        return fillWhereNot(values, keep, 0).sum().div(Scalars.maximum(count, 1f));
    }

    /**
     * The rows of a (B, T, …) array at the selected positions, as (n, …); all B·T rows when
     * {@code selected} is null. Differentiable.
     */
    static NDArray rows(NDArray x, NDArray selected) {
        Shape s = x.getShape();
        NDArray flat = x.reshape(new Shape(s.get(0) * s.get(1)).addAll(s.slice(2)));
        return selected == null ? flat : flat.get(new NDIndex("{}", selected.reshape(-1)));
    }

    /** The mean of {@code values}, or 0 when it is empty. */
    static NDArray meanOrZero(NDArray values) {
        return Scalars.div(values.sum(), (float) Math.max(values.size(), 1));
    }

    /**
     * Per-distribution soft-target loss along {@code axis}: with p = softmax(t/T) and
     * q = softmax(s/T), KL(p‖q) = Σ p·(log p − log q), or the cross-entropy −Σ p·log q.
     * Entries where {@code keep} is false are excluded from both distributions (and contribute
     * exactly 0). Not multiplied by T².
     *
     * @param keep boolean, broadcastable to the logits, or null for "keep everything"
     * @return the logits' shape with {@code axis} removed
     */
    static NDArray softTargetRows(NDArray teacherLogits, NDArray studentLogits, int axis, NDArray keep,
            double temperature, SoftTargetForm form) {
        NDArray logp = temperedLogSoftmax(teacherLogits.stopGradient(), temperature, axis, keep);
        NDArray logq = temperedLogSoftmax(studentLogits, temperature, axis, keep);
        NDArray p = logp.exp();
        NDArray elem = form == SoftTargetForm.KL_DIVERGENCE ? logq.sub(logp).mul(p).neg() : logq.mul(p).neg();
        if (keep != null) {
            elem = fillWhereNot(elem, keep, 0);
        }
        return elem.sum(new int[] {axis});
    }

    /**
     * log softmax(z / T) along {@code axis}; entries where {@code keep} is false get probability
     * exactly 0 (and a large negative, finite log-probability).
     */
    static NDArray temperedLogSoftmax(NDArray logits, double temperature, int axis, NDArray keep) {
        NDArray z = temperature == 1.0 ? logits : Scalars.div(logits, (float) temperature);
        if (keep != null) {
            z = fillWhereNot(z, keep, negativeFill(z.getDataType()));
        }
        return z.logSoftmax(axis);
    }

    /** The logits of one side, or a clear error when the model has no head. */
    static NDArray logits(ModelOutputs outputs, String side) {
        if (outputs.logits() == null) {
            throw new IllegalArgumentException(side + " outputs carry no logits (ModelOutputs.logits is null): "
                    + "the " + side + " needs a head (masked-LM, classification, regression or span QA) for this loss");
        }
        return outputs.logits();
    }

    /** Requires a floating-point array. */
    static void requireFloating(NDArray x, String what) {
        if (!x.getDataType().isFloating()) {
            throw new IllegalArgumentException(what + " must be floating point, got " + x.getDataType());
        }
    }

    /** Requires {@code x} to have exactly {@code rank} dimensions. */
    static void requireRank(NDArray x, int rank, String what, String shapeDoc) {
        if (x.getShape().dimension() != rank) {
            throw new IllegalArgumentException(what + " must have shape " + shapeDoc + ", got " + x.getShape());
        }
    }

    /** Requires two arrays of one shape. */
    static void requireSameShape(NDArray teacher, NDArray student, String what) {
        if (!teacher.getShape().equals(student.getShape())) {
            throw new IllegalArgumentException(what + ": teacher shape " + teacher.getShape()
                    + " and student shape " + student.getShape() + " must be equal");
        }
    }

    /** {@code list.get(index)} with an error naming the list and the valid range. */
    static NDArray layer(List<NDArray> list, int index, String side, String what) {
        if (index < 0 || index >= list.size()) {
            throw new IllegalArgumentException(side + " " + what + " index " + index + " does not exist: the "
                    + side + " has " + list.size() + " (valid indices 0.." + (list.size() - 1) + ")");
        }
        return list.get(index);
    }

    /**
     * The attention mask (B, T) as a boolean array, checked against the sequence length of the
     * arrays it masks.
     */
    static NDArray realTokens(NDArray attentionMask, long batch, long length) {
        Shape s = attentionMask.getShape();
        if (s.dimension() != 2 || s.get(0) != batch || s.get(1) != length) {
            throw new IllegalArgumentException("attentionMask has shape " + s + " but the outputs have batch "
                    + batch + " and sequence length " + length + "; expected (" + batch + ", " + length + ")");
        }
        return toBool(attentionMask);
    }
}
