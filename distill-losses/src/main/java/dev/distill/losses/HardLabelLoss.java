package dev.distill.losses;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.Scalars;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.loss.DistillationLoss;
import dev.distill.core.loss.LossOutput;
import dev.distill.core.loss.StepContext;
import java.util.Objects;

/**
 * The student's own supervised loss on the ground-truth labels of {@link TokenBatch#labels()}
 * ("student loss" S in L = α·S + β·D, Hinton et al. 2015; DistilBERT's L_mlm). The teacher is
 * not used.
 *
 * <ul>
 *   <li>{@link Task#CLASSIFICATION}: logits (B, C), labels (B) int64 class ids;
 *       ℓ = −log softmax(z)_y, mean over examples whose label is not −100.</li>
 *   <li>{@link Task#MASKED_LM}: logits (B, T, V), labels (B, T) int64 with −100 at unlabelled
 *       positions; ℓ = −log softmax(z_t)_{y_t}, mean over labelled positions (PyTorch
 *       {@code cross_entropy(ignore_index=-100)}).</li>
 *   <li>{@link Task#SPAN}: logits (B, T, 2), labels (B, 2) int64 start and end positions;
 *       softmax over the T positions, ℓ = (CE_start + CE_end) / 2, each a mean over examples whose
 *       label is not −100 (Hugging Face {@code BertForQuestionAnswering}). Softmax runs over all T
 *       positions, as in BERT.</li>
 *   <li>{@link Task#REGRESSION}: logits (B, 1) or (B), labels (B) float; ℓ = mean (z − y)².</li>
 * </ul>
 *
 * When no label counts (all −100) the loss is 0 rather than PyTorch's NaN. Class ids outside
 * [0, C) other than −100 are rejected with an error (costs one host sync per step).
 */
public final class HardLabelLoss implements DistillationLoss {

    /** What the labels are. */
    public enum Task {
        /** Logits (B, C), labels (B) int64 class ids; cross-entropy. */
        CLASSIFICATION,
        /** Logits (B, T, V), labels (B, T) int64, −100 where unlabelled; cross-entropy. */
        MASKED_LM,
        /** Logits (B, T, 2), labels (B, 2) int64 start and end positions; mean of two cross-entropies. */
        SPAN,
        /** Logits (B, 1) or (B), labels (B) float; mean squared error. */
        REGRESSION
    }

    private final String name;
    private final Task task;

    /**
     * A hard-label loss reported as {@code hard_label}.
     *
     * @param task what the labels are; not null
     * @throws NullPointerException if {@code task} is null
     */
    public HardLabelLoss(Task task) {
        this("hard_label", task);
    }

    /**
     * A hard-label loss reported under {@code name}.
     *
     * @param name the reported name; not null
     * @param task what the labels are; not null
     * @throws NullPointerException if an argument is null
     */
    public HardLabelLoss(String name, Task task) {
        this.name = Objects.requireNonNull(name, "name");
        this.task = Objects.requireNonNull(task, "task");
    }

    /** {@return the name under which this loss reports its value} */
    public String name() {
        return name;
    }

    @Override
    public LossOutput compute(StepContext ctx) {
        NDArray z = Ops.logits(ctx.student(), "student");
        Ops.requireFloating(z, "student logits");
        NDArray y = ctx.batch().labels();
        if (y == null) {
            throw new IllegalArgumentException(name + " (" + task + ") needs labels, but the batch has none;"
                    + " give the batch labels or drop this loss for unlabelled data");
        }
        Shape zs = z.getShape();
        NDArray loss;
        switch (task) {
            case CLASSIFICATION:
                Ops.requireRank(z, 2, name + " logits for CLASSIFICATION", "(B, C)");
                requireLabels(y, new Shape(zs.get(0)), "(B) int64 class ids");
                loss = crossEntropy(z, y, 1, zs.get(1));
                break;
            case MASKED_LM:
                Ops.requireRank(z, 3, name + " logits for MASKED_LM", "(B, T, V)");
                requireLabels(y, new Shape(zs.get(0), zs.get(1)), "(B, T) int64 token ids, -100 where unlabelled");
                checkRange(y, zs.get(2));
                // Only the labelled positions go through the vocabulary-sized softmax.
                NDArray labelled = y.neq(TokenBatch.IGNORE_INDEX);
                NDArray yn = Ops.rows(y.expandDims(2), labelled).squeeze(1); // (n)
                loss = Ops.meanOrZero(nll(Ops.rows(z, labelled), yn, yn.onesLike().gt(0), 1));
                break;
            case SPAN: {
                if (zs.dimension() != 3 || zs.get(2) != 2) {
                    throw new IllegalArgumentException(name + " logits for SPAN must have shape (B, T, 2), got " + zs);
                }
                requireLabels(y, new Shape(zs.get(0), 2), "(B, 2) int64 start and end positions");
                NDArray zt = z.transpose(0, 2, 1); // (B, 2, T)
                checkRange(y, zs.get(1));
                NDArray valid = y.neq(TokenBatch.IGNORE_INDEX);
                NDArray nll = nll(zt, y, valid, 2); // (B, 2)
                NDArray start = Ops.weightedMean(nll.get(":, 0"), valid.get(":, 0"));
                NDArray end = Ops.weightedMean(nll.get(":, 1"), valid.get(":, 1"));
                loss = Scalars.div(start.add(end), 2f);
                break;
            }
            case REGRESSION: {
                long b = zs.get(0);
                if (!(zs.equals(new Shape(b, 1)) || zs.equals(new Shape(b)))) {
                    throw new IllegalArgumentException(name + " logits for REGRESSION must have shape (B, 1) or (B), got "
                            + zs);
                }
                if (!y.getShape().equals(new Shape(b)) || !y.getDataType().isFloating()) {
                    throw new IllegalArgumentException(name + " REGRESSION labels must be (B) = (" + b
                            + ") floating-point targets, got " + y.getShape() + " " + y.getDataType());
                }
                loss = z.reshape(b).sub(y.toType(z.getDataType(), false)).square().mean();
                break;
            }
            default:
                throw new IllegalStateException("unknown task " + task);
        }
        return LossOutput.of(name, loss);
    }

    private NDArray crossEntropy(NDArray z, NDArray y, int axis, long classes) {
        checkRange(y, classes);
        NDArray valid = y.neq(TokenBatch.IGNORE_INDEX);
        return Ops.weightedMean(nll(z, y, valid, axis), valid);
    }

    /** −log softmax(z)[y] along {@code axis}; ignored labels pick class 0 and are masked later. */
    private static NDArray nll(NDArray z, NDArray y, NDArray valid, int axis) {
        NDArray safe = y.mul(valid.toType(y.getDataType(), false)).toType(DataType.INT64, false);
        return z.logSoftmax(axis).gather(safe.expandDims(axis), axis).squeeze(axis).neg();
    }

    private void requireLabels(NDArray y, Shape expected, String doc) {
        if (!y.getShape().equals(expected) || !(y.getDataType() == DataType.INT64 || y.getDataType() == DataType.INT32)) {
            throw new IllegalArgumentException(name + " (" + task + ") labels must have shape " + expected + " ("
                    + doc + "), got " + y.getShape() + " " + y.getDataType());
        }
    }

    private void checkRange(NDArray y, long classes) {
        NDArray valid = y.neq(TokenBatch.IGNORE_INDEX);
        boolean bad = y.gte(classes).logicalOr(y.lt(0).logicalAnd(valid)).any().getBoolean();
        if (bad) {
            long[] v = y.toLongArray();
            StringBuilder found = new StringBuilder();
            int shown = 0;
            for (long l : v) {
                if ((l < 0 && l != TokenBatch.IGNORE_INDEX) || l >= classes) {
                    if (shown++ < 5) {
                        found.append(found.length() == 0 ? "" : ", ").append(l);
                    }
                }
            }
            throw new IllegalArgumentException(name + " (" + task + ") labels must lie in [0, " + classes + ") or be "
                    + TokenBatch.IGNORE_INDEX + " (ignored); found " + found
                    + ". Check the label vocabulary against the head's size");
        }
    }
}
